import VantageCapture
import VantageState
import VantageWire

/// `neighbor.moved`: an address moved from one MAC to another.
///
/// A change of owner (from the ``NeighborTable``: an ARP/NDP claim, or a data-plane claim: IP
/// frames from the address by a new MAC that never sent any ARP, as in seed 004's cloud reuse)
/// is held for the duplicate kind's `conflict_window`; if the old MAC claims the address again (or keeps sending
/// from it) in that time, both are alive and it is `arp.duplicate_ip`, not a move. Otherwise it
/// is classified:
/// - **reassignment** (info): the old MAC had been silent longer than `quiet_time` before the new
///   MAC's first claim (a new cloud instance, a DHCP lease);
/// - **announced failover** (info): the new MAC announced the address (gratuitous ARP, RFC 5227
///   announcement, unsolicited NA), or both MACs speak VRRP/CARP/HSRP;
/// - **unannounced move** (warning): neither, while the old MAC was recently alive: hosts keep
///   the old MAC until their entry is re-validated.
/// Moves involving known virtual MACs or proxy-ARP routers, ignored addresses, and moves of an
/// address that is flip-flopping (reported once by `arp.flip_flop`) are not reported.
///
/// **Data-plane claims** (this section's `data_plane_*` and `router_sources` tunables, applied by
/// the ``NeighborTable``, see ``dataPlaneRules(_:)``): the owner A of an address X (from ARP/NDP)
/// loses it to MAC B when B sends IP frames from X over at least `data_plane_min_use` within
/// `data_plane_window` of its first one, and B is not router-like:
/// - each frame's TTL / hop limit is an initial value (32, 64, 128, 255): a router forwarding X's
///   traffic (asymmetric routing, a hairpin) decrements it;
/// - B owns no other address of X's family (a router's interface, a direct-server-return real
///   server, a second NIC of a multi-homed host all do) and was not seen sending from
///   `router_sources` other addresses it does not own (forwarding);
/// - B speaks no VRRP/CARP/HSRP, X is not advertised by them (VIPs are the vip.* detectors'),
///   neither MAC is a known virtual MAC, a proxy-ARP router or multicast, and B is not a
///   Windows NLB masked source (02:h:X);
/// - B never owned X before (a former owner still sending is concurrent use: a duplicate), and no
///   third MAC sends from X in the same window (several MACs sharing a source address).
/// B's tenure starts at its first frame; frames other hosts sent to A meanwhile are stale. If A
/// keeps sending from X too, it is `arp.duplicate_ip` (concurrent use), not a move.
public final class NeighborMovedDetector: ConfigurableDetector {
    /// The kind this detector emits.
    public static let kind = FindingKind(rawValue: "neighbor.moved")

    /// Tunables (section `neighbor.moved`).
    public struct Configuration: Sendable {
        /// The old MAC silent longer than this before the new MAC's first claim: a reassignment.
        public static let quietTime = Tunable(
            "quiet_time", unit: "s", default: 60,
            "old owner silent (no claim, no frame from the address) longer than this before the new owner's first claim: a reassignment (info), not a failover")

        /// Whether IP frames may move an address (read by the neighbor table).
        public static let dataPlaneClaims = Tunable(
            "data_plane_claims", unit: "0/1", default: 1,
            "1: a MAC that sends IP frames from an address owned by another MAC, with no ARP/NDP of its own, can take the address over (cloud IP reuse behind a provider's ARP proxy); 0: only ARP/NDP moves addresses")
        /// Minimum use before a data-plane claim counts.
        public static let dataPlaneMinUse = Tunable(
            "data_plane_min_use", unit: "s", default: Double(NeighborTable.DataPlaneRules.standard.minUse) / 1e9,
            "the new MAC must send from the address over at least this span (first to latest frame): one stray frame, or one frame seen at two vantage points, moves nothing; a TCP SYN retransmitted after 1 s does")
        /// Window for that use.
        public static let dataPlaneWindow = Tunable(
            "data_plane_window", unit: "s", default: Double(NeighborTable.DataPlaneRules.standard.window) / 1e9,
            "that use must come within this time of the new MAC's first frame from the address (later frames start a new attempt); two non-owner MACs sending from the address within this time share it (direct server return, anycast, bonding) and neither takes it over")
        /// Foreign sources that make a MAC a router.
        public static let routerSources = Tunable(
            "router_sources", unit: "count", default: Double(NeighborTable.DataPlaneRules.standard.routerSources),
            "a MAC seen sending from this many distinct addresses it does not own (off-link or other hosts' addresses, same family), besides the address in question, forwards traffic: it never takes an address over from the data plane")

