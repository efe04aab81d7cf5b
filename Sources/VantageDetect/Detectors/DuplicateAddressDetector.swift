import VantageCapture
import VantageState
import VantageWire

/// `arp.duplicate_ip` / `ndp.duplicate_address`: two MACs hold one address at the same time.
///
/// Conflicts, each seen from the ``NeighborTable``:
/// - **interleaved claims**: two MACs claim the address within `simultaneous_window` of each other
///   (both answered the same ARP request / NS);
/// - **re-claim**: a former owner claims the address back within `conflict_window` after the
///   other MAC took it over, or after having kept using it during the other's tenure (A, B, A...).
///   Neither counts when the contest is only announcement bursts (gratuitous ARP / unsolicited NA
///   from both): that is a failover flap (keepalived cold start, protocols.md §3.3);
/// - **concurrent use**: the former owner keeps sending IP frames from the address more than
///   `overlap_grace` after the takeover while the new owner was active within `conflict_window`
///   (for a data-plane takeover, see `neighbor.moved`, the takeover is the new MAC's first frame);
/// - **probe for a live address** (RFC 5227 / RFC 4862 DAD): an ARP probe or DAD NS for an
///   address whose owner (another MAC) was active within `conflict_window`;
/// - **defence / DAD answered**: the owner claims the address (reply, announcement, NA) within
///   `probe_window` after another MAC's probe.
/// Probe conflicts wait `conflict_window` before they count: probers that probe
/// `scanner_targets` different addresses by then (switch IP device tracking, scanners) are not
/// acquiring an address and are ignored. Not reported between two VRRP/CARP/HSRP speakers (the
/// `vip.*` detectors judge split brain), for known virtual MACs, proxy-ARP routers, NLB cluster
/// IPs and ignored IPs. One finding per (address, MAC pair), updated at most once per
/// `conflict_window` and at the end.
public final class DuplicateAddressDetector: ConfigurableDetector {
    /// The IPv4 kind.
    public static let arpKind = FindingKind(rawValue: "arp.duplicate_ip")
    /// The IPv6 kind.
    public static let ndpKind = FindingKind(rawValue: "ndp.duplicate_address")

    /// Tunables (section `arp.duplicate_ip`, or `ndp.duplicate_address` for IPv6). The same
    /// values decide, for `neighbor.moved` and `arp.flip_flop`, when a change is a conflict.
    public struct Configuration: Sendable {
        /// Re-claim window (RFC 5227 DEFEND_INTERVAL).
        public static let conflictWindow = Tunable(
            "conflict_window", unit: "s", default: 10,
            "a former owner claiming the address back within this time after another MAC's claim, or a probe for an address whose owner was active within this time, is a conflict (RFC 5227 DEFEND_INTERVAL)")
        /// In-flight grace after a takeover.
        public static let overlapGrace = Tunable(
            "overlap_grace", unit: "s", default: 1,
            "frames from the former owner within this time after the takeover are in flight (or clock skew between vantage points), not concurrent use")
        /// Defence window after a probe.
        public static let probeWindow = Tunable(
            "probe_window", unit: "s", default: 2,
            "a claim by the owner within this time after another MAC's ARP probe / DAD NS answers it (RFC 5227 defence, DAD failure)")
        /// Two claims this close answered the same request.
        public static let simultaneousWindow = Tunable(
            "simultaneous_window", unit: "s", default: 0.05,
            "two MACs claiming the address within this time of each other both answered the same request (or interleave their announcements): a conflict. Short, because a VRRP backup takes over a few ms to 1 s after the master's last answer")
        /// Distinct probe targets that make a prober a scanner.
        public static let scannerTargets = Tunable(
            "scanner_targets", unit: "count", default: 3,
            "a MAC that probed this many different addresses in turn is checking hosts (switch IP device tracking, scanner), not acquiring one: its probes are ignored")
    }

