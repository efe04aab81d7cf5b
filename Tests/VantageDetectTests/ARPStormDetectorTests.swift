import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

@Suite struct ARPStormDetectorTests {
    private func scan(_ t: inout Timeline, count: Int, every gap: Double, vantages: [Int] = [0]) {
        for index in 0..<count {
            let target = IPv4Address(10, 0, 1, UInt8(index))
            for vantage in vantages {
                t.add(
                    FrameBuilder.arpRequest(from: Hosts.attackerMAC, ip: Hosts.attackerIP, asking: target),
                    at: 1.0 + Double(index) * gap + Double(vantage) * 0.0001, vantage: vantage)
            }
        }
    }

    @Test func aFastScanOfFiftyAddressesFiresOnce() throws {
        var t = Timeline(vantages: ["gw1"])
        scan(&t, count: 50, every: 0.02)
        t.add(Hosts.gwAsksWeb(outgoing: true), at: 10)  // the capture goes on: the scanned requests can be judged
        t.add(Hosts.webReplies(), at: 10.0004)
        let findings = t.findings()
        let storms = findings.of("arp.storm")
        #expect(storms.count == 1)
        let storm = try #require(storms.first)
        #expect(storm.severity == .warning)
        #expect(storm.details["distinct_targets"] == .int(50))
        #expect(storm.details["requests"] == .int(50))
        #expect(storm.summary.contains("02:00:00:00:00:66 (10.0.0.66) sent 50 ARP requests for 50 distinct addresses (10.0.1.0 to 10.0.1.49)"))
        #expect(storm.summary.contains("an address scan"))
        #expect(storm.remedy.contains("allow.ignore_ips"))
        // The scanned addresses are reported as unanswered only at info, marked as part of the scan.
        let unanswered = findings.of("arp.unanswered")
        #expect(unanswered.count == 50)
        #expect(unanswered.allSatisfy { $0.severity == .info })
        #expect(unanswered.last?.details["part_of_scan"] == .bool(true))
    }

    @Test func aSlowScanTripsTheDistinctTargetRuleOnly() throws {
        var t = Timeline(vantages: ["gw1"])
        scan(&t, count: 50, every: 0.15)
        let storms = t.findings().of("arp.storm")
        #expect(storms.count == 1)
        let storm = try #require(storms.first)
        #expect(storm.details["rule"] == .list([.string("scan")]))
        #expect(storm.details["distinct_targets"] == .int(50))
    }

    @Test func aScanSeenAtTwoCapturesIsCountedOnce() throws {
        var t = Timeline(vantages: ["gw1", "web1"])
        scan(&t, count: 50, every: 0.15, vantages: [0, 1])
        let storms = t.findings().of("arp.storm")
        #expect(storms.count == 1)
        #expect(storms.first?.details["requests"] == .int(50))
    }

    @Test func aFloodOfRepeatedRequestsFires() throws {
        var t = Timeline(vantages: ["gw1"])
        for index in 0..<100 {
            t.add(Hosts.gwAsksWeb(), at: 1.0 + Double(index) * 0.01)
        }
        let storms = t.findings().of("arp.storm")
        #expect(storms.count == 1)
        let storm = try #require(storms.first)
        #expect(storm.details["rule"] == .list([.string("flood")]))
        #expect(storm.summary.contains("the same requests repeat"))
    }

    @Test func twoSeparateFloodsAreTwoEpisodes() {
        var t = Timeline(vantages: ["gw1"])
        for start in [1.0, 60.0] {
            for index in 0..<50 { t.add(Hosts.gwAsksWeb(), at: start + Double(index) * 0.01) }
        }
        #expect(t.findings().of("arp.storm").count == 2)
    }

    @Test func aSegmentWideStormFires() throws {
        var t = Timeline(vantages: ["gw1"])
        // 40 hosts, each 8 requests in a second: every sender below its own threshold, 320/s in total.
        for host in 0..<40 {
            let mac = MACAddress(0x02, 0, 0, 1, 0, UInt8(host))
            let ip = IPv4Address(10, 0, 2, UInt8(host))
            for index in 0..<8 {
                t.add(
                    FrameBuilder.arpRequest(from: mac, ip: ip, asking: Hosts.gwIP),
                    at: 1.0 + Double(index) * 0.125 + Double(host) * 0.001)
            }
        }
        let storms = t.findings().of("arp.storm")
        #expect(storms.count == 1)
        let storm = try #require(storms.first)
        #expect(storm.details["rule"] == .list([.string("storm")]))
        #expect(storm.summary.hasPrefix("ARP storm:"))
    }

    @Test func normalTrafficIsQuiet() {
        var t = Timeline(vantages: ["gw1"])
        // A gateway resolving 20 hosts every 30 s, each answering; hosts resolving the gateway.
        for round in 0..<4 {
            for host in 0..<20 {
                let time = Double(round) * 30 + Double(host) * 0.3
                let mac = MACAddress(0x02, 0, 0, 1, 0, UInt8(host))
                let ip = IPv4Address(10, 0, 2, UInt8(host))
                t.add(FrameBuilder.arpRequest(from: Hosts.gwMAC, ip: Hosts.gwIP, asking: ip, padTo: 0), at: time)
                t.add(FrameBuilder.arpReply(from: mac, ip: ip, to: Hosts.gwMAC, targetIP: Hosts.gwIP), at: time + 0.0004)
                t.add(FrameBuilder.arpRequest(from: mac, ip: ip, asking: Hosts.gwIP, dst: Hosts.gwMAC), at: time + 10)
                t.add(
                    FrameBuilder.arpReply(from: Hosts.gwMAC, ip: Hosts.gwIP, to: mac, targetIP: ip, padTo: 0),
                    at: time + 10.0003)
            }
        }
        #expect(t.findings().isEmpty)
    }

    @Test func tunablesAreListedWithUnits() {
        let kinds = DetectorRegistry.descriptions.map(\.kind.rawValue)
        #expect(Set(["arp.mac_mismatch", "arp.storm", "arp.unanswered", "ndp.unanswered"]).isSubset(of: kinds))
        let storm = DetectorRegistry.descriptions.first { $0.kind.rawValue == "arp.storm" }
        #expect(storm?.tunables.map(\.key).contains("scan_targets") == true)
        #expect(storm?.tunables.allSatisfy { !$0.unit.isEmpty } == true)
    }
}