        /// Quiet time in nanoseconds.
        public var quietTime: Int64

        /// The tunables as set in `configuration`.
        public init(_ configuration: AnalysisConfiguration) {
            quietTime = configuration.nanoseconds(Self.quietTime, in: NeighborMovedDetector.kind.rawValue)
        }
    }

    /// The data-plane claim rules configured in `configuration`, for the ``NeighborTable`` that
    /// ``AnalysisState`` builds: the `data_plane_*` and `router_sources` tunables, and the
    /// configuration's shared MACs (known virtual MACs and ranges, proxy-ARP routers, multicast).
    public static func dataPlaneRules(_ configuration: AnalysisConfiguration) -> NeighborTable.DataPlaneRules {
        let section = kind.rawValue
        let policy = NeighborPolicy(configuration: configuration)
        return NeighborTable.DataPlaneRules(
            enabled: configuration.value(Configuration.dataPlaneClaims, in: section) != 0,
            minUse: configuration.nanoseconds(Configuration.dataPlaneMinUse, in: section),
            window: configuration.nanoseconds(Configuration.dataPlaneWindow, in: section),
            routerSources: Int(min(max(configuration.value(Configuration.routerSources, in: section), 1), 1000)),
            isShared: { policy.isExpectedShared($0) })
    }

    public static var descriptions: [KindDescription] {
        [
            KindDescription(
                kind: kind,
                meaning:
                    "An IP address changed hands from one MAC to another (failover, new host reusing the address, or an unannounced move). Hosts that cached the old MAC keep sending to it.",
                rule:
                    "The owner of (VLAN, IP) changes from MAC A to MAC B and A does not claim or use the address again within arp.duplicate_ip.conflict_window (else it is a duplicate). B takes it by ARP/NDP, or (data_plane_claims) from the data plane: B sends IP frames from the address over at least data_plane_min_use within data_plane_window, each with an initial TTL/hop limit (32, 64, 128, 255: not forwarded), while B owns no other address of the family, was not seen sending from router_sources other addresses it does not own, speaks no VRRP/CARP/HSRP, never owned the address, is not a Windows NLB masked source, and no third MAC sends from the address meanwhile; its tenure starts at its first frame. Reassignment: A silent > quiet_time before B's first claim. Announced failover: B sent gratuitous ARP / announcement / unsolicited NA, or A and B both speak VRRP/CARP/HSRP. Otherwise an unannounced move. Not reported for VRRP/CARP/HSRP virtual IPs, known virtual MACs, proxy-ARP routers, ignored IPs, or while the address flip-flops.",
                severity: "warning for an unannounced move while A was recently alive; info for reassignments and announced failovers",
                remedies:
                    "Make the new owner announce the address (arp_notify=1, arping -U, keepalived/ucarp GARP); let peers accept it (arp_accept=1); on peers of reused addresses set gc_thresh1=0. See neighbor.stale_after_move for hosts that kept the old MAC.",
                tunables: [
                    Configuration.quietTime, Configuration.dataPlaneClaims, Configuration.dataPlaneMinUse,
                    Configuration.dataPlaneWindow, Configuration.routerSources,
                ]),
        ]
    }

    /// Claims: ARP/NDP frames, and the IP frames that confirm a data-plane claim.
    public let interest: ObservationInterest = [.arp, .neighborDiscovery, .neighborClaim]

    private struct PendingMove {
        var key: NeighborKey
        var old: OwnershipInterval
        var newMAC: MACAddress
        var newSerial: UInt32
        var claim: FrameReference
        var claimKind: ClaimKind
        var due: Timestamp
    }

    private let settings: Configuration
    private let policy: NeighborPolicy
    private let flipFlop: FlipFlopDetector.Configuration
    private let flipFlop6: FlipFlopDetector.Configuration
    private let configuration: AnalysisConfiguration
    private var pending = BoundedMap<NeighborKey, PendingMove>(capacity: 4096)

