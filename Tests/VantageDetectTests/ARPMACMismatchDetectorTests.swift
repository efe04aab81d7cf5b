import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

@Suite struct ARPMACMismatchDetectorTests {
    @Test func spoofedReplyWithAnotherSenderMACFiresOncePerPairWithCounts() throws {
        var t = Timeline(vantages: ["gw1", "web1"])
        // The attacker is known by its own, consistent ARP first.
        t.add(FrameBuilder.arpRequest(from: Hosts.attackerMAC, ip: Hosts.attackerIP, asking: Hosts.gwIP), at: 0.5)
        t.add(FrameBuilder.arpReply(from: Hosts.gwMAC, ip: Hosts.gwIP, to: Hosts.attackerMAC, targetIP: Hosts.attackerIP), at: 0.5002)
        for index in 0..<4 {
            let spoof = FrameBuilder.arpReply(
                from: Hosts.webMAC, ip: Hosts.webIP, to: Hosts.gwMAC, targetIP: Hosts.gwIP,
                ethernetSource: Hosts.attackerMAC)
            t.add(spoof, at: 1.0 + Double(index), vantage: 0)
        }
        t.add(
            FrameBuilder.arpReply(
                from: Hosts.webMAC, ip: Hosts.webIP, to: Hosts.gwMAC, targetIP: Hosts.gwIP,
                ethernetSource: Hosts.attackerMAC),
            at: 5.0, vantage: 1)
        let findings = t.findings().of("arp.mac_mismatch")
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(finding.severity == .warning)
        #expect(finding.details["count"] == .int(5))
        #expect(finding.details["replies"] == .int(5))
        #expect(finding.details["per_vantage"] == .object(["gw1": .int(4), "web1": .int(1)]))
        #expect(finding.details["frame_source_ip"] == .string("10.0.0.66"))
        #expect(
            finding.summary.hasPrefix(
                "ARP replies saying 10.0.0.20 is at 02:00:00:00:00:14 were sent from 02:00:00:00:00:66 (10.0.0.66's MAC): 5 times at gw1 and web1"))
        #expect(finding.macs.sorted() == ["02:00:00:00:00:14", "02:00:00:00:00:66"])
        #expect(finding.evidence.count == 5)
        #expect(finding.remedy.contains("allow.proxy_arp_routers"))
    }

    @Test func windowsNLBUnicastReplyWithMaskedSourceIsExplained() {
        var t = Timeline(vantages: ["gw1"])
        let cluster = IPv4Address(10, 0, 0, 50)
        for host in UInt8(1)...UInt8(3) {
            let reply = FrameBuilder.arpReply(
                from: NLBClusterMAC.unicastMAC(clusterIP: cluster), ip: cluster, to: Hosts.gwMAC, targetIP: Hosts.gwIP,
                ethernetSource: NLBClusterMAC.maskedSourceMAC(hostID: host, clusterIP: cluster))
            t.add(reply, at: Double(host))
        }
        // A dedicated-IP request from an NLB host: sender MAC is the cluster MAC as well.
        t.add(
            FrameBuilder.arpRequest(
                from: NLBClusterMAC.unicastMAC(clusterIP: cluster), ip: IPv4Address(10, 0, 0, 51), asking: Hosts.gwIP,
                ethernetSource: NLBClusterMAC.maskedSourceMAC(hostID: 2, clusterIP: cluster)),
            at: 5)
        t.add(
            FrameBuilder.arpReply(
                from: Hosts.gwMAC, ip: Hosts.gwIP, to: NLBClusterMAC.unicastMAC(clusterIP: cluster),
                targetIP: IPv4Address(10, 0, 0, 51)),
            at: 5.001)
        #expect(t.findings().of("arp.mac_mismatch").isEmpty)
    }

    @Test func proxyARPRoutersAndKnownVirtualMACsFromTheConfigurationAreExplained() {
        let proxy = MACAddress(0x02, 0xAA, 0, 0, 0, 0xFE)
        let balancer = MACAddress(0x02, 0xBB, 0, 0, 0, 0x01)
        var t = Timeline(vantages: ["gw1"])
        t.add(
            FrameBuilder.arpReply(
                from: Hosts.webMAC, ip: Hosts.webIP, to: Hosts.gwMAC, targetIP: Hosts.gwIP, ethernetSource: proxy),
            at: 1)
        t.add(
            FrameBuilder.arpReply(
                from: balancer, ip: Hosts.otherIP, to: Hosts.gwMAC, targetIP: Hosts.gwIP, ethernetSource: Hosts.otherMAC),
            at: 2)
        var configuration = AnalysisConfiguration()
        #expect(t.findings(configuration: configuration).of("arp.mac_mismatch").count == 2)
        configuration.proxyARPRouters = [proxy]
        configuration.knownVirtualMACs = [balancer]
        #expect(t.findings(configuration: configuration).of("arp.mac_mismatch").isEmpty)
    }

    @Test func vrrpVirtualSenderMACIsExplained() {
        var t = Timeline(vantages: ["gw1"])
        let vmac = VRRPAdvertisement.virtualMAC(vrid: 51)
        t.add(
            FrameBuilder.arpReply(
                from: vmac, ip: IPv4Address(10, 0, 0, 254), to: Hosts.webMAC, targetIP: Hosts.webIP,
                ethernetSource: Hosts.gwMAC),
            at: 1)
        #expect(t.findings().of("arp.mac_mismatch").isEmpty)
    }

    @Test func normalARPIsQuiet() {
        var t = Timeline(vantages: ["gw1"])
        for second in [1.0, 2.0, 3.0] {
            t.add(Hosts.gwAsksWeb(outgoing: true), at: second)
            t.add(Hosts.webReplies(), at: second + 0.0003)
        }
        #expect(t.findings().of("arp.mac_mismatch").isEmpty)
    }
}
