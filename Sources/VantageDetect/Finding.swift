import VantageCapture
import VantageState

/// How much a finding matters; ordered, so `--fail-on` can compare.
public enum Severity: Int, Sendable, Hashable, Comparable, CaseIterable, CustomStringConvertible, Codable {
    case info, warning, critical

    /// Parses `info`, `warning` or `critical`.
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = match
    }

    public var description: String {
        switch self {
        case .info: "info"
        case .warning: "warning"
        case .critical: "critical"
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rawValue < rhs.rawValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let severity = Severity(name: name) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown severity \(name)"))
        }
        self = severity
    }
}

/// A stable, category-qualified finding kind such as `arp.unanswered`.
public struct FindingKind: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The category before the dot (`arp`, `neighbor`, `vip`, ...).
    public var category: Substring { rawValue.prefix { $0 != "." } }

    public var description: String { rawValue }
    public static func < (lhs: FindingKind, rhs: FindingKind) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// One frame cited by a finding, with a note saying what it shows.
public struct Evidence: Sendable, Hashable {
    /// The frame.
    public var reference: FrameReference
    /// What this frame shows, in a few words.
    public var note: String

    /// Evidence that `reference` shows `note`.
    public init(_ reference: FrameReference, _ note: String) {
        self.reference = reference
        self.note = note
    }
}

/// A kind-specific detail value, rendered as JSON.
public enum DetailValue: Sendable, Hashable {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case list([DetailValue])
    case object([String: DetailValue])
    case null
}

/// What Vantage concluded: kind, severity, time window, a sentence a person can act on, the
/// frames that show it, and what to change.
public struct Finding: Sendable {
    /// What was found.
    public var kind: FindingKind
    /// How much it matters.
    public var severity: Severity
    /// First moment the finding covers.
    public var start: Timestamp
    /// Last moment the finding covers.
    public var end: Timestamp
    /// One sentence naming IPs, MACs and hosts.
    public var summary: String
    /// IP addresses involved, as text.
    public var ips: [String]
    /// MAC addresses involved, as text.
    public var macs: [String]
    /// The VLAN the addresses live in (nil when untagged).
    public var vlan: UInt16?
    /// The cited frames (bounded: see ``Finding/evidenceLimit``).
    public var evidence: [Evidence]
    /// What to change.
    public var remedy: String
    /// Identity for de-duplication: findings with the same key are merged.
    public var key: String
    /// Keys of findings that explain this one (resolved to ids when reported).
    public var causedBy: [String]
    /// Kind-specific facts.
    public var details: [String: DetailValue]
    /// Vantage points (by index) that saw it, beyond those in the evidence.
    public var extraVantages: Set<Int>

    /// Findings keep at most this many evidence frames (the first ones and the last one).
    public static let evidenceLimit = 24

    /// A finding; `key` defaults to the kind plus the sorted IPs and MACs.
    public init(
        kind: FindingKind, severity: Severity, start: Timestamp, end: Timestamp, summary: String,
        ips: [String] = [], macs: [String] = [], vlan: UInt16? = nil, evidence: [Evidence] = [],
        remedy: String, key: String? = nil, causedBy: [String] = [], details: [String: DetailValue] = [:]
    ) {
        self.kind = kind
        self.severity = severity
        self.start = start
        self.end = end
        self.summary = summary
        self.ips = ips
        self.macs = macs
        self.vlan = vlan == 0 ? nil : vlan
        self.evidence = evidence
        self.remedy = remedy
        self.key = key ?? ([kind.rawValue] + ips.sorted() + macs.sorted() + [String(vlan ?? 0)]).joined(separator: "|")
        self.causedBy = causedBy
        self.details = details
        self.extraVantages = []
        trimEvidence()
    }

    /// The vantage points that saw this finding, ascending.
    public var vantages: [Int] {
        Array(Set(evidence.map(\.reference.vantage)).union(extraVantages)).sorted()
    }

    /// Keeps the first `evidenceLimit - 1` frames and the last one, in time order.
    public mutating func trimEvidence() {
        evidence.sort { $0.reference < $1.reference }
        guard evidence.count > Self.evidenceLimit else { return }
        let last = evidence[evidence.count - 1]
        evidence = Array(evidence.prefix(Self.evidenceLimit - 1)) + [last]
    }

    /// Folds another finding with the same key into this one: wider window, more evidence,
    /// the higher severity, the later summary and details.
    public mutating func absorb(_ other: Finding) {
        start = min(start, other.start)
        end = max(end, other.end)
        if other.severity > severity { severity = other.severity }
        summary = other.summary
        details = other.details
        ips = Array(Set(ips).union(other.ips)).sorted()
        macs = Array(Set(macs).union(other.macs)).sorted()
        causedBy = Array(Set(causedBy).union(other.causedBy)).sorted()
        extraVantages.formUnion(other.extraVantages)
        var seen = Set(evidence.map(\.reference))
        for item in other.evidence where seen.insert(item.reference).inserted { evidence.append(item) }
        trimEvidence()
    }
}