    public static var descriptions: [KindDescription] {
        [arpKind, ndpKind].map { kind in
            let ipv6 = kind == ndpKind
            return KindDescription(
                kind: kind,
                meaning:
                    ipv6
                    ? "Two MACs use one IPv6 address at the same time, or duplicate address detection failed: traffic for the address goes to either host."
                    : "Two MACs use one IPv4 address at the same time: each ARP answer or gratuitous ARP sends the address's traffic to one host or the other, and connections break.",
                rule:
                    "In one VLAN, two MACs claim the address within simultaneous_window of each other (both answered one request), or a former owner claims it back within conflict_window after another MAC's claim (neither counts when both only sent announcement bursts: a failover flap), or keeps sending from it more than overlap_grace after the takeover while the new owner is active, or \(ipv6 ? "a DAD NS (source ::)" : "an ARP probe (SPA 0.0.0.0)") targets an address whose owner was active within conflict_window, or the owner claims it within probe_window after another MAC's probe\(ipv6 ? " (NA answering DAD)" : " (RFC 5227 defence)"). Not between VRRP/CARP/HSRP speakers, known virtual MACs, proxy-ARP routers, NLB cluster IPs (configured, or seen in heartbeats and ARP) or ignored IPs; probes by MACs that probe scanner_targets different addresses are ignored.",
                severity: "critical",
                remedies:
                    "Find both hosts (switch MAC table for each MAC) and give one another address; check DHCP scopes against static assignments; for a cluster VIP make sure only one node holds it.",
                tunables: [
                    Configuration.conflictWindow, Configuration.overlapGrace, Configuration.simultaneousWindow,
                    Configuration.probeWindow, Configuration.scannerTargets,
                ])
        }
    }

    /// ARP and NDP, and IP data frames only when the neighbor table reports an event for them
    /// (on any other data frame ``observe(_:state:sink:)`` has nothing to do).
    public let interest: ObservationInterest = [.arp, .neighborDiscovery, .dataPlaneEvent]

    private enum Reason: String {
        case reclaim
        case interleaved
        case concurrentUse = "concurrent_use"
        case probeForLiveAddress = "probe_for_live_address"
        case defence
    }

    private struct ContestKey: BoundedMapKey {
        var key: NeighborKey
        var low: MACAddress
        var high: MACAddress
    }

    private struct Contest {
        var first: FrameReference
        var last: FrameReference
        var events = 0
        var reasons: [Reason] = []
        var notes: [String] = []
        var evidence: [Evidence] = []
        var lastEmitted: Timestamp?
        var dirty = false
    }

    private struct PendingKey: BoundedMapKey {
        var key: NeighborKey
        var prober: MACAddress
        var reason: Reason
    }

    private struct PendingProbeConflict {
        var key: NeighborKey
        var owner: MACAddress
        var prober: MACAddress
        var reason: Reason
        var note: String
        var evidence: [Evidence]
        var reference: FrameReference
        var due: Timestamp
    }

    private let configuration: AnalysisConfiguration
    private let policy: NeighborPolicy
    private var pendingProbes = BoundedMap<PendingKey, PendingProbeConflict>(capacity: 1024)
    private let ipv4Rules: OwnershipRules
    private let ipv6Rules: OwnershipRules
    private let ipv4Scanner: UInt32
    private let ipv6Scanner: UInt32
    private var contests = BoundedMap<ContestKey, Contest>(capacity: 4096)

    public init(configuration: AnalysisConfiguration) {
        self.configuration = configuration
        policy = NeighborPolicy(configuration: configuration)
        ipv4Rules = OwnershipRules(configuration, section: Self.arpKind)
        ipv6Rules = OwnershipRules(configuration, section: Self.ndpKind)
        ipv4Scanner = UInt32(max(2, configuration.value(Configuration.scannerTargets, in: Self.arpKind.rawValue)))
        ipv6Scanner = UInt32(max(2, configuration.value(Configuration.scannerTargets, in: Self.ndpKind.rawValue)))
    }

