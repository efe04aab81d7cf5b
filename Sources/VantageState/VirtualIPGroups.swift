//  VirtualIPGroups: who *should* own each virtual IP (VRRP, CARP, HSRP adverts), checked by the
//  detectors against who *does* (ARP answers, the data plane).
//
//  Fed by the analysis engine with redundancy adverts, ARP and pfsync frames only (cheap), and
//  ticked with the passage of capture time. Everything is scoped by VLAN.
//
//  What is learned, and from what:
//    adverts      group, routers (source IP, advert source MAC, priority/advskew, interval,
//                 version, auth, listed addresses), claim streaks, the effective master
//                 (VirtualIPGroup.swift), takeovers with their gap and reason
//    VIPs         VRRP: the first listed address (adverts keep only it, its count and an
//                 order-independent digest of the list: no bytes are kept); HSRP: the hello's VIP;
//                 CARP (no address in the advert) and further VRRP addresses: the gratuitous ARPs
//                 the new master sends around a takeover, and ARP answered by the RFC virtual MAC
//    real MACs    advert source when it is the router's own (keepalived without use_vmac, HSRP
//                 standby), HSRPv2 identifier, ARP sent from the router's own address, the new
//                 master's GARP at a takeover (ucarp), the VIP's ARP answer while the master's
//                 MAC is unknown (ucarp), pfsync (silent CARP backups)
//    on-link IPs  ARP sender addresses (to tell "routed via the VIP" from on-link traffic)
//    vantage host frames the capturing host sent itself: Linux cooked captures marked
//                 outgoing, or untagged Ethernet frames shorter than 56 octets (a receiver never
//                 sees a frame under 60 octets, 56 with a stripped VLAN tag; the sender's own
//                 capture sees its 42-octet ARP unpadded)
//
//  Bounds: groups, routers per group, VIPs, timelines, takeovers, on-link addresses, pending
//  GARPs and pfsync peers are all capped; what did not fit is counted (`usage`).

import VantageCapture
import VantageWire

/// The virtual-IP engine: VRRP/CARP/HSRP groups, their masters over time, and the VIPs'
/// ARP answers, VLAN-scoped, bounded and deterministic.
public final class VirtualIPGroups {
    /// Capacity limits.
    public struct Limits: Sendable, Hashable {
        /// Groups tracked (further groups are ignored and counted).
        public var groups: Int
        /// Takeovers kept for lookup by id.
        public var takeovers: Int
        /// On-link addresses remembered (ARP senders).
        public var onLinkAddresses: Int

        /// Limits with the given capacities.
        public init(groups: Int = 1024, takeovers: Int = 512, onLinkAddresses: Int = 65_536) {
            self.groups = groups
            self.takeovers = takeovers
            self.onLinkAddresses = onLinkAddresses
        }
    }

    /// A capture host's own addresses, learned from frames it sent.
    public struct VantageHost: Sendable, Hashable {
        /// Its MACs (bounded).
        public var macs: [MACAddress] = []
        /// Its IPv4 addresses (bounded).
        public var ips: [IPv4Address] = []
    }

    private struct PendingGARP {
        var reference: FrameReference
        var vlan: UInt16
        var address: IPv4Address
        var mac: MACAddress
    }

    private struct PfsyncPeer {
        var vlan: UInt16
        var address: IPv4Address
        var mac: MACAddress
    }

    /// The limits.
    public let limits: Limits
    /// The groups, in order of first appearance (indices are stable).
    public private(set) var groups: [VirtualIPGroup] = []
    /// Groups not tracked because ``Limits/groups`` was reached.
    public private(set) var droppedGroups = 0
    /// ARP senders not remembered as on-link because the set was full.
    public private(set) var droppedOnLinkAddresses = 0
    /// Takeovers dropped from the lookup ring.
    public private(set) var droppedTakeovers = 0

    private var groupIndexByKey: [VirtualIPGroupKey: Int] = [:]
    /// Groups by VLAN, and groups by (VLAN, router's own MAC): open-addressing tables, as data
    /// frames look them up (no SipHash).
    private var groupsByVLAN = WordTable<[Int]>(placeholder: [])
    private var memberMACIndex = WordTable<[Int]>(placeholder: [])
    private var routerAddressIndex: [UInt64: [Int]] = [:]
    /// VIPs, ARP senders and router addresses by (VLAN, IPv4): one cheap lookup per data frame.
    private var roles = WordTable(placeholder: AddressRole())
    /// ARP senders remembered in ``roles`` (at most ``Limits/onLinkAddresses``).
    private var onLinkCount = 0
    private var takeoverRing: [VirtualIPTakeover] = []
    private var nextTakeoverID = 0
    private var pendingGARPs: [PendingGARP] = []
    private var pfsyncPeers: [PfsyncPeer] = []
    private var vantageHosts: [Int: VantageHost] = [:]
    private let declaredRouters: [DeclaredRouter]

