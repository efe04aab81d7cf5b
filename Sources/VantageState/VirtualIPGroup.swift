//  One virtual router (VLAN, protocol, group id) as the wire shows it: the routers advertising,
//  the VIPs, the effective-master timeline and the timer arithmetic of protocols.md §3–§5.
//
//  "Master" means: VRRP and CARP, the router that keeps advertising (backups are silent; a
//  VRRP advert with priority 0 resigns); HSRP, the router whose hellos say Active. When several
//  claim it at once (cold start, split brain), the effective master is the preferred one:
//  VRRP highest priority then highest address, CARP lowest (demote, advbase, advskew), HSRP
//  highest priority then highest address. A master that falls silent stays the nominal master
//  ("limbo") until another router takes over: that is what the hosts experience.

import VantageCapture
import VantageWire

/// One virtual router: its routers, addresses and master history. Bounded: see the limits.
public struct VirtualIPGroup: Sendable {
    /// Routers kept per group (the least recently heard non-master is replaced).
    public static let routerLimit = 8
    /// Virtual addresses kept per group.
    public static let vipLimit = 16
    /// Master intervals kept (the oldest are dropped and counted).
    public static let timelineLimit = 64
    /// Master-change times kept for flap counting.
    public static let changeLimit = 64

    /// Identity.
    public let key: VirtualIPGroupKey
    /// When the group was first seen.
    public let firstSeen: FrameReference
    /// Routers, in order of first appearance (a slot may be reused after eviction).
    public internal(set) var routers: [VirtualRouter] = []
    /// Virtual addresses.
    public internal(set) var vips: [VirtualIP] = []
    /// The largest address count any advert listed (may exceed ``vips``: only the first
    /// address of a VRRP advert is kept; the others are learned from GARPs).
    public internal(set) var advertisedAddressCount = 0
    /// The protocol virtual MAC when it is seen carrying this group (advert source or ARP
    /// answer for a VIP): hosts then reach the VIP through it, whoever is master.
    public internal(set) var virtualMACInUse: MACAddress?
    /// HSRP version of the latest hello (for the virtual MAC).
    public internal(set) var hsrpVersion: UInt8 = 1
    /// Index of the effective master (nil before anyone claimed it).
    public internal(set) var master: Int?
    /// Whether the effective master was still advertising at the last refresh.
    public internal(set) var masterLive = false
    /// Effective-master intervals, oldest first (bounded).
    public internal(set) var timeline: [MasterInterval] = []
    /// Intervals dropped from the front of ``timeline``.
    public internal(set) var timelineDropped = 0
    /// Times of master changes after the first master (bounded, oldest dropped).
    public internal(set) var changeTimes: [Timestamp] = []
    /// Master changes after the first master (all of them).
    public internal(set) var changeCount = 0
    /// Id of the latest takeover (see ``VirtualIPGroups/takeover(id:)``).
    public internal(set) var lastTakeoverID: Int?
    /// Routers replaced because the group was full.
    public internal(set) var routerEvictions = 0

    init(key: VirtualIPGroupKey, firstSeen: FrameReference) {
        self.key = key
        self.firstSeen = firstSeen
    }

    // MARK: - Lookups

    /// The router whose own address is `address`.
    public func routerIndex(address: RouterAddress) -> Int? {
        routers.firstIndex { $0.address == address }
    }

    /// The router owning `mac` (its real MAC or own advert source).
    public func routerIndex(mac: MACAddress) -> Int? {
        routers.firstIndex { $0.realMAC == mac || ($0.advertMAC == mac && VirtualRouter.isOwnMAC(mac)) }
    }

    /// Whether `address` is one of the group's VIPs.
    public func hasVIP(_ address: RouterAddress) -> Bool { vips.contains { $0.address == address } }

    /// The group's protocol virtual MAC (whether or not it is in use).
    public var protocolVirtualMAC: MACAddress { key.virtualMAC(hsrpVersion: hsrpVersion) }

