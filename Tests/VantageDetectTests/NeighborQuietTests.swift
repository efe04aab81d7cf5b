import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

/// Normal networks on which the neighbor model must say nothing (at warning or above).
@Suite struct NeighborQuietTests {
    let client = Station("02:00:00:00:00:50", "10.0.0.50")

    @Test func aRouterForwardingManyOffLinkAddressesIsQuiet() {
        let router = Station("02:00:00:00:00:fe", "10.0.0.1")
        let servers = (1...5).map { Station("02:00:00:00:03:0\($0)", "10.0.0.\(10 + $0)") }
        var script = Script()
        var time = 0.0
        for server in servers {
            script.add(FrameBuilder.arpRequest(from: router.mac, ip: router.ip, asking: server.ip), at: time)
            script.add(FrameBuilder.arpReply(from: server.mac, ip: server.ip, to: router.mac, targetIP: router.ip), at: time + 0.0002)
            time += 0.01
        }
        // 300 remote clients reach the servers through the router; replies go back through it.
        for index in 0..<300 {
            let remote = IPv4Address(203, 0, UInt8(113 + index / 250), UInt8(1 + index % 250))
            let server = servers[index % servers.count]
            script.add(FrameBuilder.tcp(from: (router.mac, remote, 50_000), to: server.port(443), flags: .syn), at: time)
            script.add(FrameBuilder.tcp(from: server.port(443), to: (router.mac, remote, 50_000), flags: [.syn, .ack]), at: time + 0.0001)
            time += 0.05
        }
        let findings = script.findings().neighborModel
        #expect(findings.isEmpty, "\(findings.listing)")
    }

    @Test func theSameAddressInTwoVLANsIsTwoAddresses() {
        let left = Station("02:00:00:00:00:0a", "10.0.0.20")
        let right = Station("02:00:00:00:00:0b", "10.0.0.20")
        var script = Script()
        for round in 0..<5 {
            let time = 10 * Double(round)
            script.add(FrameBuilder.arpRequest(from: client.mac, ip: client.ip, asking: left.ip, vlans: [10]), at: time)
            script.add(FrameBuilder.arpReply(from: left.mac, ip: left.ip, to: client.mac, targetIP: client.ip, vlans: [10]), at: time + 0.0002)
            script.add(FrameBuilder.arpRequest(from: client.mac, ip: client.ip, asking: right.ip, vlans: [20]), at: time + 0.001)
            script.add(FrameBuilder.arpReply(from: right.mac, ip: right.ip, to: client.mac, targetIP: client.ip, vlans: [20]), at: time + 0.0012)
            script.add(FrameBuilder.icmpEchoRequest(from: client.host, to: left.host, vlans: [10]), at: time + 0.002)
            script.add(FrameBuilder.icmpEchoRequest(from: client.host, to: right.host, vlans: [20]), at: time + 0.003)
            script.add(FrameBuilder.icmpEchoReply(from: left.host, to: client.host, vlans: [10]), at: time + 0.004)
            script.add(FrameBuilder.icmpEchoReply(from: right.host, to: client.host, vlans: [20]), at: time + 0.005)
        }
        let findings = script.findings().neighborModel
        #expect(findings.isEmpty, "\(findings.listing)")
        // Untagged, the same frames are a duplicate: the VLAN is what keeps them apart.
        var flat = Script()
        for round in 0..<3 {
            let time = 10 * Double(round)
            flat.add(FrameBuilder.arpReply(from: left.mac, ip: left.ip, to: client.mac, targetIP: client.ip), at: time)
            flat.add(FrameBuilder.arpReply(from: right.mac, ip: right.ip, to: client.mac, targetIP: client.ip), at: time + 0.0002)
        }
        #expect(flat.findings().of("arp.duplicate_ip").count == 1)
    }

    @Test func hsrpVirtualMACMovingBetweenRoutersIsQuiet() {
        let virtualMAC = MACAddress("00:00:0c:07:ac:0a")!
        let vip = IPv4Address("10.0.0.254")!
        let r1 = Station("00:1a:2b:00:00:01", "10.0.0.252")
        let r2 = Station("00:1a:2b:00:00:02", "10.0.0.253")
        var script = Script()
        for second in 0..<30 {
            let active = second < 15 ? r1 : r2
            script.add(FrameBuilder.hsrpHello(group: 10, virtualIP: vip, from: (virtualMAC, active.ip)), at: Double(second))
            if second % 10 == 0 {
                script.add(FrameBuilder.arpRequest(from: client.mac, ip: client.ip, asking: vip), at: Double(second) + 0.1)
                script.add(FrameBuilder.arpReply(from: virtualMAC, ip: vip, to: client.mac, targetIP: client.ip, ethernetSource: active.mac), at: Double(second) + 0.1002)
            }
            if second == 15 { script.add(FrameBuilder.gratuitousARP(from: virtualMAC, ip: vip), at: 15.01) }
        }
        let findings = script.findings().neighborModel
        #expect(findings.isEmpty, "\(findings.listing)")
    }

    @Test func windowsNLBClusterAddressesAreQuiet() {
        let clusterIP = IPv4Address("10.0.0.80")!
        let unicastClusterMAC = MACAddress(0x02, 0xBF, 10, 0, 0, 80)
        let multicastClusterMAC = MACAddress(0x03, 0xBF, 10, 0, 0, 80)
        var script = Script()
        // Unicast mode: every host answers with the cluster MAC, masking its frame source.
        for (index, host) in [UInt8(1), 2, 3].enumerated() {
            let masked = MACAddress(0x02, host, 10, 0, 0, 80)
            script.add(FrameBuilder.arpReply(from: unicastClusterMAC, ip: clusterIP, to: client.mac, targetIP: client.ip, ethernetSource: masked), at: Double(index))
        }
        // Someone switches the cluster to multicast mode.
        for index in 0..<3 {
            script.add(FrameBuilder.arpReply(from: multicastClusterMAC, ip: clusterIP, to: client.mac, targetIP: client.ip), at: 10 + Double(index))
            script.add(FrameBuilder.arpReply(from: unicastClusterMAC, ip: clusterIP, to: client.mac, targetIP: client.ip), at: 10.0001 + Double(index))
        }
        let findings = script.findings().neighborModel
        #expect(findings.isEmpty, "\(findings.listing)")
    }

