import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

private typealias F = VIPFixture
private typealias S = VIPScenarios

private func detail(_ finding: Finding, _ key: String) -> DetailValue? { finding.details[key] }

private func double(_ value: DetailValue?) -> Double? {
    if case .double(let number) = value { return number }
    if case .int(let number) = value { return Double(number) }
    return nil
}

@Suite struct VIPNormalOperationTests {
    /// The standard detector set reports nothing above info on the normal scenarios.
    @Test(arguments: VIPScenarios.normal.map(\.0))
    func quietOnNormalOperation(_ name: String) throws {
        let timeline = try #require(VIPScenarios.normal.first { $0.0 == name }?.1)
        let findings = timeline.findings()
        let loud = findings.atLeast(.warning)
        #expect(loud.isEmpty, "\(name): \(loud.map { "\($0.kind): \($0.summary)" })")
        #expect(findings.allSatisfy { $0.kind.rawValue == "vip.failover" }, "\(name): \(findings.map(\.summary))")
    }

    @Test func everyVIPKindIsRegisteredAndDescribed() {
        let kinds = Set(DetectorRegistry.descriptions.map(\.kind.rawValue))
        for kind in [
            "vip.failover", "vip.split_brain", "vip.advert_gap", "vip.config_mismatch", "vip.arp_answered_by_backup",
            "vip.failover_without_garp", "vip.traffic_to_backup",
        ] {
            #expect(kinds.contains(kind), "\(kind)")
        }
        for description in DetectorRegistry.descriptions where description.kind.category == "vip" {
            #expect(!description.tunables.isEmpty && !description.rule.isEmpty)
        }
    }
}

@Suite struct VIPFailoverTests {
    @Test func firesOnKeepalivedResignationWithGapAndGARPs() throws {
        let findings = F.run(S.keepalivedResign(), VIPFailoverDetector(configuration: .init()))
        let finding = try #require(findings.of("vip.failover").first)
        #expect(findings.count == 1 && finding.severity == .info)
        #expect(detail(finding, "reason") == .string("resigned"))
        #expect(abs(double(detail(finding, "takeover_gap_s"))! - 0.61) < 0.001)
        #expect(abs(double(detail(finding, "expected_takeover_s"))! - 0.609375) < 0.000_01)
        #expect(detail(finding, "garp_count") == .int(10) && detail(finding, "garp_bursts") == .list([.int(5), .int(5)]))
        #expect(finding.summary.contains("from 10.0.0.2 (02:aa:00:00:00:01, prio 150) to 10.0.0.3 (02:aa:00:00:00:02, prio 100)"))
        #expect(finding.summary.contains("resigned (priority 0)") && finding.summary.contains("5 + 5, bursts 5.00 s apart"))
        #expect(finding.evidence.first?.note == "old master's resignation")
    }

    @Test func firesOnSigkillAsVanished() throws {
        let finding = try #require(F.run(S.keepalivedSigkill(), VIPFailoverDetector(configuration: .init())).first)
        #expect(detail(finding, "reason") == .string("vanished"))
        #expect(abs(double(detail(finding, "takeover_gap_s"))! - 3.61) < 0.001)
        #expect(abs(double(detail(finding, "expected_takeover_s"))! - 3.609375) < 0.000_01)
    }

    /// Scenario vip-ucarp-failover: the gap exceeds the CARP prediction by ucarp's poll loop.
    @Test func namesUcarpsPollLoop() throws {
        let finding = try #require(F.run(S.ucarpFailover(), VIPFailoverDetector(configuration: .init())).first)
        #expect(finding.summary.contains("(protocol predicts 3.39 s; ucarp's poll loop adds up to 1 s)"), "\(finding.summary)")
        #expect(finding.details["implementation"] == .string("ucarp"))
        let keepalived = try #require(F.run(S.keepalivedSigkill(), VIPFailoverDetector(configuration: .init())).first)
        #expect(!keepalived.summary.contains("ucarp") && keepalived.details["implementation"] == nil)
    }

