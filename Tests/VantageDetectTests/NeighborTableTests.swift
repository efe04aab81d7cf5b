import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

/// The neighbor model itself: what it learns from ARP, NDP, adverts and the data plane.
@Suite struct NeighborTableTests {
    let server = Station("02:00:00:00:00:05", "10.0.0.5")
    let oldHost = Station("02:00:00:00:00:01", "10.0.0.20")
    let newHost = Station("02:00:00:00:00:02", "10.0.0.20")
    let router = Station("02:00:00:00:00:fe", "10.0.0.1")

    /// Feeds frames to a table, numbering them 1, 2, ... and stepping time by 10 ms.
    struct Feeder {
        let table: NeighborTable
        var frame = 0
        var time = 0.0

        init(limits: NeighborTable.Limits = .standard) { table = NeighborTable(limits: limits) }

        mutating func feed(_ bytes: [UInt8], at seconds: Double? = nil, vlan: UInt16 = 0) {
            frame += 1
            time = seconds ?? time + 0.01
            table.observe(observation(bytes, frame: frame, at: time))
        }
    }

    private func key(_ ip: IPv4Address, vlan: UInt16 = 0) -> NeighborKey { NeighborKey(vlan: vlan, ip) }

    @Test func learnsOwnersFromARPSenderPairsButNotFromProbes() {
        var feed = Feeder()
        feed.feed(FrameBuilder.arpRequest(from: server.mac, ip: server.ip, asking: oldHost.ip))
        #expect(feed.table.owner(of: key(server.ip))?.mac == server.mac)
        #expect(feed.table.claim?.kind == .arpRequest)
        #expect(feed.table.claim?.isFirstOwner == true)
        #expect(feed.table.owner(of: key(oldHost.ip)) == nil, "the target of a request is not learned")

        feed.feed(FrameBuilder.arpReply(from: oldHost.mac, ip: oldHost.ip, to: server.mac, targetIP: server.ip))
        let owner = feed.table.owner(of: key(oldHost.ip))
        #expect(owner?.mac == oldHost.mac)
        #expect(owner?.firstClaimKind == .arpReply)
        #expect(owner?.firstClaim.frame == 2)
        #expect(feed.table.sender(SenderKey(vlan: 0, sender: server.mac, address: NeighborAddress(oldHost.ip)))?.lastAnswerMAC == oldHost.mac)

        let candidate = IPv4Address("10.0.0.30")!
        feed.feed(FrameBuilder.arpProbe(from: newHost.mac, candidate: candidate))
        #expect(feed.table.claim?.kind == .arpProbe)
        #expect(feed.table.owner(of: key(candidate)) == nil, "a 0.0.0.0 probe claims nothing")
        #expect(feed.table.address(key(candidate))?.lastProbe?.mac == newHost.mac)
        #expect(feed.table.owner(of: key(.any)) == nil)

        feed.feed(FrameBuilder.gratuitousARP(from: newHost.mac, ip: candidate))
        #expect(feed.table.owner(of: key(candidate))?.firstClaimKind == .gratuitousARP)
        feed.feed(FrameBuilder.arpAnnouncement(from: newHost.mac, ip: candidate))
        #expect(feed.table.owner(of: key(candidate))?.lastClaimKind == .arpAnnouncement)
        #expect(feed.table.owner(of: key(candidate))?.claims == 2)
        #expect(feed.table.claim?.changedOwner == false)
    }

    @Test func dataPlaneRefreshesKnownOwnersAndNeverLearnsOffLinkAddresses() {
        var feed = Feeder()
        feed.feed(FrameBuilder.arpRequest(from: router.mac, ip: router.ip, asking: server.ip))
        feed.feed(FrameBuilder.arpReply(from: server.mac, ip: server.ip, to: router.mac, targetIP: router.ip))
        // The router forwards traffic from 50 off-link addresses to the server, and back.
        for index in 1...50 {
            let remote = IPv4Address(198, 51, 100, UInt8(index))
            feed.feed(FrameBuilder.icmpEchoRequest(from: (router.mac, remote), to: server.host))
            feed.feed(FrameBuilder.icmpEchoReply(from: server.host, to: (router.mac, remote)))
            #expect(feed.table.owner(of: key(remote)) == nil)
        }
        #expect(feed.table.addressCount == 2)
        #expect(feed.table.station(StationKey(vlan: 0, mac: router.mac))?.ownedAddresses == 1)
        let serverOwner = feed.table.owner(of: key(server.ip))
        #expect(serverOwner?.dataFrames == 50)
        #expect(serverOwner?.lastSeen.frame == feed.frame, "the last echo reply refreshed the server")
        #expect(serverOwner?.lastClaim.frame == 2)
        // The router's cache entry for the server, as seen from the wire.
        let sender = feed.table.sender(SenderKey(vlan: 0, sender: router.mac, address: NeighborAddress(server.ip)))
        #expect(sender?.destinationMAC == server.mac)
        #expect(sender?.frames == 50)
        #expect(sender?.senderAddress == nil, "the router's frames come from off-link addresses")
        #expect(feed.table.senderCount == 1, "router→server only: the server's replies go to off-link addresses")
    }