    /// An empty engine; `declared` routers join their group as soon as it is seen.
    public init(limits: Limits = Limits(), declared: [DeclaredRouter] = []) {
        self.limits = limits
        declaredRouters = declared
    }

    // MARK: - Queries

    /// Whether no group has been seen (detectors skip the data plane then).
    public var isEmpty: Bool { groups.isEmpty }

    /// The group with `key`.
    public func groupIndex(_ key: VirtualIPGroupKey) -> Int? { groupIndexByKey[key] }

    /// Groups on `vlan`, in order of appearance.
    public func groupIndices(vlan: UInt16) -> [Int] { groupsByVLAN[UInt64(vlan)] ?? [] }

    /// The group for which `ip` is a virtual address on `vlan`.
    public func groupIndex(owningVIP ip: IPv4Address, vlan: UInt16) -> Int? {
        roles[Self.key(vlan, ip)]?.vipGroup
    }

    /// Groups in which `mac` is a router's own MAC (real MAC or own advert source) on `vlan`.
    public func groupIndices(withMemberMAC mac: MACAddress, vlan: UInt16) -> [Int] {
        memberMACIndex[Self.key(vlan, mac)]?.filter { groups[$0].routerIndex(mac: mac) != nil } ?? []
    }

    /// Whether ``groupIndices(withMemberMAC:vlan:)`` is not empty (without building the list).
    public func isMemberMAC(_ mac: MACAddress, vlan: UInt16) -> Bool {
        guard let indices = memberMACIndex[Self.key(vlan, mac)] else { return false }
        return groups.withUnsafeBufferPointer { groups in indices.contains { groups[$0].routerIndex(mac: mac) != nil } }
    }

    /// Who is master of the group owning VIP `ip` at `time` (≥ the latest observation's time).
    public func master(ofVIP ip: IPv4Address, vlan: UInt16, at time: Timestamp) -> (group: Int, status: MasterStatus)? {
        guard let group = groupIndex(owningVIP: ip, vlan: vlan), let status = groups[group].masterStatus(at: time)
        else { return nil }
        return (group, status)
    }

    /// Whether `mac` belongs to a router that has advertised in the group owning VIP `ip`.
    public func isAdvertiser(_ mac: MACAddress, ofGroupOwning ip: IPv4Address, vlan: UInt16) -> Bool {
        guard let group = groupIndex(owningVIP: ip, vlan: vlan) else { return false }
        if mac == groups[group].virtualMACInUse { return true }
        guard let router = groups[group].routerIndex(mac: mac) else { return false }
        return groups[group].routers[router].advertCount > 0
    }

    /// Whether `mac` is the current master's MAC (own or protocol virtual) of any group on `vlan`.
    public func isMasterMAC(_ mac: MACAddress, vlan: UInt16, at time: Timestamp) -> Bool {
        guard let indices = groupsByVLAN[UInt64(vlan)] else { return false }
        // Through the buffer: each group is read in place, not copied out of the array.
        return groups.withUnsafeBufferPointer { groups in
            indices.contains { groups[$0].master != nil && groups[$0].isMasterMAC(mac) }
        }
    }

    /// Whether `mac` is a protocol virtual MAC, or any router's own MAC, in some group on `vlan`
    /// (for other detectors: such a MAC moving between IPs or answering for a VIP is expected).
    public func isRedundancyMAC(_ mac: MACAddress, vlan: UInt16) -> Bool {
        if !groupIndices(withMemberMAC: mac, vlan: vlan).isEmpty { return true }
        return groupIndices(vlan: vlan).contains { groups[$0].virtualMACInUse == mac || groups[$0].protocolVirtualMAC == mac }
    }

    /// Whether `ip` is a router's own address in some group on `vlan`.
    public func isRouterAddress(_ ip: IPv4Address, vlan: UInt16) -> Bool {
        roles[Self.key(vlan, ip)]?.isRouterAddress ?? false
    }

    /// Whether `ip` is known to be on the link of `vlan`: an ARP sender, a router's own
    /// address or a VIP.
    public func isOnLink(_ ip: IPv4Address, vlan: UInt16) -> Bool {
        roles[Self.key(vlan, ip)]?.isOnLink ?? false
    }

    /// What the groups know about `ip` on `vlan` (whether it is a VIP, an ARP sender, a router's
    /// address), in one lookup.
    public func role(of ip: IPv4Address, vlan: UInt16) -> AddressRole {
        roles[Self.key(vlan, ip)] ?? AddressRole()
    }

    /// Whether the capture host of any vantage point is known (``vantageHost(_:)``, ``routers(atVantage:)``
    /// are empty otherwise).
    public var knowsVantageHosts: Bool { !vantageHosts.isEmpty }

    /// The capture host of vantage `vantage`, as far as its own frames showed it.
    public func vantageHost(_ vantage: Int) -> VantageHost? { vantageHosts[vantage] }

