import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

@Suite struct NeighborMovedTests {
    @Test func seed004ReusedCloudAddressIsAReassignment() {
        let seed = Seed004()
        let findings = seed.script.findings()
        let moves = findings.of("neighbor.moved")
        #expect(moves.count == 1, "\(findings.listing)")
        guard let move = moves.first else { return }
        #expect(move.severity == .info)
        #expect(move.details["classification"] == .string("reassignment"))
        #expect(move.summary.contains("10.0.0.20 was reassigned from 02:00:00:00:00:01 to 02:00:00:00:00:02"))
        #expect(move.summary.contains("ARP request at frame \(seed.moveFrame)"))
        #expect(move.summary.contains("without gratuitous ARP"))
        #expect(move.evidenceFrames.contains(seed.moveFrame))
        #expect(move.evidenceFrames.first == 1, "the old instance's first claim")
        #expect(move.macs == ["02:00:00:00:00:01", "02:00:00:00:00:02"])
        #expect(move.key == "neighbor.moved|0|10.0.0.20|02:00:00:00:00:01|02:00:00:00:00:02")
    }

    @Test func unannouncedMoveWhileTheOldOwnerWasAliveIsAWarning() {
        // The old instance was still answering 2 s before the new MAC claimed the address.
        let seed = Seed004(oldClientSilence: 1.5)
        let move = seed.script.findings().of("neighbor.moved").first
        #expect(move?.severity == .warning)
        #expect(move?.details["classification"] == .string("unannounced_move"))
        #expect(move?.summary.contains("without gratuitous ARP, while 02:00:00:00:00:01 was active") == true)
    }

    @Test func keepalivedFailoverIsLeftToVIPFailover() {
        let pair = KeepalivedPair()
        var script = Script()
        // node1 is master: advert, 5 GARPs, adverts every second; the client pings the VIP.
        script.add(pair.advert(pair.node1, priority: 150), at: 0)
        for index in 0..<5 { script.add(pair.garp(pair.node1), at: 0.0001 * Double(index + 1)) }
        script.add(FrameBuilder.arpRequest(from: pair.client.mac, ip: pair.client.ip, asking: pair.vip), at: 0.5)
        script.add(FrameBuilder.arpReply(from: pair.node1.mac, ip: pair.vip, to: pair.client.mac, targetIP: pair.client.ip), at: 0.5002)
        var sequence: UInt16 = 1
        for second in 1...9 {
            script.add(pair.advert(pair.node1, priority: 150), at: Double(second))
            pair.ping(&script, via: pair.node1, at: Double(second) + 0.5, sequence: sequence)
            sequence += 1
        }
        // node1 dies after 9.5; node2 takes over 3.61 s after the last advert and sends 5 GARPs,
        // then 5 more 5 s later. One client ping was already in flight to node1.
        pair.ping(&script, via: pair.node1, at: 10.5, sequence: sequence, answered: false)
        sequence += 1
        let takeover = 12.61
        script.add(pair.advert(pair.node2, priority: 100), at: takeover)
        var garps: [Int] = []
        for index in 0..<5 { garps.append(script.add(pair.garp(pair.node2), at: takeover + 0.0001 * Double(index + 1))) }
        pair.ping(&script, via: pair.node1, at: takeover + 0.00055, sequence: sequence, answered: false)
        sequence += 1
        for second in 13...25 {
            script.add(pair.advert(pair.node2, priority: 100), at: Double(second) + 0.61)
            pair.ping(&script, via: pair.node2, at: Double(second) + 0.7, sequence: sequence)
            sequence += 1
            if second == 17 {
                for index in 0..<5 { script.add(pair.garp(pair.node2), at: 17.61 + 0.0001 * Double(index + 1)) }
            }
        }
        // The VIP belongs to a VRRP group: the takeover is vip.failover's to report (with the
        // group's timers and GARP bursts), so the neighbor model stays quiet about it.
        let all = script.findings()
        #expect(all.atLeast(.warning).isEmpty, "\(all.listing)")
        #expect(all.neighborModel.isEmpty, "\(all.neighborModel.listing)")
        let failover = all.of("vip.failover")
        #expect(failover.count == 1, "\(all.listing)")
        #expect(failover.first?.evidence.contains { $0.reference.frame == garps[0] } == true)
    }

    @Test func priorityZeroFailoverRightAfterTheMastersLastAnswerIsAFailoverNotADuplicate() {
        // The master answers ARP for the VIP, resigns (priority 0) and the backup takes over
        // 0.609 s later: the two claims are 0.7 s apart, a handover and not a duplicate.
        let pair = KeepalivedPair()
        var script = Script()
        script.add(pair.advert(pair.node1, priority: 150), at: 0)
        script.add(pair.garp(pair.node1), at: 0.001)
        for second in 1...9 { script.add(pair.advert(pair.node1, priority: 150), at: Double(second)) }
        script.add(FrameBuilder.arpRequest(from: pair.client.mac, ip: pair.client.ip, asking: pair.vip), at: 9.8)
        script.add(FrameBuilder.arpReply(from: pair.node1.mac, ip: pair.vip, to: pair.client.mac, targetIP: pair.client.ip), at: 9.8002)
        script.add(pair.advert(pair.node1, priority: 0), at: 9.9)
        let takeover = script.add(pair.garp(pair.node2), at: 10.509)
        script.add(pair.advert(pair.node2, priority: 100), at: 10.51)
        let all = script.findings()
        #expect(all.atLeast(.warning).isEmpty, "\(all.listing)")
        #expect(all.of("arp.duplicate_ip").isEmpty && all.of("neighbor.moved").isEmpty, "\(all.listing)")
        let failover = all.of("vip.failover").first
        #expect(failover != nil, "\(all.listing)")
        #expect(failover?.evidence.contains { $0.reference.frame == takeover } == true)
    }

