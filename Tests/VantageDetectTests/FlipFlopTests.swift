import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

@Suite struct FlipFlopTests {
    let a = Station("02:00:00:00:00:0a", "10.0.0.60")
    let b = Station("02:00:00:00:00:0b", "10.0.0.60")
    let client = Station("02:00:00:00:00:50", "10.0.0.50")

    /// The client re-resolves 10.0.0.60 every 30 s and each time only one of the two MACs
    /// answers, in turn (a bond in balance-alb, a VM bouncing between hosts).
    private func alternate(_ script: inout Script, rounds: Int, from start: Double) -> [Int] {
        var changes: [Int] = []
        for round in 0..<rounds {
            let time = start + 30 * Double(round)
            let host = round % 2 == 0 ? a : b
            script.add(FrameBuilder.arpRequest(from: client.mac, ip: client.ip, asking: a.ip), at: time)
            let reply = script.add(FrameBuilder.arpReply(from: host.mac, ip: host.ip, to: client.mac, targetIP: client.ip), at: time + 0.0002)
            if round > 0 { changes.append(reply) }
            script.add(FrameBuilder.icmpEchoRequest(from: client.host, to: host.host, sequence: UInt16(round)), at: time + 0.001)
            script.add(FrameBuilder.icmpEchoReply(from: host.host, to: client.host, sequence: UInt16(round)), at: time + 0.0012)
        }
        return changes
    }

    @Test func anAlternatingAddressIsOneFlipFlopPerEpisode() {
        var script = Script()
        let changes = alternate(&script, rounds: 6, from: 0)
        let findings = script.findings()
        let flips = findings.of("arp.flip_flop")
        #expect(flips.count == 1, "\(findings.listing)")
        guard let finding = flips.first else { return }
        #expect(finding.severity == .warning)
        #expect(finding.summary.hasPrefix("10.0.0.60 flip-flopped between 02:00:00:00:00:0a and 02:00:00:00:00:0b: 5 changes of owner in 120.0 s"), "\(finding.summary)")
        #expect(finding.evidenceFrames == changes)
        #expect(finding.details["changes"] == .int(5))
        #expect(finding.details["closed"] == .bool(true))
        #expect(findings.of("arp.duplicate_ip").isEmpty, "each MAC was silent while the other held the address")
        #expect(findings.of("neighbor.moved").count <= 2, "moves stop once the address flip-flops")
    }

    @Test func episodesSeparatedByMoreThanTheWindowAreSeparateFindings() {
        var script = Script()
        _ = alternate(&script, rounds: 4, from: 0)
        _ = alternate(&script, rounds: 4, from: 1000)
        #expect(script.findings().of("arp.flip_flop").count == 2)
        var configuration = AnalysisConfiguration()
        configuration.thresholds["arp.flip_flop"] = ["window": 2000]
        #expect(script.findings(configuration).of("arp.flip_flop").count == 1)
    }

    @Test func aFailoverAndFailbackIsNotAFlipFlop() {
        var script = Script()
        _ = alternate(&script, rounds: 3, from: 0)
        #expect(script.findings().of("arp.flip_flop").isEmpty)
        var configuration = AnalysisConfiguration()
        configuration.thresholds["arp.flip_flop"] = ["min_changes": 2]
        #expect(script.findings(configuration).of("arp.flip_flop").count == 1)
    }

    @Test func ipv6AddressesFlipFlopAsNDP() {
        let address = IPv6Address("2001:db8::60")!
        var script = Script()
        for round in 0..<5 {
            let mac = round % 2 == 0 ? a.mac : b.mac
            script.add(FrameBuilder.neighborAdvertisement(from: (mac, address)), at: 40 * Double(round))
        }
        let findings = script.findings()
        #expect(findings.of("ndp.flip_flop").count == 1, "\(findings.listing)")
        #expect(findings.of("arp.flip_flop").isEmpty)
    }

    @Test func vrrpSpeakersFlappingAreLeftToTheVIPDetectors() {
        let pair = KeepalivedPair()
        var script = Script()
        for round in 0..<6 {
            let node = round % 2 == 0 ? pair.node1 : pair.node2
            let time = 30 * Double(round)
            script.add(pair.advert(node, priority: 100), at: time)
            script.add(pair.garp(node), at: time + 0.001)
        }
        let findings = script.findings().neighborModel
        #expect(findings.atLeast(.warning).isEmpty, "\(findings.listing)")
    }
}