    /// Routers (group, router) that are the capture host of `vantage`. A vantage whose frames
    /// point at several routers of one group gives none of that group: on links that do not pad
    /// short frames (veth, VM-to-VM virtio) other hosts' adverts look like the capture host's
    /// own, and the capture cannot say which router it was taken on.
    public func routers(atVantage vantage: Int) -> [(group: Int, router: Int)] {
        guard let host = vantageHosts[vantage] else { return [] }
        var found: [(Int, Int)] = []
        for (groupIndex, group) in groups.enumerated() {
            var match: Int?
            var ambiguous = false
            for (routerIndex, router) in group.routers.enumerated() {
                let byMAC = router.ownMACs.contains { host.macs.contains($0) }
                let byIP = router.address.ipv4.map { host.ips.contains($0) } ?? false
                guard byMAC || byIP else { continue }
                if match != nil { ambiguous = true }
                match = routerIndex
            }
            if let match, !ambiguous { found.append((groupIndex, match)) }
        }
        return found
    }

    /// The takeover with `id`, if still kept.
    public func takeover(id: Int) -> VirtualIPTakeover? {
        let base = nextTakeoverID - takeoverRing.count
        guard id >= base, id < nextTakeoverID else { return nil }
        return takeoverRing[id - base]
    }

    /// Takeovers with an id ≥ `id`, oldest first (detectors keep a cursor).
    public func takeovers(from id: Int) -> ArraySlice<VirtualIPTakeover> {
        let base = nextTakeoverID - takeoverRing.count
        let start = min(max(id, base), nextTakeoverID) - base
        return takeoverRing[start...]
    }

    /// The id the next takeover will get.
    public var nextTakeover: Int { nextTakeoverID }

    // MARK: - Observation

    /// Takes in one observation: redundancy adverts, ARP and pfsync; ignores anything else.
    public func observe(_ observation: Observation) {
        let packet = observation.packet
        switch packet.network {
        case .arp(let arp):
            learnVantageHost(observation, ip: arp.isEthernetIPv4 ? arp.senderIP : nil)
            observeARP(arp, observation)
        case .ipv4(let header):
            switch packet.transport {
            case .vrrp(let advert):
                learnVantageHost(observation, ip: header.source)
                observeVRRP(advert, source: .v4(header.source), ttl: header.ttl, observation)
            case .carp(let advert):
                learnVantageHost(observation, ip: header.source)
                observeCARP(advert, source: .v4(header.source), ttl: header.ttl, observation)
            default:
                if case .hsrp(let message) = packet.application {
                    learnVantageHost(observation, ip: header.source)
                    observeHSRP(message, source: .v4(header.source), observation)
                } else if header.protocol == .pfsync {
                    learnVantageHost(observation, ip: header.source)
                    observePfsync(source: header.source, observation)
                }
            }
        case .ipv6(let header, _):
            switch packet.transport {
            case .vrrp(let advert):
                observeVRRP(advert, source: .v6(header.source), ttl: header.hopLimit, observation)
            case .carp(let advert):
                observeCARP(advert, source: .v6(header.source), ttl: header.hopLimit, observation)
            default:
                if case .hsrp(let message) = packet.application {
                    observeHSRP(message, source: .v6(header.source), observation)
                }
            }
        default:
            break
        }
    }

    /// Lets capture time pass: a master that stopped advertising yields to a live claimer.
    public func advance(to time: Timestamp) {
        for index in groups.indices where groups[index].masterLive {
            guard let master = groups[index].master, !groups[index].routers[master].isLiveMaster(at: time) else {
                continue
            }
            refresh(index, at: time, trigger: nil)
        }
    }

    // MARK: - Adverts

    /// The facts of one advert, normalised across protocols.
    private struct Advert {
        var key: VirtualIPGroupKey
        var source: RouterAddress
        var claims: Bool
        var resigns: Bool
        var priority: Int
        var intervalNanoseconds: Int64
        var holdNanoseconds: Int64?
        var version: UInt8
        var authType: UInt8?
        var authData: UInt64?
        var addressCount: Int
        var firstAddress: RouterAddress?
        var digest: UInt64
        var advbase: UInt8?
        var advskew: UInt8?
        var demote: UInt8?
        var hsrpState: HSRPState?
        var identifier: MACAddress?
        var badTTL: UInt8?
    }

