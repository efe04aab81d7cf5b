import VantageCapture
import VantageState
import VantageWire

/// A detector: the only place policy lives. It reads observations and the shared state
/// engines, and emits findings. Detectors are classes so the engine mutates them in place.
public protocol Detector: AnyObject {
    /// The kinds this detector emits, with their explanations and tunables.
    static var descriptions: [KindDescription] { get }
    /// Which observations the engine hands to ``observe(_:state:sink:)``.
    var interest: ObservationInterest { get }
    /// The part of ``interest`` the detector needs at the moment, given its own state and the
    /// state engines' (all of ``interest`` unless a detector says otherwise), so the engine does
    /// not call a detector on every data frame only for it to find it has nothing to do.
    ///
    /// The engine asks again only after a frame outside the plain data plane (any class without
    /// ``ObservationInterest/ipData``, or a frame the virtual-IP or NLB engine took in) and after
    /// each ``advance(to:state:sink:)``: the answer may change only through those.
    func currentInterest(_ state: AnalysisState) -> ObservationInterest
    /// Looks at one observation (after the state engines have taken it in).
    func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink)
    /// Called as capture time passes (about every 100 ms of capture time, and at the end),
    /// so episodes can close on timeouts even when no relevant frame arrives.
    func advance(to time: Timestamp, state: AnalysisState, sink: FindingSink)
    /// Called once after the last observation: close every open episode.
    func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink)
}

extension Detector {
    public func advance(to time: Timestamp, state: AnalysisState, sink: FindingSink) {}

    public func currentInterest(_ state: AnalysisState) -> ObservationInterest { interest }
}

/// Classes of observations, so the engine calls a detector only for frames it cares about.
public struct ObservationInterest: OptionSet, Sendable, Hashable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// ARP frames.
    public static let arp = ObservationInterest(rawValue: 1 << 0)
    /// ICMPv6 Neighbor Discovery.
    public static let neighborDiscovery = ObservationInterest(rawValue: 1 << 1)
    /// Any other IPv4 or IPv6 frame (the data plane).
    public static let ipData = ObservationInterest(rawValue: 1 << 2)
    /// VRRP, CARP and HSRP adverts.
    public static let redundancy = ObservationInterest(rawValue: 1 << 3)
    /// Windows NLB heartbeats.
    public static let nlb = ObservationInterest(rawValue: 1 << 4)
    /// Any frame that made the ``NeighborTable`` take in an ownership claim (``NeighborTable/claim``):
    /// ARP/NDP, and the rare IP frame that confirms a data-plane claim, so a detector of owner
    /// changes need not be called on every IP frame.
    public static let neighborClaim = ObservationInterest(rawValue: 1 << 5)
    /// TCP segments (always together with ``ipData``): handshakes, HTTP.
    public static let tcp = ObservationInterest(rawValue: 1 << 6)
    /// UDP datagrams (always together with ``ipData``): heartbeats.
    public static let udp = ObservationInterest(rawValue: 1 << 7)
    /// An IP data frame (the ``ipData`` class) after which the ``NeighborTable`` reports an event
    /// (``NeighborTable/events``: a claim, a frame to a former owner or switching MACs, a former
    /// owner still sending), so a detector that only reacts to those events on the data plane is
    /// not called on every other IP frame.
    public static let dataPlaneEvent = ObservationInterest(rawValue: 1 << 8)
    /// Everything.
    public static let all = ObservationInterest(rawValue: .max)

    /// The class of one decoded packet.
    public static func of(_ packet: DecodedPacket) -> ObservationInterest { of(packet.shape) }

    /// The class of a decoded packet with `shape` (what the engine uses: no read of the layers).
    @inlinable
    public static func of(_ shape: DecodedShape) -> ObservationInterest {
        switch shape.network {
        case .arp: return .arp
        case .nlbHeartbeat: return .nlb
        case .ipv4, .ipv6:
            switch shape.transport {
            case .neighborDiscovery: return .neighborDiscovery
            case .vrrp, .carp: return .redundancy
            case .tcp: return [.ipData, .tcp]
            case .udp: return shape.application == .hsrp ? .redundancy : [.ipData, .udp]
            default: return .ipData
            }
        default: return []
        }
    }
}

/// A tunable threshold of a detector, with its unit and default, listed by `vantage explain`.
public struct Tunable: Sendable, Hashable {
    /// The key in the config file, under the kind's section.
    public var key: String
    /// Unit, e.g. "s", "frames", "count".
    public var unit: String
    /// Built-in value.
    public var defaultValue: Double
    /// What it changes.
    public var help: String

    /// A tunable.
    public init(_ key: String, unit: String, default defaultValue: Double, _ help: String) {
        self.key = key
        self.unit = unit
        self.defaultValue = defaultValue
        self.help = help
    }
}

/// What a finding kind means, for `vantage explain`.
public struct KindDescription: Sendable {
    /// The kind.
    public var kind: FindingKind
    /// What it means to a user.
    public var meaning: String
    /// The exact rule that raises it.
    public var rule: String
    /// How severity is chosen.
    public var severity: String
    /// Typical remedies.
    public var remedies: String
    /// Its thresholds.
    public var tunables: [Tunable]

    /// A description of `kind`.
    public init(
        kind: FindingKind, meaning: String, rule: String, severity: String, remedies: String, tunables: [Tunable] = []
    ) {
        self.kind = kind
        self.meaning = meaning
        self.rule = rule
        self.severity = severity
        self.remedies = remedies
        self.tunables = tunables
    }
}

/// Collects findings; a finding whose key was seen before is merged into the earlier one.
public final class FindingSink {
    private var byKey: [String: Int] = [:]
    /// Findings in the order they were first emitted.
    public private(set) var findings: [Finding] = []

    /// An empty sink.
    public init() {}

    /// Adds a finding, merging it with an earlier one of the same key.
    public func emit(_ finding: Finding) {
        if let index = byKey[finding.key] {
            findings[index].absorb(finding)
        } else {
            byKey[finding.key] = findings.count
            findings.append(finding)
        }
    }

    /// Whether a finding with `key` has been emitted.
    public func contains(key: String) -> Bool { byKey[key] != nil }
}