    public init(configuration: AnalysisConfiguration) {
        self.configuration = configuration
        settings = Configuration(configuration)
        policy = NeighborPolicy(configuration: configuration)
        flipFlop = FlipFlopDetector.Configuration(configuration, kind: FlipFlopDetector.arpKind)
        flipFlop6 = FlipFlopDetector.Configuration(configuration, kind: FlipFlopDetector.ndpKind)
    }

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        guard state.neighbors.events.contains(.claim), let claim = state.neighbors.claim, !claim.kind.isProbe, claim.changedOwner,
            let previous = claim.previous, let record = state.neighbors.address(claim.key), let current = record.owner
        else { return }
        let rules = OwnershipRules(configuration, for: claim.key)
        // A former owner claiming the address back while the other is alive: a duplicate, so
        // neither the pending move nor this change is a move. Between VRRP/CARP/HSRP speakers
        // every change is a failover.
        let managed = policy.isManagedFailover(claim.key, previous.mac, claim.mac, table: state.neighbors)
        let conflict = !managed && rules.isConflictingChange(claim, record: record)
        if let move = pending.remove(claim.key), !conflict, let finding = evaluate(move, state: state) {
            sink.emit(finding)
        }
        guard !conflict else { return }
        let move = PendingMove(
            key: claim.key, old: previous, newMAC: claim.mac, newSerial: current.serial, claim: claim.reference,
            claimKind: claim.kind, due: claim.reference.time + rules.conflictWindow)
        if let evicted = pending.insert(claim.key, move).evicted, let finding = evaluate(evicted.value, state: state) {
            sink.emit(finding)
        }
    }

    public func advance(to time: Timestamp, state: AnalysisState, sink: FindingSink) {
        var due: [NeighborKey] = []
        pending.forEachOldestFirst { slot in
            guard pending[slot: slot].due <= time else { return false }
            due.append(pending.key(at: slot))
            return true
        }
        for key in due {
            if let move = pending.remove(key), let finding = evaluate(move, state: state) { sink.emit(finding) }
        }
    }

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        for key in pending.keysOldestFirst {
            if let move = pending.remove(key), let finding = evaluate(move, state: state) { sink.emit(finding) }
        }
    }

    private enum Classification: String {
        case reassignment
        case announcedFailover = "announced_failover"
        case unannouncedMove = "unannounced_move"
    }

    private func evaluate(_ move: PendingMove, state: AnalysisState) -> Finding? {
        let key = move.key
        let oldMAC = move.old.mac
        let newMAC = move.newMAC
        guard !policy.isIgnored(key), !policy.involvesExpectedShared(oldMAC, newMAC) else { return nil }
        let table = state.neighbors
        let record = table.address(key)
        let rules = OwnershipRules(configuration, for: key)
        let managed = policy.isManagedFailover(key, oldMAC, newMAC, table: table)
        if NeighborPolicy.isSharedByDesign(key, state: state) { return nil }
        if let record {
            // The old MAC kept using the address after the move: both alive, a duplicate.
            if !managed, let old = record.interval(serial: move.old.serial), rules.overlaps(old, nextStart: move.claim.time) {
                return nil
            }
            // The address is flip-flopping: arp.flip_flop reports the episode once.
            let flap = key.address.isIPv6 ? flipFlop6 : flipFlop
            if rules.sustainedChanges(record, since: move.claim.time - flap.window) >= flap.minChanges { return nil }
        }
        let gap = max(0, move.claim.time - move.old.lastSeen.time)
        let newInterval = record?.interval(serial: move.newSerial)
        let announced = move.claimKind.isAnnouncement || (newInterval?.claimKinds.hasAnnouncement ?? false)
        let classification: Classification =
            gap > settings.quietTime ? .reassignment : (announced || managed ? .announcedFailover : .unannouncedMove)

        let ip = key.address.description
        let at = NeighborText.frame(move.claim, state)
        let announcement = NeighborText.announcement(key)
        let resolver = NeighborText.resolver(key)
        let dataPlane = move.claimKind == .dataPlane
        // "(ARP request at frame 12)", or for a data-plane claim "(IP frames only, the first at frame 12; no ARP at all)".
        let how = dataPlane ? "IP frames only, the first at \(at); no \(resolver) at all" : "\(move.claimKind) at \(at)"
        let summary: String
        let remedy: String
        switch classification {
        case .reassignment:
            summary =
                "\(ip) was reassigned from \(oldMAC) to \(newMAC) (\(how)) after \(oldMAC) had been silent for \(NeighborText.duration(gap))"
                + (announced ? ", announced with \(announcement)" : ", without \(announcement)")
                + ": a new host took the address (cloud instance, DHCP lease); hosts that still cache \(oldMAC) send to a MAC that is gone"
            remedy =
                "Expected when addresses are reused. Make new hosts announce their address when it comes up (net.ipv4.conf.all.arp_notify=1, IPv6 ndisc_notify=1) and let peers accept it (arp_accept=1); on peers of reused addresses set net.ipv4.neigh.default.gc_thresh1=0 so unused STALE entries age out (protocols.md §2.5). See neighbor.stale_after_move for hosts that kept \(oldMAC)."
        case .announcedFailover:
            let how =
                announced
                ? "\(newMAC) announced it with \(announcement)" + (managed ? " (both MACs speak VRRP/CARP/HSRP)" : "")
                : "both MACs speak VRRP/CARP/HSRP (no \(announcement) seen)"
            summary =
                "\(ip) failed over from \(oldMAC) to \(newMAC) at \(at): \(how); \(oldMAC) was last seen \(NeighborText.duration(gap)) before"
            remedy =
                "An expected failover. If clients lag behind it, check that they accept gratuitous ARP (drop_gratuitous_arp=0, arp_accept) and that the cluster sends its repeat burst (keepalived garp_master_delay / garp_master_repeat)."
        case .unannouncedMove where dataPlane:
            summary =
                "\(ip) moved from \(oldMAC) to \(newMAC) at \(at) (IP frames only; no \(resolver) at all), while \(oldMAC) was active \(NeighborText.duration(gap)) before: hosts that cached \(oldMAC) keep sending to it until they re-validate the entry"
            remedy =
                "If \(ip) was handed to a new host (cloud instance, DHCP lease), have it announce the address when it comes up (net.ipv4.conf.all.arp_notify=1, `arping -U -c 3 -I <dev> \(ip)`; behind a cloud's ARP proxy peers never hear it otherwise) and on peers of reused addresses set net.ipv4.neigh.default.gc_thresh1=0. Check that \(oldMAC) is really gone: if it still uses \(ip), this is a duplicate address."
        case .unannouncedMove:
            summary =
                "\(ip) moved from \(oldMAC) to \(newMAC) at \(at) (\(move.claimKind)) without \(announcement), while \(oldMAC) was active \(NeighborText.duration(gap)) before: hosts that cached \(oldMAC) keep sending to it until they re-validate the entry"
            remedy =
                "Have the new owner announce the address when it takes it over (net.ipv4.conf.all.arp_notify=1, `arping -U -c 3 -I <dev> \(ip)`, or the cluster manager's gratuitous ARP); check that \(oldMAC) is really gone (if it still uses \(ip), this is a duplicate address)."
        }

        var evidence = [Evidence(move.old.firstClaim, "\(oldMAC) claims \(ip) (\(move.old.firstClaimKind))")]
        if move.old.lastClaim != move.old.firstClaim {
            evidence.append(Evidence(move.old.lastClaim, "last claim of \(ip) by \(oldMAC) (\(move.old.lastClaimKind))"))
        }
        if move.old.lastSeen != move.old.lastClaim {
            evidence.append(Evidence(move.old.lastSeen, "\(oldMAC) last seen sending from \(ip)"))
        }
        evidence.append(
            Evidence(
                move.claim,
                dataPlane
                    ? "first frame from \(ip) by \(newMAC) (no \(resolver) from it)"
                    : "first claim of \(ip) by \(newMAC) (\(move.claimKind))"))

        return Finding(
            kind: Self.kind, severity: classification == .unannouncedMove ? .warning : .info,
            start: min(move.old.lastSeen.time, move.claim.time), end: move.claim.time, summary: summary, ips: [ip],
            macs: [oldMAC.description, newMAC.description], vlan: key.vlan, evidence: evidence, remedy: remedy,
            key: NeighborText.moveKey(key, from: oldMAC, to: newMAC),
            details: [
                "old_mac": .string(oldMAC.description), "new_mac": .string(newMAC.description),
                "classification": .string(classification.rawValue),
                "old_last_seen": NeighborText.detail(move.old.lastSeen, state),
                "old_last_claim": NeighborText.detail(move.old.lastClaim, state),
                "new_first_claim": NeighborText.detail(move.claim, state),
                "new_claim_kind": .string(move.claimKind.description), "gap_s": NeighborText.seconds(gap),
                "announced": .bool(announced), "redundancy_failover": .bool(managed),
            ])
    }
}
