import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

@Suite struct StaleAfterMoveTests {
    @Test func seed004ServerSendsSynAcksToTheOldMAC() {
        let seed = Seed004()
        let findings = seed.script.findings()
        let stale = findings.of("neighbor.stale_after_move")
        #expect(stale.count == 1, "\(findings.listing)")
        guard let finding = stale.first else { return }
        #expect(finding.severity == .critical, "never converged")
        let frames = seed.staleSynAcks.map(String.init)
        let expected =
            "10.0.0.5 sent 4 frames for 10.0.0.20 to the old MAC 02:00:00:00:00:01 (incl. SYN-ACKs at frames \(frames[0]), \(frames[1]), \(frames[2]) and \(frames[3])) for 7.0 s after it moved to 02:00:00:00:00:02 at frame \(seed.moveFrame)"
        #expect(finding.summary.hasPrefix(expected), "\(finding.summary)")
        #expect(finding.summary.contains("it re-ARPed for 10.0.0.20 at frame \(seed.reARPs[0]) (unicast to 02:00:00:00:00:01)"))
        #expect(finding.summary.hasSuffix("and never converged in the capture"))
        for frame in seed.staleSynAcks + [seed.moveFrame, seed.reARPs[0]] {
            #expect(finding.evidenceFrames.contains(frame), "evidence lacks frame \(frame)")
        }
        #expect(finding.evidence.first?.reference.frame == seed.moveFrame)
        #expect(finding.details["frames"] == .int(4))
        #expect(finding.details["syn_ack_frames"] == .list(seed.staleSynAcks.map { .int($0) }))
        #expect(finding.details["converged"] == .null)
        #expect(finding.details["sender"] == .string("10.0.0.5 (02:00:00:00:00:05)"))
        #expect(finding.ips == ["10.0.0.20", "10.0.0.5"])
        #expect(finding.causedBy == ["neighbor.moved|0|10.0.0.20|02:00:00:00:00:01|02:00:00:00:00:02"])
        #expect(findings.contains { $0.key == finding.causedBy.first }, "the move it points at is reported")
        #expect(finding.remedy.contains("arp_accept") && finding.remedy.contains("ip neigh flush") && finding.remedy.contains("gc_thresh1"))
    }

    @Test func aHostThatConvergesIsAWarningWithItsConvergenceFrame() {
        let seed = Seed004(converge: true)
        let stale = seed.script.findings().of("neighbor.stale_after_move")
        #expect(stale.count == 1)
        guard let finding = stale.first, let converged = seed.convergedFrame else { return }
        #expect(finding.severity == .warning, "7 s < critical_after, and it converged")
        #expect(finding.summary.contains("converged at frame \(converged) (9.0 s after the move)"), "\(finding.summary)")
        #expect(finding.evidenceFrames.contains(converged))
        #expect(finding.details["convergence_s"] == .double(9.0006))
    }

    @Test func criticalAfterIsTunable() {
        var configuration = AnalysisConfiguration()
        configuration.thresholds["neighbor.stale_after_move"] = ["critical_after": 5]
        let finding = Seed004(converge: true).script.findings(configuration).of("neighbor.stale_after_move").first
        #expect(finding?.severity == .critical)
    }

    @Test func framesInFlightRightAfterAnAnnouncedMoveAreQuiet() {
        let pair = KeepalivedPair()
        var script = Script()
        script.add(pair.garp(pair.node1), at: 0)
        pair.ping(&script, via: pair.node1, at: 1, sequence: 1)
        script.add(pair.garp(pair.node2), at: 5)
        // Sent before the client processed the GARP, 0.2 s after it.
        pair.ping(&script, via: pair.node1, at: 5.2, sequence: 2, answered: false)
        pair.ping(&script, via: pair.node2, at: 5.4, sequence: 3)
        pair.ping(&script, via: pair.node2, at: 6.4, sequence: 4)
        let findings = script.findings().neighborModel
        #expect(findings.of("neighbor.stale_after_move").isEmpty, "\(findings.listing)")
        #expect(findings.atLeast(.warning).isEmpty, "\(findings.listing)")
    }

