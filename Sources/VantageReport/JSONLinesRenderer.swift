import Foundation

/// Renders findings as JSON Lines: one finding object per line, keys sorted, for machines.
public struct JSONLinesRenderer {
    private let encoder: JSONEncoder

    /// A renderer.
    public init() {
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    /// One line per finding.
    public func lines(_ findings: [ReportedFinding]) throws -> [String] {
        try findings.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
    }
}
