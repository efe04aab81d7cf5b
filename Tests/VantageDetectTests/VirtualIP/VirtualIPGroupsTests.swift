import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

@Suite struct VirtualIPGroupsTests {
    typealias F = VIPFixture

    /// keepalived A (150) resigns at 10 s; B (100) takes over after Skew_Time, GARPs 5 + 5.
    static func resignScript() -> Timeline {
        var timeline = Timeline()
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 0, to: 9)
        F.resign(&timeline, F.nodeA, at: 10)
        F.keepalived(&timeline, F.nodeB, priority: 100, from: 10.61, to: 30)
        F.keepalivedGARPs(&timeline, F.nodeB, at: 10.61)
        return timeline
    }

    @Test func keepalivedResignationIsATakeoverWithGARPs() throws {
        let engine = F.engine(Self.resignScript())
        #expect(engine.groups.count == 1)
        let group = try #require(engine.groups.first)
        #expect(group.key == VirtualIPGroupKey(vlan: 0, protocol: .vrrp, group: 51))
        #expect(group.vips.map(\.address) == [.v4(F.vip)])
        #expect(group.routers.map(\.realMAC) == [F.nodeA.mac, F.nodeB.mac])
        #expect(group.master == 1 && group.masterLive)
        let takeovers = Array(engine.takeovers(from: 0))
        #expect(takeovers.map(\.reason) == [.initial, .resigned])
        let failover = takeovers[1]
        #expect(failover.old?.address == .v4(F.nodeA.ip) && failover.new.address == .v4(F.nodeB.ip))
        let gap = failover.newFirstAdvert.time - (failover.oldLastAdvert?.time ?? .zero)
        #expect(abs(gap - 610_000_000) < 1_000_000)
        #expect(failover.garpCount == 10 && failover.foreignGARPs == 0)
        #expect(failover.abandonedMACs == [F.nodeA.mac])
        // Timeline lookups.
        #expect(group.masterRouter(at: Timeline.time(5)) == 0)
        #expect(group.masterRouter(at: Timeline.time(20)) == 1)
        #expect(group.wasMaster(0, from: Timeline.time(4), to: Timeline.time(5)))
        #expect(!group.wasMaster(0, from: Timeline.time(15), to: Timeline.time(16)))
        // VRRP v2, interval 1 s, backup priority 150 known below? B is master (100): A (150) is
        // not a lower-priority backup, so the bound with priority 1 applies.
        #expect(group.masterDownNanoseconds == 3_996_093_750)
    }

    @Test func queriesAnswerWhoOwnsAVIP() throws {
        var timeline = Self.resignScript()
        timeline.add(FrameBuilder.arpRequest(from: F.client.mac, ip: F.client.ip, asking: F.vip), at: 20)
        let engine = F.engine(timeline)
        let now = Timeline.time(30)
        let master = try #require(engine.master(ofVIP: F.vip, vlan: 0, at: now))
        #expect(master.status.router == 1 && master.status.live)
        #expect(engine.master(ofVIP: F.vip, vlan: 7, at: now) == nil)
        #expect(engine.isAdvertiser(F.nodeA.mac, ofGroupOwning: F.vip, vlan: 0))
        #expect(!engine.isAdvertiser(F.client.mac, ofGroupOwning: F.vip, vlan: 0))
        #expect(engine.isMasterMAC(F.nodeB.mac, vlan: 0, at: now) && !engine.isMasterMAC(F.nodeA.mac, vlan: 0, at: now))
        #expect(engine.groupIndices(withMemberMAC: F.nodeA.mac, vlan: 0) == [0])
        #expect(engine.isOnLink(F.client.ip, vlan: 0) && engine.isOnLink(F.nodeA.ip, vlan: 0))
        #expect(!engine.isOnLink(F.remote, vlan: 0))
        #expect(engine.isRedundancyMAC(F.nodeB.mac, vlan: 0) && !engine.isRedundancyMAC(F.client.mac, vlan: 0))
    }

    @Test func sigkillTakeoverAfterMasterDownIsAVanishing() throws {
        var timeline = Timeline()
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 0, to: 10)
        F.keepalived(&timeline, F.nodeB, priority: 100, from: 13.61, to: 25)
        F.keepalivedGARPs(&timeline, F.nodeB, at: 13.61)
        let engine = F.engine(timeline)
        let failover = try #require(engine.takeovers(from: 0).last)
        #expect(failover.reason == .vanished)
        #expect(abs(failover.newFirstAdvert.time - failover.oldLastAdvert!.time - 3_610_000_000) < 1_000_000)
        // A was still the (silent) master at 12 s: nobody had taken over.
        #expect(engine.groups[0].masterRouter(at: Timeline.time(12)) == 0)
        #expect(engine.groups[0].changeCount == 1)
    }

    @Test func coldStartOverlapKeepsThePreferredMaster() throws {
        var timeline = Timeline()
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 3.4, to: 20)
        F.keepalived(&timeline, F.nodeB, priority: 100, from: 3.6, to: 3.6)
        F.keepalivedGARPs(&timeline, F.nodeA, at: 3.4)
        F.garps(&timeline, mac: F.nodeB.mac, at: 3.601)
        let engine = F.engine(timeline)
        #expect(engine.takeovers(from: 0).map(\.reason) == [.initial])
        #expect(engine.groups[0].master == 0)
        #expect(engine.takeovers(from: 0).first?.foreignGARPs == 5)
    }

    @Test func ucarpLearnsTheVIPAndRealMACFromTheTakeoverGARP() throws {
        var timeline = Timeline()
        F.ucarp(&timeline, F.nodeA, from: 0, to: 10)
        F.ucarp(&timeline, F.nodeB, advskew: 100, from: 14.66, to: 30)
        timeline.add(FrameBuilder.gratuitousARP(from: F.nodeB.mac, ip: F.vip, style: .ucarp), at: 14.659)
        timeline.add(FrameBuilder.gratuitousARP(from: F.nodeB.mac, ip: F.vip, style: .ucarp), at: 17.45)
        let engine = F.engine(timeline)
        let group = try #require(engine.groups.first)
        #expect(group.key.redundancyProtocol == .carp && group.key.group == 7)
        #expect(group.vips.map(\.address) == [.v4(F.vip)] && group.vips.first?.source == .takeoverGARP)
        #expect(group.routers[1].realMAC == F.nodeB.mac && group.routers[1].realMACSource == .takeoverGARP)
        #expect(group.routers[0].realMAC == nil)
        let failover = try #require(engine.takeovers(from: 0).last)
        #expect(failover.reason == .vanished && failover.garpCount == 2)
        #expect(engine.master(ofVIP: F.vip, vlan: 0, at: Timeline.time(30))?.status.router == 1)
    }

    @Test func hsrpActiveAndStandby() throws {
        var timeline = Timeline()
        let virtualMAC = HSRPMessage.virtualMACv1(group: 1)
        for second in stride(from: 0.0, through: 30, by: 3) {
            timeline.add(
                FrameBuilder.hsrpHello(group: 1, priority: 110, state: .active, virtualIP: F.vip, from: (virtualMAC, F.nodeA.ip)),
                at: second)
            timeline.add(
                FrameBuilder.hsrpHello(group: 1, priority: 100, state: .standby, virtualIP: F.vip, from: F.nodeB),
                at: second + 0.5)
        }
        let engine = F.engine(timeline)
        let group = try #require(engine.groups.first)
        #expect(group.key.redundancyProtocol == .hsrp && group.virtualMACInUse == virtualMAC)
        #expect(group.master == 0 && group.routers[1].realMAC == F.nodeB.mac && !group.routers[1].claimsMaster)
        #expect(group.masterDownNanoseconds == 10_000_000_000)
        #expect(engine.takeovers(from: 0).count == 1)
    }

    @Test func pfsyncMakesASilentCARPBackupAMemberAndVLANsStayApart() throws {
        var timeline = Timeline()
        let backup: FrameBuilder.Host = (MACAddress(0x90, 0xE2, 0xBA, 0x0D, 0x0A, 0x7D), IPv4Address(10, 0, 0, 3))
        timeline.add(
            FrameBuilder.ipv4(
                from: backup, to: (IPv4Address(224, 0, 0, 240).multicastMAC, IPv4Address(224, 0, 0, 240)),
                protocol: .pfsync, payload: [UInt8](repeating: 0, count: 12), ttl: 255),
            at: 0.5)
        F.kernelCARP(&timeline, F.nodeA, vhid: 2, from: 1, to: 5)
        timeline.add(
            FrameBuilder.carpAdvert(vhid: 2, from: F.nodeA.ip, sourceMAC: CARPAdvertisement.virtualMAC(vhid: 2), vlans: [20]),
            at: 2)
        timeline.add(
            FrameBuilder.gratuitousARP(from: CARPAdvertisement.virtualMAC(vhid: 2), ip: F.vip), at: 2.5)
        let engine = F.engine(timeline)
        #expect(engine.groups.count == 2)
        let group = try #require(engine.groupIndex(VirtualIPGroupKey(vlan: 0, protocol: .carp, group: 2)).map { engine.groups[$0] })
        let silent = try #require(group.routerIndex(address: .v4(backup.ip)).map { group.routers[$0] })
        #expect(group.routers.count == 2 && silent.realMACSource == .pfsync && silent.advertCount == 0)
        #expect(group.virtualMACInUse == CARPAdvertisement.virtualMAC(vhid: 2))
        #expect(group.vips.map(\.address) == [.v4(F.vip)] && group.vips.first?.source == .virtualMACAnswer)
        #expect(engine.groupIndices(withMemberMAC: backup.mac, vlan: 0) == [0])
        #expect(engine.groupIndices(withMemberMAC: backup.mac, vlan: 20).isEmpty)
        #expect(engine.groupIndex(owningVIP: F.vip, vlan: 20) == nil)
    }

    @Test func vantageHostFromUnpaddedOwnFrames() throws {
        var timeline = Timeline(vantages: ["fw1", "fw2"])
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 0, to: 3)
        timeline.add(FrameBuilder.arpRequest(from: F.nodeB.mac, ip: F.nodeB.ip, asking: F.client.ip, padTo: 0), at: 1, vantage: 1)
        timeline.add(FrameBuilder.arpRequest(from: F.client.mac, ip: F.client.ip, asking: F.nodeB.ip), at: 1.1, vantage: 1)
        let engine = F.engine(timeline)
        #expect(engine.vantageHost(1)?.macs == [F.nodeB.mac] && engine.vantageHost(1)?.ips == [F.nodeB.ip])
        #expect(engine.vantageHost(0) == nil)
    }

    @Test func groupsAreBounded() {
        let engine = VirtualIPGroups(limits: .init(groups: 2))
        let decoder = PacketDecoder()
        for vrid in UInt8(1)...4 {
            let bytes = FrameBuilder.vrrpAdvert(vrid: vrid, addresses: [F.vip], from: F.nodeA.ip)
            let packet = decoder.decode(bytes.span, linkType: .ethernet)
            engine.observe(
                Observation(
                    reference: FrameReference(vantage: 0, frame: Int(vrid), time: Timeline.time(Double(vrid))),
                    packet: packet, originalLength: bytes.count))
        }
        #expect(engine.groups.count == 2 && engine.droppedGroups == 2)
    }

    @Test func advertAddressDigestIgnoresOrder() {
        let decoder = PacketDecoder()
        func digest(_ addresses: [IPv4Address]) -> UInt64? {
            let bytes = FrameBuilder.vrrpAdvert(vrid: 1, addresses: addresses, from: F.nodeA.ip)
            guard case .vrrp(let advert) = decoder.decode(bytes.span, linkType: .ethernet).transport else { return nil }
            return advert.addressesDigest
        }
        #expect(digest([F.vip, F.vip2]) == digest([F.vip2, F.vip]))
        #expect(digest([F.vip, F.vip2]) == VRRPAdvertisement.addressesDigest(of: [F.vip, F.vip2]))
        #expect(digest([F.vip]) != digest([F.vip2]))
        #expect(digest([]) == 0)
    }
}