    private func observeVRRP(_ advert: VRRPAdvertisement, source: RouterAddress, ttl: UInt8, _ observation: Observation) {
        guard advert.type == .advertisement else { return }
        let isIPv6 = advert.addressFamily == .ipv6
        let first: RouterAddress? =
            isIPv6 ? advert.firstIPv6Address.map { .v6($0) } : advert.firstIPv4Address.map { .v4($0) }
        let facts = Advert(
            key: VirtualIPGroupKey(vlan: observation.vlan, protocol: .vrrp, group: UInt16(advert.vrid), ipv6: isIPv6),
            source: source, claims: advert.priority > 0, resigns: advert.priority == 0, priority: Int(advert.priority),
            intervalNanoseconds: max(Int64(advert.advertisementIntervalCentiseconds) * 10_000_000, 10_000_000),
            version: advert.version, authType: advert.authType?.rawValue, authData: advert.authData,
            addressCount: advert.addressCount, firstAddress: first, digest: advert.addressesDigest,
            badTTL: ttl == 255 ? nil : ttl)
        observeAdvert(facts, observation)
    }

    private func observeCARP(_ advert: CARPAdvertisement, source: RouterAddress, ttl: UInt8, _ observation: Observation) {
        guard advert.type == .advertisement else { return }
        let isIPv6: Bool
        if case .v6 = source { isIPv6 = true } else { isIPv6 = false }
        let facts = Advert(
            key: VirtualIPGroupKey(vlan: observation.vlan, protocol: .carp, group: UInt16(advert.vhid), ipv6: isIPv6),
            source: source, claims: true, resigns: false, priority: 255 - Int(advert.advskew),
            intervalNanoseconds: max(Int64((advert.advertisementPeriod * 1e9).rounded()), 10_000_000),
            version: advert.version, addressCount: 0, digest: 0, advbase: advert.advbase, advskew: advert.advskew,
            demote: advert.demote, badTTL: ttl == 255 ? nil : ttl)
        observeAdvert(facts, observation)
    }

    private func observeHSRP(_ message: HSRPMessage, source: RouterAddress, _ observation: Observation) {
        guard message.opcode != .advertise || message.ipVersion != 0 else { return }
        guard message.opcode == .hello || message.opcode == .coup || message.opcode == .resign else { return }
        let isIPv6 = message.ipVersion == 6
        let first: RouterAddress? =
            isIPv6 ? message.virtualIPv6.map { .v6($0) } : message.virtualIP.flatMap { $0.isUnspecified ? nil : .v4($0) }
        let authType: UInt8? = message.hasMD5Authentication ? 2 : (message.authData == nil ? 0 : 1)
        let facts = Advert(
            key: VirtualIPGroupKey(vlan: observation.vlan, protocol: .hsrp, group: message.group, ipv6: isIPv6),
            source: source, claims: message.opcode == .hello && message.state == .active,
            resigns: message.opcode == .resign, priority: Int(clamping: message.priority),
            intervalNanoseconds: max(Int64(message.helloTimeMilliseconds) * 1_000_000, 10_000_000),
            holdNanoseconds: Int64(message.holdTimeMilliseconds) * 1_000_000, version: message.version,
            authType: authType, authData: message.authData, addressCount: first == nil ? 0 : 1, firstAddress: first,
            digest: 0, hsrpState: message.state, identifier: message.identifier)
        if let index = observeAdvert(facts, observation) { groups[index].hsrpVersion = message.version }
    }

    @discardableResult
    private func observeAdvert(_ advert: Advert, _ observation: Observation) -> Int? {
        guard let groupIndex = findOrCreateGroup(advert.key, observation.reference) else { return nil }
        let reference = observation.reference
        let time = reference.time
        let routerIndex = findOrCreateRouter(advert.source, in: groupIndex, at: time)
        let sourceMAC = observation.packet.sourceMAC
        var group = groups[groupIndex]
        var router = group.routers[routerIndex]

        // Parameters of the latest advert (a resignation keeps the priority the master had).
        if !advert.resigns { router.priority = advert.priority }
        router.intervalNanoseconds = advert.intervalNanoseconds
        router.holdNanoseconds = advert.holdNanoseconds
        router.version = advert.version
        router.authType = advert.authType
        router.authData = advert.authData
        router.addressCount = advert.addressCount
        router.firstAddress = advert.firstAddress
        router.addressesDigest = advert.digest
        router.advbase = advert.advbase
        router.advskew = advert.advskew
        router.demote = advert.demote
        router.hsrpState = advert.hsrpState
        if let badTTL = advert.badTTL {
            router.ttlAnomalies += 1
            router.lastBadTTL = badTTL
            router.lastBadTTLAdvert = reference
        }

        // Claim streaks.
        let wasClaiming = router.claimsMaster
        if advert.claims {
            if var streak = router.streak, wasClaiming, time - streak.last.time <= router.livenessNanoseconds {
                streak.last = reference
                streak.adverts += 1
                router.streak = streak
            } else {
                if let streak = router.streak {
                    router.pastStreaks.append(streak)
                    if router.pastStreaks.count > VirtualRouter.streakHistory { router.pastStreaks.removeFirst() }
                }
                router.streak = ClaimStreak(first: reference, last: reference, adverts: 1)
            }
        } else if advert.resigns, wasClaiming, var streak = router.streak {
            // The resignation is the master's last word: it belongs to its streak.
            streak.last = reference
            router.streak = streak
        }
        if advert.resigns { router.resignedAt = reference }
        router.previousAdvertTime = router.lastAdvert?.time
        router.previousClaimed = wasClaiming
        router.lastAdvert = reference
        if router.firstAdvert == nil { router.firstAdvert = reference }
        router.claimsMaster = advert.claims
        router.advertCount += 1

        // MACs.
        if let sourceMAC {
            router.advertMAC = sourceMAC
            if sourceMAC == group.protocolVirtualMAC || (advert.key.redundancyProtocol == .hsrp
                && HSRPMessage.classifyVirtualMAC(sourceMAC) != nil)
            {
                group.virtualMACInUse = sourceMAC
            } else if VirtualRouter.isOwnMAC(sourceMAC), router.realMAC != sourceMAC {
                router.realMAC = sourceMAC
                router.realMACSource = .advert
            }
        }
        if let identifier = advert.identifier, VirtualRouter.isOwnMAC(identifier), router.realMAC == nil {
            router.realMAC = identifier
            router.realMACSource = .hsrpIdentifier
        }
        if let first = advert.firstAddress {
            group.advertisedAddressCount = max(group.advertisedAddressCount, advert.addressCount)
            if group.addVIP(first, source: .advert, at: reference) { indexVIP(first, group: groupIndex, vlan: advert.key.vlan) }
        }
        group.routers[routerIndex] = router
        groups[groupIndex] = group
        indexRouter(groupIndex, routerIndex)
        refresh(groupIndex, at: time, trigger: reference)
        return groupIndex
    }

