import VantageCapture
import VantageState
import VantageWire

// Shared by the neighbor-model detectors (neighbor.moved, neighbor.stale_after_move,
// arp.duplicate_ip / ndp.duplicate_address, arp.flip_flop / ndp.flip_flop): the allow-lists,
// the one rule that tells a conflict (two live owners) from a move, and text helpers.

/// The allow-lists of the configuration as the neighbor detectors apply them.
struct NeighborPolicy {
    let configuration: AnalysisConfiguration

    /// Addresses left out: `ignoredIPs`, and the expected Windows NLB cluster IPs.
    func isIgnored(_ key: NeighborKey) -> Bool {
        guard let ipv4 = key.address.ipv4 else { return false }
        return configuration.ignoredIPs.contains(ipv4) || configuration.nlbClusterIPs.contains(ipv4)
    }

    /// MACs expected to answer for addresses that are not theirs alone: configured
    /// `knownVirtualMACs`, the built-in virtual ranges (VRRP/CARP/HSRP/NLB), proxy-ARP routers,
    /// and multicast MACs (no single host owns one: NLB IGMP mode maps the cluster IP to
    /// 01:00:5e:7f:…).
    func isExpectedShared(_ mac: MACAddress) -> Bool {
        mac.isMulticast || configuration.isKnownVirtualMAC(mac) || configuration.proxyARPRouters.contains(mac)
    }

    /// Whether either MAC is expected to be shared.
    func involvesExpectedShared(_ a: MACAddress, _ b: MACAddress) -> Bool {
        isExpectedShared(a) || isExpectedShared(b)
    }

    /// Whether `key` is a virtual IP of a VRRP/CARP/HSRP group: its moves and the hosts that lag
    /// behind them are reported by the vip.* detectors, which know the group's timers and GARPs
    /// (vip.failover, vip.failover_without_garp, vip.arp_answered_by_backup, vip.split_brain).
    static func isGroupVIP(_ key: NeighborKey, state: AnalysisState) -> Bool {
        guard let ipv4 = key.address.ipv4 else { return false }
        return state.virtualIPs.groupIndex(owningVIP: ipv4, vlan: key.vlan) != nil
    }

    /// Whether `key` is the cluster IP of a Windows NLB cluster seen on the wire (heartbeats, or
    /// ARP mapping it to a cluster MAC): every member answers for it by design, and a member that
    /// answers with its own MAC is reported by `nlb.member_conflict`, which knows the cluster.
    static func isNLBClusterIP(_ key: NeighborKey, state: AnalysisState) -> Bool {
        guard let ipv4 = key.address.ipv4 else { return false }
        return state.nlbClusters.cluster(ip: ipv4, vlan: key.vlan) != nil
    }

    /// Whether `key` is shared by design (a VRRP/CARP/HSRP virtual IP or an NLB cluster IP): its
    /// moves and the hosts that lag behind them are the vip.* and nlb.* detectors' to report.
    static func isSharedByDesign(_ key: NeighborKey, state: AnalysisState) -> Bool {
        isGroupVIP(key, state: state) || isNLBClusterIP(key, state: state)
    }

    /// Whether a change between `a` and `b` is a first-hop redundancy failover: both MACs speak
    /// VRRP/CARP/HSRP (an advert naming the address, or any advert in the VLAN, since CARP adverts
    /// carry no address and VRRP's decoded advert keeps only the first one).
    func isManagedFailover(_ key: NeighborKey, _ a: MACAddress, _ b: MACAddress, table: NeighborTable) -> Bool {
        let record = table.address(key)
        func speaks(_ mac: MACAddress) -> Bool {
            record?.isAdvertised(by: mac) == true || table.isRedundancySpeaker(vlan: key.vlan, mac: mac)
        }
        return speaks(a) && speaks(b)
    }
}

