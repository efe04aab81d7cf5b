import VantageCapture
import VantageState
import VantageWire

/// `arp.flip_flop` / `ndp.flip_flop`: an address keeps alternating between MACs.
///
/// An episode opens at a change of owner and stays open while changes keep coming less than
/// `window` apart; it is reported once, when it reaches `min_changes` changes and the address has
/// gone back to a MAC that held it before (A, B, A, B...), and the report is updated (same key)
/// when the episode closes. One finding per episode, never one per change.
///
/// **Flip-flop or duplicate?** When both MACs are alive at once — a former owner claims the
/// address back within the duplicate kind's `conflict_window`, or keeps sending from it after the
/// takeover — the alternation is two hosts holding one address: `arp.duplicate_ip` reports it and
/// this detector stays quiet for the episode (an episode already reported before the overlap
/// became visible keeps its finding). A flip-flop is therefore an alternation where each MAC is
/// silent while the other holds the address: a flapping failover, a bond in balance-alb/tlb, a VM
/// moving between hosts, or two rarely active hosts that take turns.
/// Addresses advertised by VRRP/CARP/HSRP between speakers (the `vip.*` detectors' domain),
/// known virtual MACs, proxy-ARP routers and ignored IPs are left out.
public final class FlipFlopDetector: ConfigurableDetector {
    /// The IPv4 kind.
    public static let arpKind = FindingKind(rawValue: "arp.flip_flop")
    /// The IPv6 kind.
    public static let ndpKind = FindingKind(rawValue: "ndp.flip_flop")

    /// Tunables (section `arp.flip_flop`; IPv6 reads `ndp.flip_flop`, falling back to the same
    /// defaults).
    public struct Configuration: Sendable {
        /// Changes of owner in one episode before it is reported.
        public static let minChanges = Tunable(
            "min_changes", unit: "count", default: 3,
            "changes of owner (A→B→A→B is 3) within one episode before it is reported")
        /// Longest quiet gap between changes inside one episode.
        public static let window = Tunable(
            "window", unit: "s", default: 300, "an episode ends when the owner has not changed for this long")

        /// Changes needed.
        public var minChanges: Int
        /// Episode gap in nanoseconds.
        public var window: Int64

        /// The IPv4 tunables as set in `configuration`.
        public init(_ configuration: AnalysisConfiguration) { self.init(configuration, kind: FlipFlopDetector.arpKind) }

        /// The tunables of `kind` as set in `configuration`.
        public init(_ configuration: AnalysisConfiguration, kind: FindingKind) {
            minChanges = max(2, Int(configuration.value(Self.minChanges, in: kind.rawValue)))
            window = configuration.nanoseconds(Self.window, in: kind.rawValue)
        }
    }

    public static var descriptions: [KindDescription] {
        [arpKind, ndpKind].map { kind in
            KindDescription(
                kind: kind,
                meaning:
                    "An \(kind == arpKind ? "IPv4" : "IPv6") address keeps moving back and forth between MACs; every move leaves some hosts with the wrong MAC.",
                rule:
                    "Within one episode (changes less than window apart) the owner learned from \(kind == arpKind ? "ARP" : "NDP") changes at least min_changes times and returns to a MAC that held it before, while each MAC is silent during the other's tenure. When both are alive at once it is reported as \(kind == arpKind ? "arp.duplicate_ip" : "ndp.duplicate_address") instead. One finding per episode. Not reported between VRRP/CARP/HSRP speakers, for known virtual MACs, proxy-ARP routers or ignored IPs.",
                severity: "warning",
                remedies:
                    "Find why the address keeps moving: a flapping failover cluster (heartbeat loss, preemption loops), bonding in balance-alb/tlb, a VM migrating back and forth, or two hosts configured with the same address that are rarely active at once.",
                tunables: [Configuration.minChanges, Configuration.window])
        }
    }

    public let interest: ObservationInterest = [.arp, .neighborDiscovery]

    private struct Episode {
        var start: FrameReference
        var lastChange: FrameReference
        var changes = 0
        var macs: [MACAddress] = []
        var changeFrames: [FrameReference] = []
        var returned = false
        var conflict = false
        var reported = false
    }

    private let configuration: AnalysisConfiguration
    private let policy: NeighborPolicy
    private let ipv4: Configuration
    private let ipv6: Configuration
    private var episodes = BoundedMap<NeighborKey, Episode>(capacity: 4096)

    public init(configuration: AnalysisConfiguration) {
        self.configuration = configuration
        policy = NeighborPolicy(configuration: configuration)
        ipv4 = Configuration(configuration, kind: Self.arpKind)
        ipv6 = Configuration(configuration, kind: Self.ndpKind)
    }