    @Test func aChangeOfOwnerKeepsHistoryAndFlagsStaleAndSwitchingSenders() {
        var feed = Feeder()
        feed.feed(FrameBuilder.arpRequest(from: server.mac, ip: server.ip, asking: oldHost.ip), at: 0)
        feed.feed(FrameBuilder.arpReply(from: oldHost.mac, ip: oldHost.ip, to: server.mac, targetIP: server.ip), at: 0.001)
        feed.feed(FrameBuilder.icmpEchoRequest(from: server.host, to: oldHost.host), at: 0.002)
        #expect(feed.table.destinationEvent == nil)
        feed.feed(FrameBuilder.icmpEchoReply(from: oldHost.host, to: server.host), at: 0.003)

        feed.feed(FrameBuilder.arpRequest(from: newHost.mac, ip: newHost.ip, asking: router.ip), at: 100)
        let claim = feed.table.claim
        #expect(claim?.changedOwner == true)
        #expect(claim?.previous?.mac == oldHost.mac)
        #expect(claim?.previous?.lastSeen.frame == 4)
        #expect(claim?.previous?.end == Timeline.time(100))
        let record = feed.table.address(key(oldHost.ip))
        #expect(record?.history.map(\.mac) == [oldHost.mac, newHost.mac])
        #expect(record?.history.map(\.serial) == [1, 2])
        #expect(record?.changes == 1)
        #expect(feed.table.station(StationKey(vlan: 0, mac: oldHost.mac))?.ownedAddresses == 0)

        // The server still sends to the old MAC: a frame to a former owner.
        feed.feed(FrameBuilder.icmpEchoRequest(from: server.host, to: oldHost.host, sequence: 2), at: 101)
        let stale = feed.table.destinationEvent
        #expect(stale?.isFormerOwner == true)
        #expect(stale?.owner == newHost.mac)
        #expect(stale?.switchedFrom == nil)
        // Then it switches to the new owner.
        feed.feed(FrameBuilder.icmpEchoRequest(from: server.host, to: newHost.host, sequence: 3), at: 102)
        let switched = feed.table.destinationEvent
        #expect(switched?.isFormerOwner == false)
        #expect(switched?.switchedFrom == oldHost.mac)
        let sender = feed.table.sender(SenderKey(vlan: 0, sender: server.mac, address: NeighborAddress(oldHost.ip)))
        #expect(sender?.destinationMAC == newHost.mac)
        #expect(sender?.previousMAC == oldHost.mac)
        #expect(sender?.previousFrames == 2)
        #expect(sender?.switches == 1)
        #expect(sender?.senderAddress == NeighborAddress(server.ip))
        #expect(sender?.resolutions == 1)

        // The old host sends from the address again: a former owner using it.
        feed.feed(FrameBuilder.icmpEchoReply(from: oldHost.host, to: server.host, sequence: 3), at: 103)
        #expect(feed.table.formerOwnerSource?.mac == oldHost.mac)
        #expect(feed.table.formerOwnerSource?.owner == newHost.mac)
        #expect(feed.table.address(key(oldHost.ip))?.history.first?.framesAfterEnd == 1)
        // Events last one observation.
        feed.feed(FrameBuilder.icmpEchoRequest(from: server.host, to: newHost.host, sequence: 4), at: 104)
        #expect(feed.table.formerOwnerSource == nil && feed.table.destinationEvent == nil && feed.table.claim == nil)
    }

    @Test func addressesAreScopedByVLAN() {
        var feed = Feeder()
        feed.feed(FrameBuilder.gratuitousARP(from: oldHost.mac, ip: oldHost.ip, vlans: [10]))
        feed.feed(FrameBuilder.gratuitousARP(from: newHost.mac, ip: newHost.ip, vlans: [20]))
        #expect(feed.table.owner(of: key(oldHost.ip, vlan: 10))?.mac == oldHost.mac)
        #expect(feed.table.owner(of: key(oldHost.ip, vlan: 20))?.mac == newHost.mac)
        #expect(feed.table.claim?.changedOwner == false)
        #expect(feed.table.owner(of: key(oldHost.ip)) == nil)
    }

    @Test func learnsFromNeighborDiscovery() {
        let a = (mac: MACAddress("02:00:00:00:00:0a")!, ip: IPv6Address("2001:db8::a")!)
        let b = (mac: MACAddress("02:00:00:00:00:0b")!, ip: IPv6Address("2001:db8::b")!)
        var feed = Feeder()
        feed.feed(FrameBuilder.neighborSolicitation(from: a, target: b.ip))
        #expect(feed.table.owner(of: NeighborKey(vlan: 0, a.ip))?.firstClaimKind == .solicitationSource)
        feed.feed(FrameBuilder.neighborAdvertisement(from: b, to: a, solicited: true, override: true))
        #expect(feed.table.owner(of: NeighborKey(vlan: 0, b.ip))?.mac == b.mac)
        #expect(feed.table.claim?.kind == .solicitedAdvertisement)
        let fresh = IPv6Address("2001:db8::c")!
        feed.feed(FrameBuilder.dadProbe(mac: a.mac, target: fresh))
        #expect(feed.table.claim?.kind == .dadProbe)
        #expect(feed.table.owner(of: NeighborKey(vlan: 0, fresh)) == nil)
        feed.feed(FrameBuilder.neighborAdvertisement(from: (a.mac, fresh)))
        #expect(feed.table.claim?.kind == .overrideAdvertisement)
        #expect(feed.table.owner(of: NeighborKey(vlan: 0, fresh))?.mac == a.mac)
        #expect(ClaimKind.overrideAdvertisement.isAnnouncement)
    }