/// When a change of owner is a conflict (both MACs live) rather than a move. Shared so that
/// `neighbor.moved`, `arp.duplicate_ip` and `arp.flip_flop` always agree; the tunables live in
/// the duplicate kind's section (`arp.duplicate_ip` / `ndp.duplicate_address`).
struct OwnershipRules {
    /// A former owner claiming again within this time after another MAC's claim is a conflict.
    var conflictWindow: Int64
    /// A former owner's frames within this time after the takeover are in flight, not use.
    var overlapGrace: Int64
    /// A claim by another MAC within this time after a probe answers (defends against) it.
    var probeWindow: Int64
    /// Two MACs claiming within this time of each other answered the same request.
    var simultaneousWindow: Int64

    /// The rules for `key`'s family, read from the configuration.
    init(_ configuration: AnalysisConfiguration, for key: NeighborKey) {
        self.init(configuration, section: key.address.isIPv6 ? DuplicateAddressDetector.ndpKind : DuplicateAddressDetector.arpKind)
    }

    /// The rules read from `section`.
    init(_ configuration: AnalysisConfiguration, section kind: FindingKind) {
        typealias Tunables = DuplicateAddressDetector.Configuration
        conflictWindow = configuration.nanoseconds(Tunables.conflictWindow, in: kind.rawValue)
        overlapGrace = configuration.nanoseconds(Tunables.overlapGrace, in: kind.rawValue)
        probeWindow = configuration.nanoseconds(Tunables.probeWindow, in: kind.rawValue)
        simultaneousWindow = configuration.nanoseconds(Tunables.simultaneousWindow, in: kind.rawValue)
    }

    /// Whether `earlier` kept using the address after the next owner's first claim at `nextStart`
    /// (frames sent from it, or claims, more than the grace later).
    func overlaps(_ earlier: OwnershipInterval, nextStart: Timestamp) -> Bool {
        earlier.lastSeen.time - nextStart > overlapGrace
    }

    /// For a claim that changed the owner: whether it is a conflict (both MACs alive) rather than
    /// a move. It is when
    /// - the two MACs claimed within ``simultaneousWindow`` of each other (both answered the
    ///   same request, or interleaved announcements), or
    /// - the new owner held the address before and claims it back within ``conflictWindow``
    ///   after the other MAC took it over (RFC 5227 defence), or kept using it (frames from the
    ///   address) during the other's tenure;
    /// unless the contest is only announcement bursts (gratuitous ARP / unsolicited NA from both,
    /// no concurrent use): that is a failover flap such as keepalived's cold start
    /// (protocols.md §3.3), a move and not a conflict.
    func isConflictingChange(_ claim: NeighborClaim, record: AddressRecord) -> Bool {
        guard claim.changedOwner, let other = claim.previous else { return false }
        let time = claim.reference.time
        let history = record.history
        let earlier =
            history.count >= 3 ? history[..<(history.count - 2)].last(where: { $0.mac == claim.mac }) : nil
        let takeover = other.firstClaim.time
        if let earlier, overlaps(earlier, nextStart: takeover) { return true }
        // A data-plane claim answers no request: "both claimed at once" does not apply, and a
        // previous owner still sending is judged from the frames (concurrent use).
        let interleaved = claim.kind != .dataPlane && time - other.lastClaim.time <= simultaneousWindow
        let quickReclaim = earlier != nil && time - takeover <= conflictWindow
        guard interleaved || quickReclaim else { return false }
        let announcementsOnly = claim.kind.isAnnouncement && other.claimKinds.isSubset(of: .announcements)
        return !announcementsOnly
    }

    /// Whether a tenure that started at `start` and ended at `end` lasted long enough to count as
    /// a real change of owner (longer than ``overlapGrace``); shorter ones are simultaneous claims
    /// (a duplicate, or an announcement flap), not an alternation.
    func isSustained(from start: Timestamp, to end: Timestamp) -> Bool { end - start > overlapGrace }

    /// Changes of owner in the history at or after `time` that ended a sustained tenure.
    func sustainedChanges(_ record: AddressRecord, since time: Timestamp) -> Int {
        let history = record.history
        guard history.count >= 2 else { return 0 }
        var count = 0
        for index in 1..<history.count where history[index].firstClaim.time >= time {
            if isSustained(from: history[index - 1].firstClaim.time, to: history[index].firstClaim.time) { count += 1 }
        }
        return count
    }