    @Test func quietOnColdStartAndHSRP() {
        for timeline in [S.keepalivedColdStart(), S.keepalivedColdStartReversed(), S.hsrpNormal()] {
            #expect(F.run(timeline, VIPFailoverDetector(configuration: .init())).isEmpty)
        }
    }
}

@Suite struct VIPSplitBrainTests {
    @Test func firesWhenBothAdvertiseAsMaster() throws {
        var timeline = Timeline()
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 0, to: 20)
        F.keepalived(&timeline, F.nodeB, priority: 100, from: 5.5, to: 20.5)
        timeline.add(FrameBuilder.arpReply(from: F.nodeB.mac, ip: F.vip, to: F.client.mac, targetIP: F.client.ip), at: 8)
        timeline.add(FrameBuilder.arpReply(from: F.nodeA.mac, ip: F.vip, to: F.client2.mac, targetIP: F.client2.ip), at: 9)
        let findings = F.run(timeline, VIPSplitBrainDetector(configuration: .init()))
        let finding = try #require(findings.of("vip.split_brain").first)
        #expect(findings.count == 1 && finding.severity == .critical)
        #expect(abs(double(detail(finding, "overlap_s"))! - 15) < 0.01)
        #expect(finding.summary.contains("10.0.0.2 (02:aa:00:00:00:01, prio 150) and 10.0.0.3 (02:aa:00:00:00:02, prio 100) both advertised as master"))
        #expect(finding.summary.contains("answered by 02:aa:00:00:00:02 and 02:aa:00:00:00:01"))
        #expect(finding.macs == ["02:aa:00:00:00:01", "02:aa:00:00:00:02"])
    }

    /// Scenario vip-split-brain (four vantage points): an advert captured at each counts once.
    @Test func countsAdvertsOncePerVantage() throws {
        func summary(vantages: Int) throws -> String {
            var timeline = Timeline(vantages: (0..<vantages).map { "v\($0)" })
            for vantage in 0..<vantages {
                F.keepalived(&timeline, F.nodeA, priority: 150, from: 0, to: 20, vantage: vantage)
                F.keepalived(&timeline, F.nodeB, priority: 100, from: 5.5, to: 12.5, vantage: vantage)
            }
            let findings = F.run(timeline, VIPSplitBrainDetector(configuration: .init()))
            return try #require(findings.of("vip.split_brain").first).summary
        }
        let one = try summary(vantages: 1)
        #expect(one.contains("(9 and 8 adverts)"), "\(one)")
        #expect(try summary(vantages: 3) == one)
    }

    /// Scenario vip-split-brain: which hosts sent the VIP's traffic to which node meanwhile.
    @Test func namesTheHostsOnEachSide() throws {
        var timeline = Timeline(vantages: ["client", "switch"])
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 0, to: 20)
        F.keepalived(&timeline, F.nodeB, priority: 100, from: 5.5, to: 12.5)
        // Before the overlap: not counted. During: client to A (until B's GARP), then to B;
        // client2 to A throughout. The same frames at a second vantage count once.
        F.pings(&timeline, mac: F.nodeA.mac, start: 1, end: 5)
        F.pings(&timeline, mac: F.nodeA.mac, start: 5.6, end: 6.5)
        F.pings(&timeline, mac: F.nodeB.mac, start: 6.75, end: 12)
        F.pings(&timeline, mac: F.nodeB.mac, start: 6.75, end: 12, vantage: 1)
        F.pings(&timeline, from: F.client2, mac: F.nodeA.mac, start: 6, end: 12, every: 1)
        // After the overlap: not counted.
        F.pings(&timeline, mac: F.nodeA.mac, start: 16, end: 19)
        let findings = F.run(timeline, VIPSplitBrainDetector(configuration: .init()))
        let finding = try #require(findings.of("vip.split_brain").first)
        #expect(findings.count == 1)
        #expect(
            finding.summary.contains(
                "meanwhile hosts sent the VIP's traffic to 02:aa:00:00:00:01 (10.0.0.50 ×4 and 10.0.0.51 ×7) and 02:aa:00:00:00:02 (10.0.0.50 ×22)"),
            "\(finding.summary)")
        #expect(finding.ips.contains("10.0.0.50") && finding.ips.contains("10.0.0.51"))
        guard case .list(let senders) = finding.details["senders"] else {
            Issue.record("no senders detail")
            return
        }
        #expect(senders.count == 3)
        #expect(finding.evidence.contains { $0.note == "10.0.0.50 sends the VIP's traffic to 02:aa:00:00:00:02" })
    }

    @Test func quietOnColdStartAndPreemption() {
        var preemption = Timeline()
        F.keepalived(&preemption, F.nodeB, priority: 100, from: 0, to: 20.2)
        F.keepalived(&preemption, F.nodeA, priority: 150, from: 20, to: 40)
        F.pings(&preemption, mac: F.nodeB.mac, start: 1, end: 20.2)
        F.pings(&preemption, mac: F.nodeA.mac, start: 20.3, end: 39)
        for timeline in [S.keepalivedColdStart(), S.keepalivedColdStartReversed(), preemption] {
            #expect(F.run(timeline, VIPSplitBrainDetector(configuration: .init())).isEmpty)
        }
    }
}