    private func findOrCreateGroup(_ key: VirtualIPGroupKey, _ reference: FrameReference) -> Int? {
        if let index = groupIndexByKey[key] { return index }
        guard groups.count < limits.groups else {
            droppedGroups += 1
            return nil
        }
        let index = groups.count
        groups.append(VirtualIPGroup(key: key, firstSeen: reference))
        groupIndexByKey[key] = index
        groupsByVLAN.update(UInt64(key.vlan), initial: []) { $0.append(index) }
        if key.redundancyProtocol == .carp && !key.ipv6 {
            for peer in pfsyncPeers where peer.vlan == key.vlan {
                addPassiveMember(address: peer.address, mac: peer.mac, source: .pfsync, group: index)
            }
        }
        for router in declaredRouters where router.belongs(to: key) {
            addPassiveMember(address: router.address, mac: router.mac, source: .declared, group: index)
        }
        return index
    }

    private func findOrCreateRouter(_ address: RouterAddress, in groupIndex: Int, at time: Timestamp) -> Int {
        if let index = groups[groupIndex].routerIndex(address: address) { return index }
        if groups[groupIndex].routers.count < VirtualIPGroup.routerLimit {
            groups[groupIndex].routers.append(VirtualRouter(address: address))
            return groups[groupIndex].routers.count - 1
        }
        // Full: reuse the slot of the least recently heard router that is not the master.
        let group = groups[groupIndex]
        let candidates = group.routers.indices.filter { $0 != group.master }
        let victim =
            candidates.min {
                (group.routers[$0].lastAdvert?.time ?? .zero, $0) < (group.routers[$1].lastAdvert?.time ?? .zero, $1)
            } ?? 0
        groups[groupIndex].routers[victim] = VirtualRouter(address: address)
        groups[groupIndex].routerEvictions += 1
        return victim
    }

    /// Re-evaluates the effective master of group `index` at `time`.
    private func refresh(_ index: Int, at time: Timestamp, trigger: FrameReference?) {
        let claimers = groups[index].liveClaimers(at: time)
        guard let best = claimers.first else {
            groups[index].masterLive = false
            return
        }
        groups[index].masterLive = true
        let current = groups[index].master
        if best == current { return }
        // A live master keeps the role unless the newcomer is preferred (preemption).
        if let current, groups[index].routers[current].isLiveMaster(at: time),
            !groups[index].prefers(best, over: current)
        {
            return
        }
        recordTakeover(group: index, new: best, at: time)
    }

    private func snapshot(_ group: VirtualIPGroup, _ index: Int) -> RouterSnapshot {
        let router = group.routers[index]
        return RouterSnapshot(
            index: index, address: router.address, macs: router.ownMACs, advertMAC: router.advertMAC,
            priority: router.priority, label: router.label)
    }

