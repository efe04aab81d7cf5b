import VantageCapture
import VantageDetect
import VantageState

/// A finding ready to print: ids assigned, vantage indices and `caused_by` keys resolved.
///
/// This is the stable record of `--format json` (one per line): `id`, `kind`, `severity`,
/// `start`, `end`, `summary`, `ips`, `macs`, `vlan`, `vantages`, `evidence`, `remedy`,
/// `caused_by`, `details`.
public struct ReportedFinding: Sendable, Encodable {
    /// One cited frame, by vantage name and Wireshark frame number.
    public struct EvidenceItem: Sendable, Encodable {
        public var vantage: String
        public var frame: Int
        public var time: Double
        public var note: String
    }

    public var id: String
    public var kind: FindingKind
    public var severity: Severity
    public var start: Double
    public var end: Double
    public var summary: String
    public var ips: [String]
    public var macs: [String]
    public var vlan: Int?
    public var vantages: [String]
    public var evidence: [EvidenceItem]
    public var remedy: String
    public var causedBy: [String]
    public var details: [String: DetailValue]
    /// The analysis record this was made from (not encoded).
    public var finding: Finding

    enum CodingKeys: String, CodingKey {
        case id, kind, severity, start, end, summary, ips, macs, vlan, vantages, evidence, remedy, details
        case causedBy = "caused_by"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(severity, forKey: .severity)
        try container.encode(start, forKey: .start)
        try container.encode(end, forKey: .end)
        try container.encode(summary, forKey: .summary)
        try container.encode(ips, forKey: .ips)
        try container.encode(macs, forKey: .macs)
        try container.encode(vlan, forKey: .vlan)
        try container.encode(vantages, forKey: .vantages)
        try container.encode(evidence, forKey: .evidence)
        try container.encode(remedy, forKey: .remedy)
        try container.encode(causedBy, forKey: .causedBy)
        try container.encode(details, forKey: .details)
    }

    /// Assigns ids `F1`, `F2`, ... in the given order and resolves vantages and causes.
    public static func resolve(_ findings: [Finding], vantageNames: [String]) -> [ReportedFinding] {
        var ids: [String: String] = [:]
        for (index, finding) in findings.enumerated() { ids[finding.key] = "F\(index + 1)" }
        func name(_ vantage: Int) -> String {
            vantageNames.indices.contains(vantage) ? vantageNames[vantage] : "vantage\(vantage)"
        }
        return findings.enumerated().map { index, finding in
            ReportedFinding(
                id: "F\(index + 1)", kind: finding.kind, severity: finding.severity,
                start: finding.start.seconds, end: finding.end.seconds, summary: finding.summary,
                ips: finding.ips, macs: finding.macs, vlan: finding.vlan.map(Int.init),
                vantages: finding.vantages.map(name),
                evidence: finding.evidence.map {
                    EvidenceItem(
                        vantage: name($0.reference.vantage), frame: $0.reference.frame,
                        time: $0.reference.time.seconds, note: $0.note)
                },
                remedy: finding.remedy, causedBy: finding.causedBy.compactMap { ids[$0] }.sorted(),
                details: finding.details, finding: finding)
        }
    }
}

extension DetailValue: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .list(let values): try container.encode(values)
        case .object(let values): try container.encode(values)
        case .null: try container.encodeNil()
        }
    }
}