    /// Routers that have advertised at least once.
    public var advertisers: [Int] { routers.indices.filter { routers[$0].advertCount > 0 } }

    // MARK: - Master

    /// Whether router `a` is preferred over router `b` as master.
    public func prefers(_ a: Int, over b: Int) -> Bool {
        let x = routers[a]
        let y = routers[b]
        switch key.redundancyProtocol {
        case .vrrp, .hsrp:
            if x.priority != y.priority { return x.priority > y.priority }
            return x.address > y.address
        case .carp:
            let left = (Int(x.demote ?? 0), Int(x.advbase ?? 1), Int(x.advskew ?? 0))
            let right = (Int(y.demote ?? 0), Int(y.advbase ?? 1), Int(y.advskew ?? 0))
            if left != right { return left < right }
            return x.address > y.address
        }
    }

    /// Routers claiming mastership at `time`, preferred first.
    public func liveClaimers(at time: Timestamp) -> [Int] {
        routers.indices.filter { routers[$0].isLiveMaster(at: time) }.sorted { prefers($0, over: $1) }
    }

    /// The effective master at `time` (at or after the latest refresh), live or silent.
    public func masterStatus(at time: Timestamp) -> MasterStatus? {
        guard let master else { return nil }
        let router = routers[master]
        let silent = router.lastAdvert.map { max(0, time - $0.time) } ?? 0
        return MasterStatus(router: master, live: router.isLiveMaster(at: time), silentNanoseconds: silent)
    }

    /// The effective master at a past `time`, from the timeline (nil before the first master or
    /// before the kept history).
    public func masterRouter(at time: Timestamp) -> Int? {
        for interval in timeline.reversed() where interval.start <= time {
            if let end = interval.end, end <= time { return nil }
            guard routers.indices.contains(interval.router), routers[interval.router].address == interval.address
            else { return nil }
            return interval.router
        }
        return nil
    }

    /// Whether router `index` was master (effective, or claiming in adverts) at any time in
    /// `start ... end`. Times before the kept history count as master (no evidence otherwise).
    public func wasMaster(_ index: Int, from start: Timestamp, to end: Timestamp) -> Bool {
        guard routers.indices.contains(index) else { return false }
        if routers[index].claimed(from: start, to: end) { return true }
        if let first = timeline.first, timelineDropped > 0, start < first.start { return true }
        for interval in timeline where interval.router == index && interval.address == routers[index].address {
            if interval.start <= end && (interval.end ?? .init(nanoseconds: .max)) >= start { return true }
        }
        return false
    }

    /// MACs that may legitimately receive the VIP's traffic at `time`: the master's own MACs
    /// and the protocol virtual MAC.
    public func masterMACs(at time: Timestamp) -> [MACAddress] {
        var macs = [protocolVirtualMAC]
        if let virtualMACInUse, virtualMACInUse != protocolVirtualMAC { macs.append(virtualMACInUse) }
        if let master { macs += routers[master].ownMACs }
        return macs
    }

    /// Whether `mac` is one of ``masterMACs(at:)`` (without building the list).
    public func isMasterMAC(_ mac: MACAddress) -> Bool {
        if mac == protocolVirtualMAC || mac == virtualMACInUse { return true }
        guard let master else { return false }
        // Field by field: binding `routers[master]` would copy the router (and retain its arrays).
        return routers[master].realMAC == mac || (routers[master].advertMAC == mac && VirtualRouter.isOwnMAC(mac))
    }

    /// Whether the MAC that hosts should use for the VIP now is known for sure: the protocol
    /// virtual MAC is in use, or the master's own MAC is known.
    public var vipMACKnown: Bool {
        if virtualMACInUse != nil { return true }
        guard let master else { return false }
        return !routers[master].ownMACs.isEmpty
    }

    // MARK: - Timers

