import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

@Suite struct DuplicateAddressTests {
    let a = Station("02:00:00:00:00:0a", "10.0.0.40")
    let b = Station("02:00:00:00:00:0b", "10.0.0.40")
    let client = Station("02:00:00:00:00:50", "10.0.0.50")

    @Test func twoHostsAnsweringAlternatelyAreADuplicate() {
        var script = Script()
        var replies: [Int] = []
        // The client re-resolves every 20 s; both hosts answer, in turn first.
        for round in 0..<4 {
            let time = 20.0 * Double(round)
            script.add(FrameBuilder.arpRequest(from: client.mac, ip: client.ip, asking: a.ip), at: time)
            let (first, second) = round % 2 == 0 ? (a, b) : (b, a)
            replies.append(script.add(FrameBuilder.arpReply(from: first.mac, ip: first.ip, to: client.mac, targetIP: client.ip), at: time + 0.0002))
            replies.append(script.add(FrameBuilder.arpReply(from: second.mac, ip: second.ip, to: client.mac, targetIP: client.ip), at: time + 0.0004))
            script.add(FrameBuilder.icmpEchoRequest(from: client.host, to: second.host, sequence: UInt16(round)), at: time + 1)
        }
        let findings = script.findings()
        let duplicates = findings.of("arp.duplicate_ip")
        #expect(duplicates.count == 1, "\(findings.listing)")
        guard let finding = duplicates.first else { return }
        #expect(finding.severity == .critical)
        #expect(finding.summary.hasPrefix("Duplicate IP 10.0.0.40: 02:00:00:00:00:0a and 02:00:00:00:00:0b both use it"), "\(finding.summary)")
        #expect(finding.summary.contains("02:00:00:00:00:0a and 02:00:00:00:00:0b both claimed 10.0.0.40 (ARP reply) within 200 µs"), "\(finding.summary)")
        #expect(finding.macs == ["02:00:00:00:00:0a", "02:00:00:00:00:0b"])
        #expect(finding.evidenceFrames == replies, "every reply of the race is evidence")
        #expect(finding.details["events"] == .int(4), "one conflicting answer per round")
        #expect(finding.details["reasons"] == .list([.string("interleaved")]))
        #expect(findings.of("arp.flip_flop").isEmpty, "a duplicate is not also a flip-flop")
        #expect(findings.of("neighbor.moved").isEmpty)
        #expect(findings.of("neighbor.stale_after_move").isEmpty)
    }

    @Test func rfc5227ProbeDefendedByTheOwnerIsADuplicate() {
        var script = Script()
        script.add(FrameBuilder.arpRequest(from: client.mac, ip: client.ip, asking: a.ip), at: 0)
        script.add(FrameBuilder.arpReply(from: a.mac, ip: a.ip, to: client.mac, targetIP: client.ip), at: 0.0002)
        script.add(FrameBuilder.icmpEchoRequest(from: client.host, to: a.host), at: 1)
        script.add(FrameBuilder.icmpEchoReply(from: a.host, to: client.host), at: 1.0002)
        // A DHCP client was handed the same address and probes it; the owner answers the probe
        // (Linux replies to who-has 10.0.0.40 tell 0.0.0.0).
        let probe = script.add(FrameBuilder.arpProbe(from: b.mac, candidate: b.ip), at: 5)
        let defence = script.add(FrameBuilder.arpReply(from: a.mac, ip: a.ip, to: b.mac, targetIP: .any), at: 5.0003)
        let findings = script.findings()
        let duplicates = findings.of("arp.duplicate_ip")
        #expect(duplicates.count == 1, "\(findings.listing)")
        guard let finding = duplicates.first else { return }
        #expect(finding.severity == .critical)
        #expect(finding.summary.contains("02:00:00:00:00:0b sent an ARP probe for 10.0.0.40 while 02:00:00:00:00:0a was using it"), "\(finding.summary)")
        #expect(finding.summary.contains("02:00:00:00:00:0a defended 10.0.0.40 against 02:00:00:00:00:0b's probe"), "\(finding.summary)")
        #expect(finding.evidenceFrames.contains(probe) && finding.evidenceFrames.contains(defence))
        #expect(finding.details["reasons"] == .list([.string("probe_for_live_address"), .string("defence")]))
    }

    @Test func dadFailureIsANDPDuplicate() {
        let address = IPv6Address("2001:db8::40")!
        let peer = (mac: client.mac, ip: IPv6Address("2001:db8::50")!)
        var script = Script()
        // a owns the address (unsolicited NA after its own DAD) and uses it.
        script.add(FrameBuilder.neighborAdvertisement(from: (a.mac, address)), at: 0)
        script.add(FrameBuilder.icmpv6EchoRequest(from: (a.mac, address), to: peer), at: 2)
        script.add(FrameBuilder.icmpv6EchoReply(from: peer, to: (a.mac, address)), at: 2.0002)
        // b (a clone) runs DAD for the same address; a answers with an NA to all nodes.
        let probe = script.add(FrameBuilder.dadProbe(mac: b.mac, target: address), at: 10)
        let answer = script.add(FrameBuilder.neighborAdvertisement(from: (a.mac, address)), at: 10.0004)
        let findings = script.findings()
        let duplicates = findings.of("ndp.duplicate_address")
        #expect(duplicates.count == 1, "\(findings.listing)")
        guard let finding = duplicates.first else { return }
        #expect(finding.severity == .critical)
        #expect(finding.summary.hasPrefix("Duplicate IPv6 address 2001:db8::40: 02:00:00:00:00:0a and 02:00:00:00:00:0b"))
        #expect(finding.summary.contains("answered 02:00:00:00:00:0b's DAD probe for 2001:db8::40"), "\(finding.summary)")
        #expect(finding.evidenceFrames.contains(probe) && finding.evidenceFrames.contains(answer))
        #expect(findings.of("arp.duplicate_ip").isEmpty)
    }