    /// keepalived cold start: both nodes start as BACKUP, both become MASTER after the
    /// master-down interval and each sends a GARP burst with its own MAC, interleaved; node2
    /// backs off on hearing node1's higher priority; node1 sends its second burst 5 s later
    /// (protocols.md §3.3: "a short startup flap is normal").
    private func coldStart(withAdverts: Bool) -> [Finding] {
        let pair = KeepalivedPair()
        var script = Script()
        let start = 3.5
        if withAdverts {
            script.add(pair.advert(pair.node1, priority: 150), at: start)
            script.add(pair.advert(pair.node2, priority: 100), at: start + 0.00005)
        }
        for index in 0..<5 {
            script.add(pair.garp(pair.node1), at: start + 0.0001 + 0.0002 * Double(index))
            script.add(pair.garp(pair.node2), at: start + 0.0002 + 0.0002 * Double(index))
        }
        var sequence: UInt16 = 1
        for second in 4...20 {
            if withAdverts { script.add(pair.advert(pair.node1, priority: 150), at: Double(second) + 0.5) }
            if second == 8 {
                for index in 0..<5 { script.add(pair.garp(pair.node1), at: 8.5001 + 0.0001 * Double(index)) }
            }
            if second >= 9 {
                pair.ping(&script, via: pair.node1, at: Double(second) + 0.7, sequence: sequence)
                sequence += 1
            }
        }
        return script.findings().neighborModel
    }

    @Test func keepalivedColdStartFlapIsQuiet() {
        let findings = coldStart(withAdverts: true)
        #expect(findings.atLeast(.warning).isEmpty, "\(findings.listing)")
        #expect(findings.of("arp.duplicate_ip").isEmpty)
        #expect(findings.of("arp.flip_flop").isEmpty)
    }

    @Test func coldStartFlapWithoutVisibleAdvertsIsQuietToo() {
        // keepalived with unicast_peer, captured on a client port: only the GARPs are visible.
        let findings = coldStart(withAdverts: false)
        #expect(findings.atLeast(.warning).isEmpty, "\(findings.listing)")
    }

    @Test func aMoveThatTheOldOwnerContestsIsADuplicateNotAMove() {
        let a = Station("02:00:00:00:00:0a", "10.0.0.30")
        let b = Station("02:00:00:00:00:0b", "10.0.0.30")
        let client = Station("02:00:00:00:00:50", "10.0.0.50")
        var script = Script()
        script.add(FrameBuilder.arpRequest(from: client.mac, ip: client.ip, asking: a.ip), at: 0)
        script.add(FrameBuilder.arpReply(from: a.mac, ip: a.ip, to: client.mac, targetIP: client.ip), at: 0.0002)
        // b comes up with a's address and announces it; a defends it 3 s later.
        script.add(FrameBuilder.arpAnnouncement(from: b.mac, ip: b.ip), at: 10)
        script.add(FrameBuilder.arpReply(from: a.mac, ip: a.ip, to: client.mac, targetIP: client.ip), at: 13)
        let findings = script.findings()
        #expect(findings.of("neighbor.moved").isEmpty, "\(findings.listing)")
        #expect(findings.of("arp.duplicate_ip").count == 1)
    }

    @Test func knownVirtualMACsProxyARPRoutersAndIgnoredAddressesAreQuiet() {
        let seed = Seed004(oldClientSilence: 1.5)
        var configuration = AnalysisConfiguration()
        configuration.knownVirtualMACs = [seed.newClient.mac]
        #expect(seed.script.findings(configuration).of("neighbor.moved").isEmpty)
        configuration = AnalysisConfiguration()
        configuration.proxyARPRouters = [seed.oldClient.mac]
        #expect(seed.script.findings(configuration).of("neighbor.moved").isEmpty)
        configuration = AnalysisConfiguration()
        configuration.ignoredIPs = [seed.oldClient.ip]
        #expect(seed.script.findings(configuration).neighborModel.isEmpty)
    }

    @Test func quietTimeIsTunable() {
        let seed = Seed004()
        var configuration = AnalysisConfiguration()
        configuration.thresholds["neighbor.moved"] = ["quiet_time": 600]
        let move = seed.script.findings(configuration).of("neighbor.moved").first
        #expect(move?.details["classification"] == .string("unannounced_move"))
        #expect(move?.severity == .warning)
    }
}