    private func rules(_ key: NeighborKey) -> OwnershipRules { key.address.isIPv6 ? ipv6Rules : ipv4Rules }

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        let table = state.neighbors
        let events = table.events
        guard !events.isEmpty else { return }
        if events.contains(.formerOwnerSource), let source = table.formerOwnerSource {
            concurrentUse(source, state: state, sink: sink)
        }
        guard let claim = table.claim, let record = table.address(claim.key) else { return }
        let rules = rules(claim.key)
        let ip = claim.key.address.description
        if claim.kind.isProbe {
            guard let owner = claim.previous, owner.lastSeen.time >= claim.reference.time - rules.conflictWindow else {
                return
            }
            let what = claim.kind == .dadProbe ? "DAD probe" : "ARP probe"
            let article = claim.kind == .dadProbe ? "a" : "an"
            deferProbeConflict(
                PendingProbeConflict(
                    key: claim.key, owner: owner.mac, prober: claim.mac, reason: .probeForLiveAddress,
                    note: "\(claim.mac) sent \(article) \(what) for \(ip) while \(owner.mac) was using it (last seen at \(NeighborText.frame(owner.lastSeen, state)))",
                    evidence: [
                        Evidence(owner.lastSeen, "\(owner.mac) using \(ip)"),
                        Evidence(claim.reference, "\(what) for \(ip) from \(claim.mac)"),
                    ], reference: claim.reference, due: claim.reference.time + rules.conflictWindow),
                state: state, sink: sink)
            return
        }
        if claim.kind == .dataPlane {
            dataPlaneClaim(claim, state: state, sink: sink)
            return
        }
        // A claim answering another MAC's recent probe: the owner defends the address.
        if let probe = record.lastProbe, probe.mac != claim.mac,
            claim.reference.time - probe.reference.time <= rules.probeWindow,
            claim.reference.time >= probe.reference.time
        {
            let dad = probe.kind == .dadProbe
            deferProbeConflict(
                PendingProbeConflict(
                    key: claim.key, owner: claim.mac, prober: probe.mac, reason: .defence,
                    note: dad
                        ? "\(claim.mac) answered \(probe.mac)'s DAD probe for \(ip) (\(claim.kind)): duplicate address detection failed"
                        : "\(claim.mac) defended \(ip) against \(probe.mac)'s probe (\(claim.kind))",
                    evidence: [
                        Evidence(probe.reference, "\(dad ? "DAD probe" : "ARP probe") for \(ip) from \(probe.mac)"),
                        Evidence(claim.reference, "\(claim.mac) answers for \(ip) (\(claim.kind))"),
                    ], reference: claim.reference, due: probe.reference.time + rules.conflictWindow),
                state: state, sink: sink)
        }
        guard claim.changedOwner, let other = claim.previous, rules.isConflictingChange(claim, record: record) else { return }
        let sinceLast = claim.reference.time - other.lastClaim.time
        let back = record.history.dropLast(2).contains { $0.mac == claim.mac }
        let simultaneous = sinceLast <= rules.simultaneousWindow
        let note =
            simultaneous
            ? "\(min(claim.mac, other.mac)) and \(max(claim.mac, other.mac)) both claimed \(ip) (\(claim.kind == other.lastClaimKind ? "\(claim.kind)" : "\(claim.kind), \(other.lastClaimKind)")) within \(NeighborText.duration(sinceLast))"
            : "\(claim.mac) claimed \(ip) back (\(claim.kind)) \(NeighborText.duration(claim.reference.time - other.firstClaim.time)) after \(other.mac) took it over (\(other.firstClaimKind))"
        conflict(
            claim.key, claim.mac, other.mac, reason: simultaneous ? .interleaved : .reclaim, note: note,
            evidence: [
                Evidence(simultaneous ? other.lastClaim : other.firstClaim, "\(other.mac) claims \(ip) (\(simultaneous ? other.lastClaimKind : other.firstClaimKind))"),
                Evidence(claim.reference, "\(claim.mac) claims \(ip)\(back ? " back" : "") (\(claim.kind))"),
            ], at: claim.reference, state: state, sink: sink)
    }

    /// A data-plane claim (the new MAC's tenure starts at its first frame, before the claim was
    /// confirmed): the previous owner sending from the address more than `overlap_grace` after
    /// that first frame was using it at the same time.
    private func dataPlaneClaim(_ claim: NeighborClaim, state: AnalysisState, sink: FindingSink) {
        guard let other = claim.previous else { return }
        let rules = rules(claim.key)
        guard other.lastSeen.time - claim.reference.time > rules.overlapGrace else { return }
        let ip = claim.key.address.description
        conflict(
            claim.key, other.mac, claim.mac, reason: .concurrentUse,
            note: "\(other.mac) kept sending from \(ip) after \(claim.mac) started sending from it",
            evidence: [
                Evidence(claim.reference, "\(claim.mac) sends from \(ip)"),
                Evidence(other.lastSeen, "\(other.mac) still sends from \(ip)"),
            ], at: other.lastSeen, state: state, sink: sink)
    }

    private func concurrentUse(_ source: FormerOwnerSource, state: AnalysisState, sink: FindingSink) {
        guard let owner = state.neighbors.owner(of: source.key) else { return }
        let rules = rules(source.key)
        let time = source.reference.time
        guard time - owner.firstClaim.time > rules.overlapGrace, owner.lastSeen.time >= time - rules.conflictWindow else {
            return
        }
        let ip = source.key.address.description
        conflict(
            source.key, source.mac, owner.mac, reason: .concurrentUse,
            note: "\(source.mac) kept sending from \(ip) after \(owner.mac) took it over",
            evidence: [
                Evidence(owner.firstClaim, "\(owner.mac) claims \(ip) (\(owner.firstClaimKind))"),
                Evidence(source.reference, "\(source.mac) still sends from \(ip)"),
            ], at: source.reference, state: state, sink: sink)
    }

    /// A probe conflict waits `conflict_window` before it counts: by then a MAC that checks many
    /// hosts (switch IP device tracking, scanner) has probed `scanner_targets` addresses and is
    /// recognised as such; a host acquiring an address has not.
    private func deferProbeConflict(_ pending: PendingProbeConflict, state: AnalysisState, sink: FindingSink) {
        let key = PendingKey(key: pending.key, prober: pending.prober, reason: pending.reason)
        if let slot = pendingProbes.slot(of: key) {
            if pendingProbes[slot: slot].evidence.count < 8 {
                pendingProbes[slot: slot].evidence.append(contentsOf: pending.evidence.dropFirst())
            }
            return
        }
        if let evicted = pendingProbes.insert(key, pending).evicted { confirm(evicted.value, state: state, sink: sink) }
    }

    private func confirm(_ pending: PendingProbeConflict, state: AnalysisState, sink: FindingSink) {
        guard !isScanner(pending.prober, key: pending.key, table: state.neighbors) else { return }
        conflict(
            pending.key, pending.owner, pending.prober, reason: pending.reason, note: pending.note,
            evidence: pending.evidence, at: pending.reference, state: state, sink: sink)
    }

    public func advance(to time: Timestamp, state: AnalysisState, sink: FindingSink) {
        guard !pendingProbes.isEmpty else { return }
        var due: [PendingKey] = []
        pendingProbes.forEachOldestFirst { slot in
            guard pendingProbes[slot: slot].due <= time else { return false }
            due.append(pendingProbes.key(at: slot))
            return true
        }
        for key in due {
            if let pending = pendingProbes.remove(key) { confirm(pending, state: state, sink: sink) }
        }
    }

    private func isScanner(_ mac: MACAddress, key: NeighborKey, table: NeighborTable) -> Bool {
        let targets = table.station(StationKey(vlan: key.vlan, mac: mac))?.probeTargets ?? 0
        return targets >= (key.address.isIPv6 ? ipv6Scanner : ipv4Scanner)
    }

    private func conflict(
        _ key: NeighborKey, _ a: MACAddress, _ b: MACAddress, reason: Reason, note: String, evidence: [Evidence],
        at reference: FrameReference, state: AnalysisState, sink: FindingSink
    ) {
        guard a != b, !policy.isIgnored(key), !policy.involvesExpectedShared(a, b), !NeighborPolicy.isNLBClusterIP(key, state: state),
            !policy.isManagedFailover(key, a, b, table: state.neighbors)
        else { return }
        let contestKey = ContestKey(key: key, low: min(a, b), high: max(a, b))
        let slot: Int
        if let existing = contests.find(contestKey) {
            slot = existing
        } else {
            let inserted = contests.insert(contestKey, Contest(first: evidence.first?.reference ?? reference, last: reference))
            if let evicted = inserted.evicted, evicted.value.dirty {
                sink.emit(finding(evicted.key, evicted.value, state: state))
            }
            slot = inserted.slot
        }
        var contest = contests[slot: slot]
        contest.events += 1
        contest.last = reference
        if !contest.reasons.contains(reason) { contest.reasons.append(reason) }
        if contest.notes.count < 4, !contest.notes.contains(note) { contest.notes.append(note) }
        for item in evidence where contest.evidence.count < Finding.evidenceLimit - 1 && !contest.evidence.contains(item) {
            contest.evidence.append(item)
        }
        if contest.evidence.count >= Finding.evidenceLimit - 1, let item = evidence.last { contest.evidence.append(item) }
        let window = rules(key).conflictWindow
        let emit = contest.lastEmitted.map { reference.time - $0 >= window } ?? true
        if emit {
            contest.lastEmitted = reference.time
            contest.dirty = false
        } else {
            contest.dirty = true
        }
        contests[slot: slot] = contest
        if emit { sink.emit(finding(contestKey, contest, state: state)) }
    }

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        for key in pendingProbes.keysOldestFirst {
            if let pending = pendingProbes.remove(key) { confirm(pending, state: state, sink: sink) }
        }
        contests.forEachOldestFirst { slot in
            if contests[slot: slot].dirty { sink.emit(finding(contests.key(at: slot), contests[slot: slot], state: state)) }
            return true
        }
    }

    private func finding(_ contestKey: ContestKey, _ contest: Contest, state: AnalysisState) -> Finding {
        let key = contestKey.key
        let ipv6 = key.address.isIPv6
        let ip = key.address.description
        let a = contestKey.low.description
        let b = contestKey.high.description
        let span = contest.last.time - contest.first.time
        let what = ipv6 ? "Duplicate IPv6 address" : "Duplicate IP"
        let summary =
            "\(what) \(ip): \(a) and \(b) both use it (\(contest.events) conflicting \(contest.events == 1 ? "event" : "events") between \(NeighborText.frame(contest.first, state)) and \(NeighborText.frame(contest.last, state)), \(NeighborText.duration(span))): "
            + contest.notes.joined(separator: "; ")
        let remedy =
            ipv6
            ? "Find both hosts (switch MAC table: `show mac address-table address <mac>`) and give one another address; the host whose DAD failed has the address in state dadfailed (`ip -6 addr show`) and does not use it. Check for cloned VMs with the same interface identifier or static addresses."
            : "Find both hosts (switch MAC table: `show mac address-table address <mac>`) and give one another address; check DHCP scopes against static assignments and reservations (a DHCP client that probed first declines the address). If \(ip) is a cluster VIP, make sure only one node holds it (split brain) and that the old node removed it. If both MACs are NICs of one Linux host on this segment (ARP flux), set net.ipv4.conf.all.arp_ignore=1 and arp_announce=2; if they are slaves of one balance-tlb/alb bond (which sends from every slave's MAC), list them in allow.virtual_macs."
        return Finding(
            kind: ipv6 ? Self.ndpKind : Self.arpKind, severity: .critical, start: contest.first.time,
            end: contest.last.time, summary: summary, ips: [ip], macs: [a, b], vlan: key.vlan,
            evidence: contest.evidence, remedy: remedy, key: NeighborText.duplicateKey(key, contestKey.low, contestKey.high),
            details: [
                "macs": .list([.string(a), .string(b)]), "events": .int(contest.events),
                "reasons": .list(contest.reasons.map { .string($0.rawValue) }),
                "first": NeighborText.detail(contest.first, state), "last": NeighborText.detail(contest.last, state),
            ])
    }
}