    private func recordTakeover(group index: Int, new: Int, at time: Timestamp) {
        var group = groups[index]
        let newRouter = group.routers[new]
        let newFirst = newRouter.streak?.first ?? newRouter.lastAdvert ?? group.firstSeen
        var reason = TakeoverReason.initial
        var old: RouterSnapshot?
        var oldLast: FrameReference?
        var tenure: Int64?
        var abandoned: [MACAddress] = []
        if let previous = group.master {
            let oldRouter = group.routers[previous]
            old = snapshot(group, previous)
            oldLast = oldRouter.lastAdvert
            if oldRouter.isLiveMaster(at: time) {
                reason = .preempted
            } else if !oldRouter.claimsMaster {
                reason = .resigned
            } else {
                reason = .vanished
            }
            if let start = group.timeline.last?.start { tenure = max(0, time - start) }
            if group.virtualMACInUse == nil {
                abandoned = oldRouter.ownMACs.filter { !newRouter.ownMACs.contains($0) }
            }
            group.recordChange(at: time)
        }
        group.appendInterval(router: new, start: old == nil ? newFirst.time : time, endingPreviousAt: time)
        group.master = new
        group.masterLive = true
        let id = nextTakeoverID
        nextTakeoverID += 1
        group.lastTakeoverID = id
        groups[index] = group
        let takeover = VirtualIPTakeover(
            id: id, group: group.key, old: old, new: snapshot(group, new), reason: reason, oldLastAdvert: oldLast,
            newFirstAdvert: newFirst, time: time, oldTenureNanoseconds: tenure, garps: [], garpCount: 0,
            foreignGARPs: 0, abandonedMACs: abandoned)
        takeoverRing.append(takeover)
        if takeoverRing.count > limits.takeovers {
            takeoverRing.removeFirst()
            droppedTakeovers += 1
        }
        // GARPs sent just before the first advert (ucarp sends its GARP as it switches).
        let pending = pendingGARPs.filter {
            $0.vlan == group.key.vlan && time - $0.reference.time <= VirtualIPTakeover.garpLead
        }
        for garp in pending {
            attributeGARP(address: garp.address, mac: garp.mac, reference: garp.reference, group: index)
        }
    }

    // MARK: - ARP

    private func observeARP(_ arp: ARPPacket, _ observation: Observation) {
        guard arp.isEthernetIPv4 else { return }
        let vlan = observation.vlan
        let reference = observation.reference
        let spa = arp.senderIP
        let sha = arp.senderMAC
        if !spa.isUnspecified && !spa.isMulticast { rememberOnLink(vlan, spa) }
        guard !groups.isEmpty, !spa.isUnspecified else { return }
        let spaKey = Self.key(vlan, spa)

        // A router speaking ARP from its own address shows its real MAC.
        if let members = routerAddressIndex[spaKey], VirtualRouter.isOwnMAC(sha) {
            for groupIndex in members {
                guard let routerIndex = groups[groupIndex].routerIndex(address: .v4(spa)) else { continue }
                if groups[groupIndex].routers[routerIndex].realMAC != sha {
                    setRealMAC(sha, source: .arp, group: groupIndex, router: routerIndex)
                }
            }
        }

        let variant = arp.variant
        let gratuitous = variant.isGratuitous || variant == .announcement
        if let groupIndex = roles[spaKey]?.vipGroup {
            let answers = gratuitous || variant == .reply || variant == .request
            guard answers else { return }
            groups[groupIndex].recordAnswer(for: .v4(spa), mac: sha, at: reference)
            let group = groups[groupIndex]
            if sha == group.protocolVirtualMAC {
                groups[groupIndex].virtualMACInUse = sha
            } else if group.virtualMACInUse == nil, VirtualRouter.isOwnMAC(sha), let master = group.master,
                group.masterLive, group.routers[master].ownMACs.isEmpty, group.routerIndex(mac: sha) == nil
            {
                // ucarp: the master answers with a MAC its adverts do not show.
                setRealMAC(sha, source: .vipAnswer, group: groupIndex, router: master)
            }
            if gratuitous && !attributeGARP(address: spa, mac: sha, reference: reference, group: groupIndex) {
                // Perhaps the announcement of a takeover whose first advert is still to come.
                rememberGARP(reference, vlan, spa, sha)
            }
            return
        }
        guard gratuitous || variant == .reply, routerAddressIndex[spaKey] == nil else { return }

        // A VIP answered by a group's protocol virtual MAC (kernel CARP, keepalived use_vmac).
        for groupIndex in groupIndices(vlan: vlan) where !groups[groupIndex].key.ipv6 {
            let group = groups[groupIndex]
            guard group.key.redundancyProtocol != .hsrp, sha == group.protocolVirtualMAC else { continue }
            groups[groupIndex].virtualMACInUse = sha
            if groups[groupIndex].addVIP(.v4(spa), source: .virtualMACAnswer, at: reference) {
                indexVIP(.v4(spa), group: groupIndex, vlan: vlan)
            }
            groups[groupIndex].recordAnswer(for: .v4(spa), mac: sha, at: reference)
            if gratuitous { attributeGARP(address: spa, mac: sha, reference: reference, group: groupIndex) }
            return
        }
        guard gratuitous else { return }
        // A GARP right around a takeover, from the new master: a VIP (CARP adverts list none;
        // VRRP adverts show only the first address).
        if let groupIndex = takeoverGroup(forGARPFrom: sha, vlan: vlan, at: reference.time) {
            if groups[groupIndex].addVIP(.v4(spa), source: .takeoverGARP, at: reference) {
                indexVIP(.v4(spa), group: groupIndex, vlan: vlan)
            }
            attributeGARP(address: spa, mac: sha, reference: reference, group: groupIndex)
            return
        }
        rememberGARP(reference, vlan, spa, sha)
    }