    private func settings(_ key: NeighborKey) -> Configuration { key.address.isIPv6 ? ipv6 : ipv4 }

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        guard state.neighbors.events.contains(.claim), let claim = state.neighbors.claim, claim.changedOwner, let previous = claim.previous else { return }
        let key = claim.key
        guard !policy.isIgnored(key), !policy.involvesExpectedShared(previous.mac, claim.mac), !NeighborPolicy.isNLBClusterIP(key, state: state),
            !policy.isManagedFailover(key, previous.mac, claim.mac, table: state.neighbors),
            let record = state.neighbors.address(key)
        else { return }
        let settings = settings(key)
        if let slot = episodes.slot(of: key), claim.reference.time - episodes[slot: slot].lastChange.time > settings.window {
            if let episode = episodes.remove(key) { close(episode, key: key, state: state, sink: sink) }
        }
        let slot: Int
        if let existing = episodes.find(key) {
            slot = existing
        } else {
            let inserted = episodes.insert(
                key, Episode(start: claim.reference, lastChange: claim.reference, macs: [previous.mac]))
            if let evicted = inserted.evicted { close(evicted.value, key: evicted.key, state: state, sink: sink) }
            slot = inserted.slot
        }
        let rules = OwnershipRules(configuration, for: key)
        var episode = episodes[slot: slot]
        if rules.isConflictingChange(claim, record: record)
            || rules.historyHasOverlap(record, since: episode.start.time)
        {
            episode.conflict = true
        }
        // A tenure shorter than the overlap grace is a simultaneous claim (duplicate or
        // announcement flap such as keepalived's cold start), not a turn in an alternation.
        guard rules.isSustained(from: previous.firstClaim.time, to: claim.reference.time) else {
            episodes[slot: slot] = episode
            return
        }
        episode.changes += 1
        episode.lastChange = claim.reference
        if episode.macs.contains(claim.mac) {
            episode.returned = true
        } else if episode.macs.count < 8 {
            episode.macs.append(claim.mac)
        }
        if episode.changeFrames.count < Finding.evidenceLimit { episode.changeFrames.append(claim.reference) }
        let report = !episode.reported && qualifies(episode, settings)
        if report { episode.reported = true }
        episodes[slot: slot] = episode
        if report { sink.emit(finding(episode, key: key, state: state, closed: false)) }
    }

    public func advance(to time: Timestamp, state: AnalysisState, sink: FindingSink) {
        var expired: [NeighborKey] = []
        episodes.forEachOldestFirst { slot in
            let key = episodes.key(at: slot)
            guard time - episodes[slot: slot].lastChange.time > settings(key).window else { return false }
            expired.append(key)
            return true
        }
        for key in expired {
            if let episode = episodes.remove(key) { close(episode, key: key, state: state, sink: sink) }
        }
    }

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        for key in episodes.keysOldestFirst {
            if let episode = episodes.remove(key) { close(episode, key: key, state: state, sink: sink) }
        }
    }

    private func qualifies(_ episode: Episode, _ settings: Configuration) -> Bool {
        !episode.conflict && episode.returned && episode.changes >= settings.minChanges
    }

    private func close(_ episode: Episode, key: NeighborKey, state: AnalysisState, sink: FindingSink) {
        guard episode.reported || qualifies(episode, settings(key)) else { return }
        guard !episode.conflict || episode.reported else { return }
        sink.emit(finding(episode, key: key, state: state, closed: true))
    }

    private func finding(_ episode: Episode, key: NeighborKey, state: AnalysisState, closed: Bool) -> Finding {
        let kind = key.address.isIPv6 ? Self.ndpKind : Self.arpKind
        let ip = key.address.description
        let macs = episode.macs.map(\.description)
        let span = episode.lastChange.time - episode.start.time
        let between = macs.count == 2 ? "\(macs[0]) and \(macs[1])" : macs.joined(separator: ", ")
        let summary =
            "\(ip) flip-flopped between \(between): \(episode.changes) changes of owner in \(NeighborText.duration(span)) (\(NeighborText.frames(Array(episode.changeFrames.prefix(6)), state))\(episode.changeFrames.count > 6 ? ", ..." : "")), each MAC silent while the other held it"
            + (closed ? "" : "; still going")
        let evidence = episode.changeFrames.enumerated().map { index, reference in
            Evidence(reference, "change of owner \(index + 1) of \(ip)")
        }
        return Finding(
            kind: kind, severity: .warning, start: episode.start.time, end: episode.lastChange.time, summary: summary,
            ips: [ip], macs: macs, vlan: key.vlan, evidence: evidence,
            remedy:
                "Find why \(ip) keeps moving between \(between): a flapping failover (heartbeat loss, preemption loop), bonding in balance-alb/tlb, a VM migrating back and forth, or two hosts configured with \(ip) that are rarely active at once (then give one another address).",
            key: "\(kind.rawValue)|\(key.vlan)|\(ip)|\(episode.start.time.nanoseconds)",
            details: [
                "changes": .int(episode.changes), "macs": .list(macs.map { .string($0) }),
                "first_change": NeighborText.detail(episode.start, state),
                "last_change": NeighborText.detail(episode.lastChange, state), "span_s": NeighborText.seconds(span),
                "closed": .bool(closed),
            ])
    }
}