@Suite struct VIPAdvertGapTests {
    @Test func firesOnANearFailoverPause() throws {
        var timeline = Timeline()
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 0, to: 10)
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 13.2, to: 30)
        let finding = try #require(F.run(timeline, VIPAdvertGapDetector(configuration: .init())).first)
        #expect(finding.severity == .warning && detail(finding, "near_failover") == .bool(true))
        #expect(abs(double(detail(finding, "gap_s"))! - 3.2) < 0.001)
        #expect(finding.summary.contains("sent no advert for 3.20 s") && finding.summary.contains("near-failover"))
    }

    @Test func firesWhenTheMasterStopsAndNobodyTakesOver() throws {
        var timeline = Timeline()
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 0, to: 10)
        F.pings(&timeline, mac: F.nodeA.mac, start: 0, end: 30)
        let findings = F.run(timeline, VIPAdvertGapDetector(configuration: .init()))
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(detail(finding, "near_failover") == .bool(false) && detail(finding, "resumed") == .bool(false))
        #expect(finding.summary.contains("stopped advertising and no other router took over"))
    }

    @Test func quietOnNormalFailovers() {
        for timeline in [S.keepalivedSigkill(), S.keepalivedResign(), S.ucarpFailover(), S.hsrpNormal()] {
            #expect(F.run(timeline, VIPAdvertGapDetector(configuration: .init())).isEmpty)
        }
    }
}

@Suite struct VIPConfigMismatchTests {
    @Test func firesOnDisagreeingPeers() throws {
        var timeline = Timeline()
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 0, to: 10, password: "secret1")
        F.keepalived(&timeline, F.nodeB, priority: 100, from: 13.6, to: 30, interval: 2, vips: [F.vip, F.vip2], password: "secret2")
        let findings = F.run(timeline, VIPConfigMismatchDetector(configuration: .init()))
        let issues = Set(findings.compactMap { finding -> String? in
            if case .string(let issue) = finding.details["issue"] { return issue }
            return nil
        })
        #expect(issues == ["interval", "password", "addresses"])
        #expect(findings.allSatisfy { $0.severity == .warning && $0.ips.contains("10.0.0.2") && $0.ips.contains("10.0.0.3") })
    }

    @Test func firesOnBadTTLTwoOwnersAndFlapping() throws {
        var timeline = Timeline()
        F.keepalived(&timeline, F.nodeA, priority: 255, from: 0, to: 5, ttl: 64)
        var time = 6.0
        var node = F.nodeB
        for _ in 0..<5 {
            F.keepalived(&timeline, node, priority: 255, from: time, to: time + 4)
            node = node.mac == F.nodeA.mac ? F.nodeB : F.nodeA
            time += 8.5
        }
        let findings = F.run(timeline, VIPConfigMismatchDetector(configuration: .init()))
        let issues = findings.compactMap { finding -> String? in
            if case .string(let issue) = finding.details["issue"] { return issue }
            return nil
        }
        #expect(issues.contains("ttl") && issues.contains("owners") && issues.contains("flapping"))
        let ttl = try #require(findings.first { $0.details["issue"] == .string("ttl") })
        #expect(ttl.summary.contains("TTL 64"))
    }

    @Test func quietOnIdenticalPeers() {
        for timeline in [S.keepalivedResign(), S.keepalivedColdStart(), S.hsrpNormal(), S.ucarpFailover()] {
            #expect(F.run(timeline, VIPConfigMismatchDetector(configuration: .init())).isEmpty)
        }
    }
}