    /// Whether a tenure in the history overlapped the next one, for next tenures starting at or
    /// after `time`.
    func historyHasOverlap(_ record: AddressRecord, since time: Timestamp) -> Bool {
        let history = record.history
        guard history.count >= 2 else { return false }
        for index in 0..<(history.count - 1) {
            let nextStart = history[index + 1].firstClaim.time
            if nextStart >= time, overlaps(history[index], nextStart: nextStart) { return true }
        }
        return false
    }
}

/// Text and detail helpers for the neighbor detectors.
enum NeighborText {
    /// "frame 812", with the vantage name when the run has several vantage points.
    static func frame(_ reference: FrameReference, _ state: AnalysisState) -> String {
        state.vantageNames.count > 1
            ? "frame \(reference.frame) of \(state.vantageName(reference.vantage))" : "frame \(reference.frame)"
    }

    /// "frames 812, 815 and 820"; with several vantage points grouped by vantage point:
    /// "frames 46, 47 and 49 of server and frame 3 of client".
    static func frames(_ references: [FrameReference], _ state: AnalysisState) -> String {
        guard !references.isEmpty else { return "no frame" }
        var order: [Int] = []
        var byVantage: [Int: [String]] = [:]
        for reference in references {
            if byVantage[reference.vantage] == nil { order.append(reference.vantage) }
            byVantage[reference.vantage, default: []].append(String(reference.frame))
        }
        let groups = order.map { vantage -> String in
            let numbers = byVantage[vantage] ?? []
            let list = numbers.count == 1 ? "frame \(numbers[0])" : "frames \(listed(numbers))"
            return state.vantageNames.count > 1 ? "\(list) of \(state.vantageName(vantage))" : list
        }
        return listed(groups)
    }

    /// "a", "a and b", "a, b and c".
    static func listed(_ items: [String]) -> String {
        items.count <= 1 ? items.first ?? "" : items.dropLast().joined(separator: ", ") + " and " + items[items.count - 1]
    }

    /// A duration: "200 µs" below 1 ms, "35 ms" below 0.1 s, else seconds with one decimal ("7.0 s").
    static func duration(_ nanoseconds: Int64) -> String {
        let ns = max(0, nanoseconds)
        if ns < 1_000_000 { return "\((ns + 500) / 1_000) µs" }
        if ns < 100_000_000 { return "\((ns + 500_000) / 1_000_000) ms" }
        let tenths = (ns + 50_000_000) / 100_000_000
        return "\(tenths / 10).\(tenths % 10) s"
    }

    /// Seconds as a detail value.
    static func seconds(_ nanoseconds: Int64) -> DetailValue { .double(Double(nanoseconds) / 1e9) }

    /// A frame as a detail value: vantage name, frame number, time.
    static func detail(_ reference: FrameReference, _ state: AnalysisState) -> DetailValue {
        .object([
            "vantage": .string(state.vantageName(reference.vantage)), "frame": .int(reference.frame),
            "time": .string(reference.time.description),
        ])
    }

    /// The protocol word for an address's family.
    static func resolver(_ key: NeighborKey) -> String { key.address.isIPv6 ? "NDP" : "ARP" }

    /// "gratuitous ARP" or "an unsolicited NA" for an address's family.
    static func announcement(_ key: NeighborKey) -> String { key.address.isIPv6 ? "unsolicited NA" : "gratuitous ARP" }

    /// The key of the `neighbor.moved` finding for a move of `key` from `old` to `new`.
    static func moveKey(_ key: NeighborKey, from old: MACAddress, to new: MACAddress) -> String {
        "neighbor.moved|\(key.vlan)|\(key.address)|\(old)|\(new)"
    }

    /// The key of the duplicate finding for `key` claimed by `a` and `b`.
    static func duplicateKey(_ key: NeighborKey, _ a: MACAddress, _ b: MACAddress) -> String {
        let kind = key.address.isIPv6 ? DuplicateAddressDetector.ndpKind : DuplicateAddressDetector.arpKind
        return "\(kind.rawValue)|\(key.vlan)|\(key.address)|\(min(a, b))|\(max(a, b))"
    }
}