    @Test func dadForAnAddressInUseWithoutAnswerIsADuplicateToo() {
        let address = IPv6Address("2001:db8::40")!
        let peer = (mac: client.mac, ip: IPv6Address("2001:db8::50")!)
        var script = Script()
        script.add(FrameBuilder.neighborAdvertisement(from: (a.mac, address)), at: 0)
        script.add(FrameBuilder.icmpv6EchoRequest(from: (a.mac, address), to: peer), at: 8)
        script.add(FrameBuilder.dadProbe(mac: b.mac, target: address), at: 10)
        #expect(script.findings().of("ndp.duplicate_address").first?.details["reasons"] == .list([.string("probe_for_live_address")]))
    }

    @Test func formerOwnerStillSendingIsConcurrentUse() {
        var script = Script()
        script.add(FrameBuilder.gratuitousARP(from: a.mac, ip: a.ip), at: 0)
        script.add(FrameBuilder.gratuitousARP(from: b.mac, ip: b.ip), at: 30)
        let used = script.add(FrameBuilder.icmpEchoRequest(from: a.host, to: client.host), at: 33)
        let finding = script.findings().of("arp.duplicate_ip").first
        #expect(finding?.details["reasons"] == .list([.string("concurrent_use")]))
        #expect(finding?.summary.contains("02:00:00:00:00:0a kept sending from 10.0.0.40 after 02:00:00:00:00:0b took it over") == true)
        #expect(finding?.evidenceFrames.contains(used) == true)
    }

    @Test func dhcpReassignmentAfterLongSilenceIsNotADuplicate() {
        var script = Script()
        script.add(FrameBuilder.arpRequest(from: client.mac, ip: client.ip, asking: a.ip), at: 0)
        script.add(FrameBuilder.arpReply(from: a.mac, ip: a.ip, to: client.mac, targetIP: client.ip), at: 0.0002)
        // a leaves; 10 minutes later b gets the lease and acquires it the RFC 5227 way.
        for (index, time) in [600.0, 601.5, 603.0].enumerated() {
            script.add(FrameBuilder.arpProbe(from: b.mac, candidate: b.ip), at: time + Double(index) * 0.1)
        }
        script.add(FrameBuilder.arpAnnouncement(from: b.mac, ip: b.ip), at: 605.5)
        script.add(FrameBuilder.arpAnnouncement(from: b.mac, ip: b.ip), at: 607.5)
        let findings = script.findings().neighborModel
        #expect(findings.atLeast(.warning).isEmpty, "\(findings.listing)")
        #expect(findings.of("neighbor.moved").first?.details["classification"] == .string("reassignment"))
    }

    @Test func switchIPDeviceTrackingProbesAreNotConflicts() {
        // A switch probes every live host with who-has X tell 0.0.0.0; each host answers.
        let sw = MACAddress("00:1b:2c:3d:4e:5f")!
        var script = Script()
        let hosts = (1...5).map { Station("02:00:00:00:01:0\($0)", "10.0.0.\(100 + $0)") }
        for (index, host) in hosts.enumerated() {
            script.add(FrameBuilder.gratuitousARP(from: host.mac, ip: host.ip), at: Double(index) * 0.1)
        }
        for round in 0..<3 {
            for (index, host) in hosts.enumerated() {
                let time = 10 + 30 * Double(round) + Double(index)
                script.add(FrameBuilder.arpProbe(from: sw, candidate: host.ip), at: time)
                script.add(FrameBuilder.arpReply(from: host.mac, ip: host.ip, to: sw, targetIP: .any), at: time + 0.0002)
            }
        }
        let findings = script.findings().neighborModel
        #expect(findings.isEmpty, "\(findings.listing)")
    }

    @Test func aHostReprobingItsOwnAddressIsQuiet() {
        var script = Script()
        script.add(FrameBuilder.arpAnnouncement(from: a.mac, ip: a.ip), at: 0)
        script.add(FrameBuilder.icmpEchoRequest(from: a.host, to: client.host), at: 1)
        script.add(FrameBuilder.arpProbe(from: a.mac, candidate: a.ip), at: 2)
        script.add(FrameBuilder.arpAnnouncement(from: a.mac, ip: a.ip), at: 4)
        #expect(script.findings().neighborModel.isEmpty)
    }
}