    /// The group on `vlan` whose latest takeover is nearest `time` (within 2 s before / 3 s
    /// after its first advert) and whose new master can be `mac`.
    private func takeoverGroup(forGARPFrom mac: MACAddress, vlan: UInt16, at time: Timestamp) -> Int? {
        var best: (Int, Int64)?
        for groupIndex in groupIndices(vlan: vlan) {
            guard let id = groups[groupIndex].lastTakeoverID, let takeover = takeover(id: id) else { continue }
            let offset = time - takeover.time
            guard offset >= -VirtualIPTakeover.garpLead, offset <= 3_000_000_000 else { continue }
            guard canBeNewMaster(mac, takeover: takeover, group: groupIndex) else { continue }
            if best == nil || abs(offset) < best!.1 { best = (groupIndex, abs(offset)) }
        }
        return best?.0
    }

    /// Whether `mac` is, or (its MAC being unknown) may be, the new master of `takeover`.
    private func canBeNewMaster(_ mac: MACAddress, takeover: VirtualIPTakeover, group groupIndex: Int) -> Bool {
        let group = groups[groupIndex]
        guard group.routers.indices.contains(takeover.new.index) else { return false }
        let router = group.routers[takeover.new.index]
        if router.ownMACs.contains(mac) || mac == group.virtualMACInUse { return true }
        return router.ownMACs.isEmpty && VirtualRouter.isOwnMAC(mac) && group.routerIndex(mac: mac) == nil
    }

    /// Counts a GARP for `address` from `mac` against the group's latest takeover if it falls in
    /// its window and comes from the new master (learning the new master's MAC when unknown);
    /// a GARP from another MAC within 3 s of the takeover counts as foreign. Returns whether it
    /// was counted as the new master's.
    @discardableResult
    private func attributeGARP(address: IPv4Address, mac: MACAddress, reference: FrameReference, group groupIndex: Int)
        -> Bool
    {
        guard let id = groups[groupIndex].lastTakeoverID else { return false }
        let base = nextTakeoverID - takeoverRing.count
        guard id >= base else { return false }
        let slot = id - base
        let takeover = takeoverRing[slot]
        let offset = reference.time - takeover.time
        guard offset >= -VirtualIPTakeover.garpLead, offset <= VirtualIPTakeover.garpTrail else { return false }
        if takeoverRing[slot].garps.contains(reference) { return true }
        guard canBeNewMaster(mac, takeover: takeover, group: groupIndex) else {
            if abs(offset) <= 3_000_000_000 { takeoverRing[slot].foreignGARPs += 1 }
            return false
        }
        let routerIndex = takeover.new.index
        if groups[groupIndex].routers[routerIndex].ownMACs.isEmpty && mac != groups[groupIndex].virtualMACInUse {
            setRealMAC(mac, source: .takeoverGARP, group: groupIndex, router: routerIndex)
            takeoverRing[slot].new.macs = groups[groupIndex].routers[routerIndex].ownMACs
        }
        takeoverRing[slot].garpCount += 1
        if takeoverRing[slot].garps.count < VirtualIPTakeover.garpLimit { takeoverRing[slot].garps.append(reference) }
        return true
    }

    private func rememberGARP(_ reference: FrameReference, _ vlan: UInt16, _ address: IPv4Address, _ mac: MACAddress) {
        pendingGARPs.removeAll { reference.time - $0.reference.time > VirtualIPTakeover.garpLead }
        if pendingGARPs.count >= 32 { pendingGARPs.removeFirst() }
        pendingGARPs.append(PendingGARP(reference: reference, vlan: vlan, address: address, mac: mac))
    }

    // MARK: - pfsync

    private func observePfsync(source: IPv4Address, _ observation: Observation) {
        guard let mac = observation.packet.sourceMAC, VirtualRouter.isOwnMAC(mac) else { return }
        let vlan = observation.vlan
        if !pfsyncPeers.contains(where: { $0.vlan == vlan && $0.address == source }) {
            if pfsyncPeers.count >= 64 { pfsyncPeers.removeFirst() }
            pfsyncPeers.append(PfsyncPeer(vlan: vlan, address: source, mac: mac))
        }
        for groupIndex in groupIndices(vlan: vlan) where groups[groupIndex].key.redundancyProtocol == .carp {
            addPassiveMember(address: source, mac: mac, source: .pfsync, group: groupIndex)
        }
    }