    @Test func redundancyAdvertsMarkSpeakersAndVirtualAddresses() {
        let node = Station("02:aa:00:00:00:01", "10.0.0.11")
        let vip = IPv4Address("10.0.0.100")!
        var feed = Feeder()
        feed.feed(FrameBuilder.arpRequest(from: node.mac, ip: node.ip, asking: router.ip))
        feed.feed(FrameBuilder.vrrpAdvert(vrid: 51, addresses: [vip], from: node.ip, sourceMAC: node.mac))
        #expect(feed.table.isRedundancySpeaker(vlan: 0, mac: node.mac))
        let record = feed.table.address(key(vip))
        #expect(record?.redundancy == .vrrp)
        #expect(record?.redundancyGroup == 51)
        #expect(record?.isAdvertised(by: node.mac) == true)
        #expect(record?.owner == nil, "an advert does not make an owner")
        // With use_vmac the advert comes from the virtual MAC; the node (owner of the source IP)
        // is a speaker too.
        feed.feed(FrameBuilder.vrrpAdvert(vrid: 52, addresses: [IPv4Address("10.0.0.101")!], from: node.ip))
        #expect(feed.table.isRedundancySpeaker(vlan: 0, mac: VRRPAdvertisement.virtualMAC(vrid: 52)))
        #expect(feed.table.address(key(IPv4Address("10.0.0.101")!))?.isAdvertised(by: node.mac) == true)
        #expect(!feed.table.isRedundancySpeaker(vlan: 0, mac: router.mac))
    }

    @Test func mapsAreBoundedAndCountEvictions() {
        var feed = Feeder(limits: NeighborTable.Limits(addresses: 4, senders: 2, stations: 3))
        for index in 1...10 {
            feed.feed(FrameBuilder.gratuitousARP(from: MACAddress(0x02, 0, 0, 0, 1, UInt8(index)), ip: IPv4Address(10, 0, 1, UInt8(index))))
        }
        #expect(feed.table.addressCount == 4)
        #expect(feed.table.stationCount == 3)
        let usage = Dictionary(uniqueKeysWithValues: feed.table.usage.map { ($0.table, $0) })
        #expect(usage["addresses"]?.evictions == 6)
        #expect(usage["addresses"]?.peak == 4)
        #expect(usage["stations"]?.evictions == 7)
        #expect(feed.table.totalEvictions == 13)
        // The survivors are the most recently seen.
        #expect(feed.table.owner(of: key(IPv4Address(10, 0, 1, 10))) != nil)
        #expect(feed.table.owner(of: key(IPv4Address(10, 0, 1, 6))) == nil)
    }

    @Test func boundedMapAgreesWithADictionaryUnderChurn() {
        // Small capacity, colliding keys, removals and evictions: the open-addressing index
        // with backward-shift deletion must never lose or invent an entry.
        var map = BoundedMap<Int, Int>(capacity: 64)
        var reference: [Int: Int] = [:]
        var order: [Int] = []
        var seed: UInt64 = 42
        for step in 0..<20_000 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let key = Int(seed >> 40) % 200 * 1024
            switch (seed >> 20) % 3 {
            case 0:
                if map.find(key) == nil {
                    if let evicted = map.insert(key, step).evicted {
                        #expect(evicted.key == order.first)
                        reference[evicted.key] = nil
                        order.removeFirst()
                    }
                    reference[key] = step
                    order.append(key)
                } else {
                    order.removeAll { $0 == key }
                    order.append(key)
                }
            case 1:
                #expect(map.remove(key) == reference.removeValue(forKey: key))
                order.removeAll { $0 == key }
            default:
                #expect(map[key: key] == reference[key])
            }
            #expect(map.count == reference.count)
        }
        #expect(map.keysOldestFirst == order)
        for (key, value) in reference { #expect(map[key: key] == value) }
    }

    @Test func boundedMapEvictsTheLeastRecentlyUsedEntry() {
        var map = BoundedMap<Int, String>(capacity: 3)
        map.insert(1, "one")
        map.insert(2, "two")
        map.insert(3, "three")
        _ = map.find(1)
        let evicted = map.insert(4, "four").evicted
        #expect(evicted?.key == 2)
        #expect(map.keysOldestFirst == [3, 1, 4])
        #expect(map.remove(3) == "three")
        map.insert(5, "five")
        #expect(map.evictions == 1)
        #expect(map.count == 3)
        if let slot = map.slot(of: 5) { map[slot: slot] += "!" }
        #expect(map[key: 5] == "five!")
        #expect(map.keysOldestFirst == [1, 4, 5])
    }
}