@Suite struct VIPARPAnsweredByBackupTests {
    @Test func firesWhenTheOldMasterKeepsAnsweringAfterSigkill() throws {
        var timeline = S.keepalivedSigkill()
        // keepalived is dead but the VIP stayed on A's interface: its kernel answers ARP.
        timeline.add(FrameBuilder.arpRequest(from: F.client.mac, ip: F.client.ip, asking: F.vip), at: 20)
        timeline.add(FrameBuilder.arpReply(from: F.nodeB.mac, ip: F.vip, to: F.client.mac, targetIP: F.client.ip), at: 20.0001)
        timeline.add(FrameBuilder.arpReply(from: F.nodeA.mac, ip: F.vip, to: F.client.mac, targetIP: F.client.ip), at: 20.0002)
        let findings = F.run(timeline, VIPARPAnsweredByBackupDetector(configuration: .init()))
        let finding = try #require(findings.first)
        #expect(findings.count == 1 && finding.severity == .warning)
        #expect(finding.macs == ["02:aa:00:00:00:01"] && finding.details["known_member"] == .bool(true))
        #expect(finding.summary.contains("answered ARP for 10.0.0.100 1 time (1 reply) while 10.0.0.3"))
        #expect(finding.summary.contains("hosts told: 10.0.0.50"))
    }

    @Test func firesOnAnHSRPStandbyAnswering() throws {
        var timeline = S.hsrpNormal()
        timeline.add(FrameBuilder.gratuitousARP(from: F.nodeB.mac, ip: F.vip), at: 30)
        let finding = try #require(F.run(timeline, VIPARPAnsweredByBackupDetector(configuration: .init())).first)
        #expect(finding.summary.contains("a backup of HSRP group 1"))
    }

    @Test func quietWhenTheMasterAnswers() {
        for timeline in S.normal.map(\.1) {
            #expect(F.run(timeline, VIPARPAnsweredByBackupDetector(configuration: .init())).isEmpty)
        }
    }
}

@Suite struct VIPFailoverWithoutGARPTests {
    @Test func firesWithoutGARPAndNamesHostsLeftBehind() throws {
        let timeline = S.keepalivedSigkill(garps: false, hostsFollowAt: 31)
        let findings = F.run(timeline, VIPFailoverWithoutGARPDetector(configuration: .init()))
        #expect(findings.count == 2)
        let garp = try #require(findings.first { $0.details["issue"] == .string("no_garp") })
        let stale = try #require(findings.first { $0.details["issue"] == .string("stale_hosts") })
        #expect(garp.summary.contains("new master 10.0.0.3 (02:aa:00:00:00:02, prio 100) sent no gratuitous ARP for VIP 10.0.0.100"))
        #expect(stale.summary.contains("2 hosts kept sending"))
        #expect(stale.summary.contains("10.0.0.50 (02:cc:00:00:00:01") && stale.summary.contains("10.0.0.51 (02:cc:00:00:00:02"))
        #expect(stale.causedBy == [garp.key])
        // Routed traffic (client2 → 192.168.50.7 via the VIP) counts as well.
        if case .list(let hosts) = stale.details["hosts"], case .object(let second) = hosts.last {
            #expect(second["routed"] == .int(27) || second["routed"].map { if case .int(let n) = $0 { n > 0 } else { false } } == true)
        } else {
            Issue.record("no host details")
        }
    }