    @Test func aClientThatMissedTheFailoverGARPIsReported() {
        let pair = KeepalivedPair()
        var script = Script()
        script.add(pair.garp(pair.node1), at: 0)
        pair.ping(&script, via: pair.node1, at: 1, sequence: 1)
        let move = script.add(pair.garp(pair.node2), at: 5)
        // This client keeps pinging node1 for 4 s before it re-validates and switches.
        var last = 0
        for index in 0..<5 { last = script.add(FrameBuilder.icmpEchoRequest(from: pair.client.host, to: (pair.node1.mac, pair.vip), sequence: UInt16(2 + index)), at: 5.5 + Double(index)) }
        let ask = script.add(FrameBuilder.arpRequest(from: pair.client.mac, ip: pair.client.ip, asking: pair.vip), at: 9.6)
        script.add(FrameBuilder.arpReply(from: pair.node2.mac, ip: pair.vip, to: pair.client.mac, targetIP: pair.client.ip), at: 9.6002)
        let converged = script.add(FrameBuilder.icmpEchoRequest(from: pair.client.host, to: (pair.node2.mac, pair.vip), sequence: 9), at: 9.7)
        let stale = script.findings().of("neighbor.stale_after_move")
        #expect(stale.count == 1)
        guard let finding = stale.first else { return }
        #expect(finding.severity == .warning)
        #expect(finding.summary.hasPrefix("10.0.0.50 sent 5 frames for 10.0.0.100 to the old MAC 02:aa:00:00:00:01 for 4.5 s after it moved to 02:aa:00:00:00:02 at frame \(move); it re-ARPed for 10.0.0.100 at frame \(ask) and converged at frame \(converged)"), "\(finding.summary)")
        #expect(finding.evidenceFrames.contains(last))
    }

    @Test func framesSeenAtTwoVantagePointsCountOnce() {
        // Seed 004 captured on the server and on a SPAN port 0.2 ms later.
        let seed = Seed004()
        var timeline = Timeline(vantages: ["redis.pcap", "span.pcap"])
        let single = seed.script.findings().of("neighbor.stale_after_move").first
        for frame in seed.script.frames {
            timeline.add(frame.bytes, at: frame.seconds, vantage: 0)
            timeline.add(frame.bytes, at: frame.seconds + 0.0002, vantage: 1)
        }
        let double = timeline.findings().of("neighbor.stale_after_move")
        #expect(double.count == 1)
        #expect(double.first?.details["frames"] == single?.details["frames"])
        #expect(double.first?.summary.contains("frame \(seed.moveFrame) of redis.pcap") == true, "\(double.first?.summary ?? "")")
    }

    @Test func aDuplicateIsNotReportedAsAStaleCache() {
        // Both MACs keep using the address: hosts sending to either one are not "stale".
        let a = Station("02:00:00:00:00:0a", "10.0.0.30")
        let b = Station("02:00:00:00:00:0b", "10.0.0.30")
        let client = Station("02:00:00:00:00:50", "10.0.0.50")
        var script = Script()
        script.add(FrameBuilder.gratuitousARP(from: a.mac, ip: a.ip), at: 0)
        script.add(FrameBuilder.gratuitousARP(from: b.mac, ip: b.ip), at: 10)
        for index in 0..<10 {
            let time = 11 + Double(index)
            script.add(FrameBuilder.icmpEchoRequest(from: client.host, to: a.host, sequence: UInt16(index)), at: time)
            script.add(FrameBuilder.icmpEchoReply(from: a.host, to: client.host, sequence: UInt16(index)), at: time + 0.0002)
            script.add(FrameBuilder.icmpEchoRequest(from: b.host, to: client.host, sequence: UInt16(index)), at: time + 0.5)
        }
        let findings = script.findings()
        #expect(findings.of("neighbor.stale_after_move").isEmpty, "\(findings.listing)")
        #expect(findings.of("arp.duplicate_ip").count == 1)
    }
}