    /// Adds (or completes) a router known from pfsync or the configuration rather than adverts.
    private func addPassiveMember(address: IPv4Address, mac: MACAddress, source: RealMACSource, group groupIndex: Int) {
        if let existing = groups[groupIndex].routerIndex(address: .v4(address)) {
            if groups[groupIndex].routers[existing].realMAC == nil {
                setRealMAC(mac, source: source, group: groupIndex, router: existing)
            }
            return
        }
        guard groups[groupIndex].routers.count < VirtualIPGroup.routerLimit else { return }
        var router = VirtualRouter(address: .v4(address))
        router.realMAC = mac
        router.realMACSource = source
        groups[groupIndex].routers.append(router)
        indexRouter(groupIndex, groups[groupIndex].routers.count - 1)
    }

    // MARK: - Indexes

    private func setRealMAC(_ mac: MACAddress, source: RealMACSource, group groupIndex: Int, router routerIndex: Int) {
        groups[groupIndex].routers[routerIndex].realMAC = mac
        groups[groupIndex].routers[routerIndex].realMACSource = source
        indexRouter(groupIndex, routerIndex)
    }

    private func indexRouter(_ groupIndex: Int, _ routerIndex: Int) {
        let vlan = groups[groupIndex].key.vlan
        let router = groups[groupIndex].routers[routerIndex]
        for mac in router.ownMACs {
            let key = Self.key(vlan, mac)
            memberMACIndex.update(key, initial: []) { if !$0.contains(groupIndex) { $0.append(groupIndex) } }
        }
        if let ip = router.address.ipv4 {
            let key = Self.key(vlan, ip)
            if !(routerAddressIndex[key]?.contains(groupIndex) ?? false) {
                routerAddressIndex[key, default: []].append(groupIndex)
                roles.update(key, initial: AddressRole()) { $0.isRouterAddress = true }
            }
        }
    }

    private func indexVIP(_ address: RouterAddress, group: Int, vlan: UInt16) {
        guard let ip = address.ipv4 else { return }
        let key = Self.key(vlan, ip)
        roles.update(key, initial: AddressRole()) { role in
            if role.vipGroup == nil { role.vipGroup = group }
        }
    }

    private func rememberOnLink(_ vlan: UInt16, _ ip: IPv4Address) {
        let key = Self.key(vlan, ip)
        guard !(roles[key]?.isARPSender ?? false) else { return }
        guard onLinkCount < limits.onLinkAddresses else {
            droppedOnLinkAddresses += 1
            return
        }
        onLinkCount += 1
        roles.update(key, initial: AddressRole()) { $0.isARPSender = true }
    }

    private func learnVantageHost(_ observation: Observation, ip: IPv4Address?) {
        let packet = observation.packet
        let outgoing: Bool
        switch packet.link {
        case .linuxSLL(let header): outgoing = header.packetType == .outgoing
        case .linuxSLL2(let header): outgoing = header.packetType == .outgoing
        case .ethernet: outgoing = observation.originalLength < 56 && packet.outerVLAN == nil
        default: outgoing = false
        }
        guard outgoing, let mac = packet.sourceMAC, VirtualRouter.isOwnMAC(mac) else { return }
        let vantage = observation.reference.vantage
        guard vantageHosts[vantage] != nil || vantageHosts.count < 256 else { return }
        var host = vantageHosts[vantage] ?? VantageHost()
        if !host.macs.contains(mac) && host.macs.count < 4 { host.macs.append(mac) }
        if let ip, !ip.isUnspecified, !host.ips.contains(ip), host.ips.count < 8 { host.ips.append(ip) }
        vantageHosts[vantage] = host
    }

    static func key(_ vlan: UInt16, _ ip: IPv4Address) -> UInt64 { UInt64(vlan) << 32 | UInt64(ip.rawValue) }
    static func key(_ vlan: UInt16, _ mac: MACAddress) -> UInt64 { UInt64(vlan) << 48 | mac.rawValue }
}

/// What ``VirtualIPGroups`` knows about one IPv4 address on one VLAN.
public struct AddressRole: Sendable, Hashable {
    private var group: Int32 = -1
    /// An ARP sender seen on the VLAN.
    public internal(set) var isARPSender = false
    /// A router's own address in some group.
    public internal(set) var isRouterAddress = false

    /// Nothing known.
    public init() {}

    /// The group for which the address is a virtual IP (the first group that named it).
    public internal(set) var vipGroup: Int? {
        get { group < 0 ? nil : Int(group) }
        set { group = newValue.map { Int32(truncatingIfNeeded: $0) } ?? -1 }
    }

    /// Known to be on the link: an ARP sender, a router's own address or a VIP.
    public var isOnLink: Bool { group >= 0 || isARPSender || isRouterAddress }
}