    @Test func quietWhenTheNewMasterAnnouncesAndHostsFollow() {
        for timeline in S.normal.map(\.1) {
            #expect(F.run(timeline, VIPFailoverWithoutGARPDetector(configuration: .init())).isEmpty)
        }
    }

    @Test func leavesStaleTrafficToItAndNotToTrafficToBackup() {
        let findings = S.keepalivedSigkill(garps: true, hostsFollowAt: 31).findings()
        #expect(findings.of("vip.failover_without_garp").count == 1)
        #expect(findings.of("vip.traffic_to_backup").isEmpty)
    }
}

@Suite struct VIPTrafficToBackupTests {
    @Test func firesOnSeed001StraysToTheCARPBackup() throws {
        let findings = F.run(S.carpSeed(strays: true), VIPTrafficToBackupDetector(configuration: .init()))
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(finding.severity == .warning)
        #expect(finding.details["frames"] == .int(57))
        #expect(finding.summary.contains("went to 90:e2:ba:0d:0a:7d, the CARP vhid 2 backup 192.168.80.252"))
        #expect(finding.summary.contains("57 frames, 11.0 ms apart"))
        #expect(finding.summary.contains("192.168.80.6 (00:25:90:00:00:06) ×56") && finding.summary.contains("192.168.80.2"))
        #expect(finding.summary.contains("routed via the VIP to off-link 192.168.0.17"))
        #expect(finding.details["destination_mac"] == .string("90:e2:ba:0d:0a:7d"))
    }

    @Test func quietOnTheSameClusterWithoutStrays() {
        #expect(F.run(S.carpSeed(strays: false), VIPTrafficToBackupDetector(configuration: .init())).isEmpty)
        #expect(S.carpSeed(strays: false).findings().atLeast(.warning).isEmpty)
    }