    @Test func keepalivedWithUseVmacNeverChangesTheMAC() {
        let pair = KeepalivedPair()
        let vmac = VRRPAdvertisement.virtualMAC(vrid: 51)
        var script = Script()
        for second in 0..<20 {
            let node = second < 10 ? pair.node1 : pair.node2
            script.add(FrameBuilder.vrrpAdvert(vrid: 51, addresses: [pair.vip], from: node.ip), at: Double(second))
            if second == 0 || second == 10 {
                for index in 0..<5 { script.add(FrameBuilder.gratuitousARP(from: vmac, ip: pair.vip), at: Double(second) + 0.001 * Double(index + 1)) }
            }
            pair.ping(&script, via: Station(vmac.description, pair.vip.description), at: Double(second) + 0.5, sequence: UInt16(second))
        }
        let findings = script.findings().neighborModel
        #expect(findings.isEmpty, "\(findings.listing)")
    }

    @Test func ipv6HostsBootingAndTalkingAreQuiet() {
        let router = (mac: MACAddress("02:00:00:00:00:fe")!, ip: IPv6Address("fe80::1")!)
        var script = Script()
        script.add(FrameBuilder.routerAdvertisement(from: router, prefix: IPv6Address("2001:db8::")!), at: 0)
        for index in 1...4 {
            let mac = MACAddress(0x02, 0, 0, 0, 6, UInt8(index))
            let linkLocal = IPv6Address("fe80::\(index)00")!
            let global = IPv6Address("2001:db8::\(index)00")!
            let start = Double(index)
            // DAD for both addresses, then the unsolicited NAs (Linux ndisc_notify), an RS,
            // address resolution of the router, and traffic.
            script.add(FrameBuilder.dadProbe(mac: mac, target: linkLocal), at: start)
            script.add(FrameBuilder.dadProbe(mac: mac, target: global), at: start + 0.01)
            script.add(FrameBuilder.neighborAdvertisement(from: (mac, linkLocal)), at: start + 1.1)
            script.add(FrameBuilder.neighborAdvertisement(from: (mac, global)), at: start + 1.11)
            script.add(FrameBuilder.routerSolicitation(from: (mac, linkLocal)), at: start + 1.2)
            script.add(FrameBuilder.neighborSolicitation(from: (mac, global), target: router.ip), at: start + 1.3)
            script.add(FrameBuilder.neighborAdvertisement(from: router, to: (mac, global), router: true, solicited: true), at: start + 1.3002)
            for second in 0..<5 {
                script.add(FrameBuilder.icmpv6EchoRequest(from: (mac, global), to: router), at: start + 2 + Double(second))
                script.add(FrameBuilder.icmpv6EchoReply(from: router, to: (mac, global)), at: start + 2.0002 + Double(second))
            }
            // The host re-runs DAD for its own address after a link flap.
            script.add(FrameBuilder.dadProbe(mac: mac, target: global), at: start + 8)
        }
        let findings = script.findings().neighborModel
        #expect(findings.isEmpty, "\(findings.listing)")
    }

    @Test func ipv6AddressReusedAfterLongSilenceIsOnlyInformation() {
        let address = IPv6Address("2001:db8::77")!
        let peer = (mac: client.mac, ip: IPv6Address("2001:db8::50")!)
        var script = Script()
        script.add(FrameBuilder.neighborAdvertisement(from: (MACAddress("02:00:00:00:00:0a")!, address)), at: 0)
        script.add(FrameBuilder.icmpv6EchoRequest(from: (MACAddress("02:00:00:00:00:0a")!, address), to: peer), at: 1)
        script.add(FrameBuilder.dadProbe(mac: MACAddress("02:00:00:00:00:0b")!, target: address), at: 900)
        script.add(FrameBuilder.neighborAdvertisement(from: (MACAddress("02:00:00:00:00:0b")!, address)), at: 901)
        let findings = script.findings().neighborModel
        #expect(findings.atLeast(.warning).isEmpty, "\(findings.listing)")
        #expect(findings.of("neighbor.moved").first?.details["classification"] == .string("reassignment"))
    }

    @Test func proxyARPRoutersAreQuietOnlyWhenDeclared() {
        let router = Station("02:00:00:00:00:fe", "10.0.0.1")
        let host = Station("02:00:00:00:00:77", "10.0.0.77")
        var script = Script()
        // The router answers for 10.0.0.77 (proxy ARP) as does the host itself.
        for round in 0..<3 {
            let time = 5 * Double(round)
            script.add(FrameBuilder.arpRequest(from: client.mac, ip: client.ip, asking: host.ip), at: time)
            script.add(FrameBuilder.arpReply(from: router.mac, ip: host.ip, to: client.mac, targetIP: client.ip), at: time + 0.0001)
            script.add(FrameBuilder.arpReply(from: host.mac, ip: host.ip, to: client.mac, targetIP: client.ip), at: time + 0.0003)
        }
        #expect(script.findings().of("arp.duplicate_ip").count == 1)
        var configuration = AnalysisConfiguration()
        configuration.proxyARPRouters = [router.mac]
        let findings = script.findings(configuration).neighborModel
        #expect(findings.isEmpty, "\(findings.listing)")
    }
}