    /// The advert period of the group in ns (the master's, else the shortest heard).
    public var intervalNanoseconds: Int64 {
        if let master { return routers[master].intervalNanoseconds }
        return routers.filter { $0.advertCount > 0 }.map(\.intervalNanoseconds).min() ?? 1_000_000_000
    }

    /// How long a backup waits for a silent master, in ns (protocols.md §3.3, §4.3, §5):
    /// VRRP 3 × interval + Skew_Time of the best known backup (priority 1 when none is known:
    /// an upper bound); CARP 3 × advbase + the backup's advskew/256 (255/256 when unknown);
    /// HSRP the hold time.
    public var masterDownNanoseconds: Int64 {
        guard let master else { return 3 * intervalNanoseconds + 1_000_000_000 }
        let router = routers[master]
        switch key.redundancyProtocol {
        case .vrrp:
            let backups = routers.indices.filter { $0 != master && routers[$0].advertCount > 0 && routers[$0].priority > 0 }
            let backupPriority = backups.map { routers[$0].priority }.filter { $0 < router.priority }.max() ?? 1
            let centiseconds = UInt16(clamping: router.intervalNanoseconds / 10_000_000)
            let seconds = VRRPAdvertisement.masterDownInterval(
                priority: UInt8(clamping: backupPriority), version: router.version,
                advertisementIntervalCentiseconds: centiseconds)
            return Int64((seconds * 1e9).rounded())
        case .carp:
            let backups = routers.indices.filter { $0 != master && routers[$0].advertCount > 0 }
            let skew = backups.compactMap { routers[$0].advskew }.max() ?? 255
            let seconds = CARPAdvertisement.masterDownTimeout(advbase: router.advbase ?? 1, advskew: skew)
            return Int64((seconds * 1e9).rounded())
        case .hsrp:
            return router.holdNanoseconds ?? 10_000_000_000
        }
    }

    /// Master changes (after the first master) within `window` ns ending at `time`.
    public func changes(within window: Int64, endingAt time: Timestamp) -> Int {
        changeTimes.reduce(0) { $0 + (time - $1 <= window && $1 <= time ? 1 : 0) }
    }

    // MARK: - Mutation (by VirtualIPGroups)

    /// Adds `address` as a VIP unless known or the list is full; returns whether it was added.
    @discardableResult
    mutating func addVIP(_ address: RouterAddress, source: VirtualIPSource, at reference: FrameReference) -> Bool {
        guard !hasVIP(address), vips.count < Self.vipLimit else { return false }
        vips.append(VirtualIP(address: address, source: source, learned: reference, answerers: []))
        return true
    }

    /// Records that `mac` answered ARP for VIP `address`.
    mutating func recordAnswer(for address: RouterAddress, mac: MACAddress, at reference: FrameReference) {
        guard let index = vips.firstIndex(where: { $0.address == address }) else { return }
        if let slot = vips[index].answerers.firstIndex(where: { $0.mac == mac }) {
            vips[index].answerers[slot].last = reference
            vips[index].answerers[slot].count += 1
        } else if vips[index].answerers.count < VirtualIP.answererLimit {
            vips[index].answerers.append(VIPAnswerer(mac: mac, first: reference, last: reference, count: 1))
        }
    }

    /// Closes the current interval and opens one for `router` at `time`.
    mutating func appendInterval(router: Int, start: Timestamp, endingPreviousAt time: Timestamp) {
        if !timeline.isEmpty, timeline[timeline.count - 1].end == nil { timeline[timeline.count - 1].end = time }
        timeline.append(MasterInterval(router: router, address: routers[router].address, start: start, end: nil))
        if timeline.count > Self.timelineLimit {
            timeline.removeFirst()
            timelineDropped += 1
        }
    }

    /// Records a master change at `time`.
    mutating func recordChange(at time: Timestamp) {
        changeCount += 1
        changeTimes.append(time)
        if changeTimes.count > Self.changeLimit { changeTimes.removeFirst() }
    }
}