    @Test func firesOnVIPFramesCapturedAtTheBackupsVantage() throws {
        var timeline = Timeline(vantages: ["fw1", "fw2"])
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 0, to: 40, vantage: 0)
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 0.0001, to: 40, vantage: 1)
        // fw2's host is B: its own ARP is captured unpadded there; pfsync-less VRRP, so B is known
        // from a short cold-start claim at 0.5 s.
        F.keepalived(&timeline, F.nodeB, priority: 100, from: 0.5, to: 0.5, vantage: 1)
        timeline.add(
            FrameBuilder.arpRequest(from: F.nodeB.mac, ip: F.nodeB.ip, asking: F.client.ip, padTo: 0), at: 1, vantage: 1)
        // Flooded: frames for the VIP to the master's MAC reach B's port.
        F.pings(&timeline, mac: F.nodeA.mac, start: 400, end: 401, every: 0.1, vantage: 1)
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 41, to: 402, vantage: 0)
        let findings = F.run(timeline, VIPTrafficToBackupDetector(configuration: .init()))
        let finding = try #require(findings.first)
        #expect(finding.details["paths"] == .object(["at_backup_vantage": .int(11)]))
        #expect(finding.summary.contains("backup 10.0.0.3 (captured at fw2)"))
    }

    /// Scenario 001-synack-to-backup: B was master until A preempted it; seconds later the
    /// switch hands some of a server's SYN-ACKs (to A's MAC, routed via the VIP) to B's port.
    static func preemptedBackup(straysFrom start: Double, retransmitted: Int = 0) -> Timeline {
        var timeline = Timeline(vantages: ["fw1", "fw2"])
        F.keepalived(&timeline, F.nodeB, priority: 100, from: 0, to: 10, vantage: 0)
        F.keepalived(&timeline, F.nodeB, priority: 100, from: 0.0001, to: 10, vantage: 1)
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 10.5, to: 40, vantage: 0)
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 10.5001, to: 40, vantage: 1)
        // fw2's host is B: its own ARP request, unpadded, at its vantage.
        timeline.add(FrameBuilder.arpRequest(from: F.nodeB.mac, ip: F.nodeB.ip, asking: F.client.ip, padTo: 0), at: 12, vantage: 1)
        let server: FrameBuilder.Host = (MACAddress(0x02, 0xAA, 0, 0, 0, 0x20), IPv4Address(10, 0, 0, 20))
        var time = start
        for port in UInt16(50_000)..<50_008 {
            timeline.add(
                FrameBuilder.tcp(
                    from: (server.mac, server.ip, 7000), to: (F.nodeA.mac, F.remote, port), flags: [.syn, .ack],
                    options: TCPOptions(timestampValue: 9, timestampEcho: 1000 + UInt32(port))),
                at: time, vantage: 1)
            // The client's original SYN (TSval echoed by the SYN-ACK) at a vantage whose clock is
            // 0.35 s ahead, so after the stray; its retransmission 1 s later (a newer TSval),
            // routed in through A; another client port's SYN is no retransmission.
            let syn: FrameBuilder.Endpoint = (F.nodeA.mac, F.remote, port)
            timeline.add(
                FrameBuilder.tcp(
                    from: syn, to: (server.mac, server.ip, 7000), flags: [.syn],
                    options: TCPOptions(timestampValue: 1000 + UInt32(port))), at: time + 0.35, vantage: 0)
            if Int(port - 50_000) < retransmitted {
                timeline.add(
                    FrameBuilder.tcp(
                        from: syn, to: (server.mac, server.ip, 7000), flags: [.syn],
                        options: TCPOptions(timestampValue: 2000 + UInt32(port))), at: time + 1.0, vantage: 0)
            } else {
                timeline.add(
                    FrameBuilder.tcp(from: (syn.mac, syn.ip, port + 100), to: (server.mac, server.ip, 7000), flags: [.syn]),
                    at: time + 1.0, vantage: 0)
            }
            time += 0.4
        }
        return timeline
    }

    @Test func firesOnSYNACKsToTheMasterCapturedAtAFormerMaster() throws {
        let findings = F.run(Self.preemptedBackup(straysFrom: 20), VIPTrafficToBackupDetector(configuration: .init()))
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.details["paths"] == .object(["at_backup_vantage": .int(8)]))
        #expect(finding.summary.contains("backup 10.0.0.3 (captured at fw2)"))
        #expect(finding.summary.contains("8 frames, 400.0 ms apart; senders 10.0.0.20 (02:aa:00:00:00:20) ×8"))
        #expect(finding.summary.hasSuffix("; 8 were SYN-ACKs."), "\(finding.summary)")
        #expect(finding.details["client_syn_retransmissions"] == .int(0))
    }

    /// Seed 001: the client's SYN retransmissions tie the strays to the slow handshakes.
    @Test func tiesStraySYNACKsToTheClientsRetransmissions() throws {
        let timeline = Self.preemptedBackup(straysFrom: 20, retransmitted: 5)
        let finding = try #require(F.run(timeline, VIPTrafficToBackupDetector(configuration: .init())).first)
        #expect(
            finding.summary.hasSuffix(
                "; 8 were SYN-ACKs, and for 5 of them the client retransmitted its SYN 1.00 s later (median): handshakes the backup dropped."),
            "\(finding.summary)")
        #expect(finding.details["syn_acks"] == .int(8))
        #expect(finding.details["client_syn_retransmissions"] == .int(5))
        #expect(finding.details["retransmission_delay_median_s"] == .double(1.0))
    }

    @Test func quietOnFloodingRightAfterThePreemption() {
        #expect(F.run(Self.preemptedBackup(straysFrom: 11), VIPTrafficToBackupDetector(configuration: .init())).isEmpty)
    }
}
