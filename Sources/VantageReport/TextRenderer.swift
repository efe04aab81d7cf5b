import Foundation
import VantageCapture
import VantageDetect

/// Renders findings for a person: a headline, then findings grouped by severity (worst first),
/// each with its summary, the frames that show it, and what to change.
public struct TextRenderer {
    /// Whether to use ANSI colour.
    public var color: Bool
    /// Evidence lines shown per finding (the JSON output has them all).
    public var evidenceShown: Int

    /// A renderer.
    public init(color: Bool, evidenceShown: Int = 8) {
        self.color = color
        self.evidenceShown = evidenceShown
    }

    /// The headline: what was read and what was found.
    public func headline(_ findings: [ReportedFinding], frames: Int, vantageNames: [String], span: (Timestamp, Timestamp)?) -> String {
        var text = "Vantage read \(frames) frame\(frames == 1 ? "" : "s") from \(vantageNames.count) vantage point\(vantageNames.count == 1 ? "" : "s") (\(vantageNames.joined(separator: ", ")))"
        if let span {
            let (firstDay, lastDay) = (span.0.description.prefix(10), span.1.description.prefix(10))
            let end = firstDay == lastDay ? span.1.timeOfDay : "\(lastDay) \(span.1.timeOfDay)"
            text += ", \(firstDay) \(span.0.timeOfDay) to \(end) UTC (\(Self.duration(span.1 - span.0)))"
        }
        let counts = Severity.allCases.reversed().map { severity in
            (severity, findings.filter { $0.severity == severity }.count)
        }
        text += ".\n"
        if findings.isEmpty { return text + "No findings: nothing looks wrong in these captures.\n" }
        text += "Findings: " + counts.map { "\($0.1) \($0.0)" }.joined(separator: ", ") + ".\n"
        return text
    }

    /// The report body.
    public func body(_ findings: [ReportedFinding]) -> String {
        var text = ""
        for severity in Severity.allCases.reversed() {
            let group = findings.filter { $0.severity == severity }
            guard !group.isEmpty else { continue }
            text += "\n" + paint(severity.description.uppercased(), code: Self.colorCode(severity)) + "\n"
            for finding in group { text += render(finding) }
        }
        return text
    }

    private func render(_ finding: ReportedFinding) -> String {
        var text = "\n" + paint("\(finding.id) \(finding.kind)", code: "1")
        text += "  " + Timestamp(nanoseconds: Int64((finding.start * 1e9).rounded())).timeOfDay
        if finding.end > finding.start {
            text += " – " + Timestamp(nanoseconds: Int64((finding.end * 1e9).rounded())).timeOfDay
        }
        if let vlan = finding.vlan { text += "  vlan \(vlan)" }
        text += "\n" + wrap(finding.summary, indent: "  ")
        if !finding.causedBy.isEmpty { text += "  caused by: \(finding.causedBy.joined(separator: ", "))\n" }
        if !finding.evidence.isEmpty {
            text += "  evidence (vantage, Wireshark frame number):\n"
            let width = finding.evidence.map(\.vantage.count).max() ?? 0
            for item in finding.evidence.prefix(evidenceShown) {
                let time = Timestamp(nanoseconds: Int64((item.time * 1e9).rounded())).timeOfDay
                let vantage = item.vantage.padding(toLength: width, withPad: " ", startingAt: 0)
                text += "    \(vantage) #\(item.frame)".padding(toLength: width + 14, withPad: " ", startingAt: 0)
                text += " \(time)  \(item.note)\n"
            }
            if finding.evidence.count > evidenceShown {
                text += "    ... \(finding.evidence.count - evidenceShown) more (see --format json or --evidence)\n"
            }
        }
        text += wrap("remedy: " + finding.remedy, indent: "  ")
        return text
    }

    private func paint(_ text: String, code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    private static func colorCode(_ severity: Severity) -> String {
        switch severity {
        case .critical: "1;31"
        case .warning: "1;33"
        case .info: "1;36"
        }
    }

    /// A duration such as `2.5 s`, `3 min 12 s` or `1 h 4 min`.
    static func duration(_ nanoseconds: Int64) -> String {
        let seconds = Double(nanoseconds) / 1e9
        if seconds < 120 { return String(format1(seconds)) + " s" }
        let whole = Int(seconds)
        if whole < 7200 { return "\(whole / 60) min \(whole % 60) s" }
        return "\(whole / 3600) h \((whole % 3600) / 60) min"
    }

    private static func format1(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// Wraps `text` at 100 columns with `indent` on every line.
    private func wrap(_ text: String, indent: String) -> String {
        var lines: [String] = []
        var line = indent
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if line.count + word.count + 1 > 100 && line.count > indent.count {
                lines.append(line)
                line = indent + "  "
            }
            line += (line.hasSuffix(" ") || line == indent ? "" : " ") + word
        }
        lines.append(line)
        return lines.joined(separator: "\n") + "\n"
    }
}
