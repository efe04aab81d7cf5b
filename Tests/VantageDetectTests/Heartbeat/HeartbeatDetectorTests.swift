import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

/// heartbeat.*: the ladder, learned and declared intervals, network loss against sender stalls,
/// lost nodes, and the normal cases that must stay quiet.
@Suite struct HeartbeatDetectorTests {
    private static let a = Station("02:00:00:00:03:01", "10.0.3.1")
    private static let b = Station("02:00:00:00:03:02", "10.0.3.2")

    /// One stream a -> b (UDP `port`) every 1.2 s, captured at b, with a silence of `gap`
    /// intervals after the 11th heartbeat (the heartbeat due then and those after it are missing).
    private func stream(gap: Double, port: UInt16 = 3343, interval: Double = 1.2) -> (Timeline, resume: Int) {
        var timeline = Timeline(vantages: ["b"])
        var time = 0.0
        var frame = 0
        var resume = 0
        for sequence in 0..<24 {
            timeline.add(
                FrameBuilder.udp(from: Self.a.port(port), to: Self.b.port(port), payload: [UInt8(sequence)]), at: time)
            frame += 1
            if sequence == 10 {
                time += gap * interval
                resume = frame + 1
            } else {
                time += interval
            }
        }
        return (timeline, resume)
    }

    private func declared(_ text: String) -> AnalysisConfiguration {
        var configuration = AnalysisConfiguration()
        configuration.heartbeats = [HeartbeatDeclaration(text)].compactMap { $0 }
        return configuration
    }

    @Test(arguments: [(2.5, "lost", Severity.info), (4.5, "unreachable", .warning), (6.5, "failed", .critical)])
    func gapsClimbTheLadderExactly(gap: Double, rung: String, severity: Severity) throws {
        let (timeline, resume) = stream(gap: gap)
        let findings = timeline.findings(configuration: declared("udp/3343@1.2")).heartbeat
        let finding = try #require(findings.of("heartbeat.degraded").first)
        #expect(findings.count == 1, "\(findings.map(\.summary))")
        #expect(finding.detail("worst_rung") == rung)
        #expect(finding.severity == severity)
        #expect(abs((finding.number("worst_gap_s") ?? 0) - gap * 1.2) < 0.001)
        #expect(abs((finding.number("worst_gap_intervals") ?? 0) - gap) < 0.01)
        #expect(finding.detail("interval_source") == "declared")
        #expect(finding.ips.contains("10.0.3.1") && finding.ips.contains("10.0.3.2"))
        #expect(finding.evidence.map(\.reference.frame) == [resume - 1, resume])
        #expect(finding.summary.contains("10.0.3.1") && finding.summary.contains("'\(rung)'"))
    }

    @Test func oneMissingHeartbeatOrJitterIsNormal() {
        for gap in [1.0, 2.0, 2.2] {
            let (timeline, _) = stream(gap: gap)
            #expect(timeline.findings(configuration: declared("udp/3343@1.2")).heartbeat.isEmpty, "gap \(gap)")
        }
    }

    @Test func theIntervalIsLearnedWhenNotDeclared() throws {
        let (timeline, _) = stream(gap: 4.5)
        let finding = try #require(timeline.findings().of("heartbeat.degraded").first)
        #expect(finding.detail("interval_source") == "learned")
        #expect(abs((finding.number("interval_s") ?? 0) - 1.2) < 0.001)
        #expect(finding.detail("worst_rung") == "unreachable")
    }

    @Test func aDeclaredIntervalOverridesTheTraffic() {
        // Declared 3 s: the 5.4 s gap is 1.8 intervals, normal.
        let (timeline, _) = stream(gap: 4.5)
        #expect(timeline.findings(configuration: declared("udp/3343@3")).heartbeat.isEmpty)
    }

    @Test func aDeclaredPortIsWatched() throws {
        let (timeline, _) = stream(gap: 4.5, port: 7000)
        #expect(timeline.findings().heartbeat.isEmpty, "port 7000 is not a heartbeat port by default")
        let finding = try #require(timeline.findings(configuration: declared("udp/7000")).of("heartbeat.degraded").first)
        #expect(finding.detail("worst_rung") == "unreachable")
    }

    @Test(arguments: [false, true])
    func aHealthyMeshIsQuiet(ipv6: Bool) {
        var mesh = HeartbeatMesh(captured: [0, 1])
        mesh.ipv6 = ipv6
        #expect(mesh.findings().heartbeat.isEmpty)
        // Occasional single losses, a node joining late, a capture that stops early, duplicates.
        mesh.drops = [(sender: 2, receiver: 0, from: 10, to: 50, every: 5)]
        mesh.senderSpan = [3: (start: 20, stop: 60)]
        mesh.captureStop = [1: 40]
        mesh.doubledAtReceiver = true
        let findings = mesh.findings().heartbeat
        #expect(findings.isEmpty, "\(findings.map(\.summary))")
    }

    @Test(arguments: [false, true])
    func aPathThatDropsHeartbeatsIsTheNetwork(ipv6: Bool) throws {
        var mesh = HeartbeatMesh(captured: [0, 1])
        mesh.ipv6 = ipv6
        // 20.4 ... 24.0 lost, then every other datagram for 10 s.
        mesh.drops = [(sender: 0, receiver: 1, from: 20, to: 24.5, every: 1), (sender: 0, receiver: 1, from: 24.5, to: 35, every: 2)]
        let findings = mesh.findings().heartbeat
        #expect(findings.of("heartbeat.sender_stall").isEmpty)
        #expect(findings.of("heartbeat.node_lost").isEmpty)
        let degraded = findings.of("heartbeat.degraded")
        let finding = try #require(degraded.first)
        #expect(degraded.count == 1, "\(degraded.map(\.summary))")
        #expect(finding.detail("sender") == mesh.address(0))
        #expect(finding.detail("worst_rung") == "unreachable")
        #expect(finding.detail("worst_vantage") == "n2")
        // Four datagrams (20.4 ... 24.0) missing: 19.2 -> 25.2, 5 intervals (plus or minus jitter).
        let worst = finding.number("worst_gap_s") ?? 0
        #expect(worst > 5.95 && worst < 6.05, "worst \(worst)")
        #expect(finding.summary.contains("network lost"))
        #expect(finding.summary.contains("'n1'") && finding.summary.contains("'n2'"))
        #expect(finding.details["captured_at"] == .list([.string("n1")]))
        #expect(finding.details["missing_at"] == .list([.string("n2")]))
        // The journey: the last heartbeat before and the first after the gap at n2, and one
        // captured leaving at n1 in between.
        let atSender = finding.evidence.filter { $0.reference.vantage == 0 }
        #expect(!atSender.isEmpty && atSender.allSatisfy { $0.note.contains("sent during the gap") })
        #expect(finding.evidence.contains { $0.reference.vantage == 1 && $0.note.contains("heartbeat again") })
        #expect(finding.causedBy.isEmpty)
    }

    @Test(arguments: [false, true])
    func aFrozenSenderIsAHostStall(ipv6: Bool) throws {
        var mesh = HeartbeatMesh(captured: [0, 1])
        mesh.ipv6 = ipv6
        mesh.stalls = [(node: 0, from: 30, to: 36.2)]
        let findings = mesh.findings().heartbeat
        let stalls = findings.of("heartbeat.sender_stall")
        let stall = try #require(stalls.first)
        #expect(stalls.count == 1, "\(stalls.map(\.summary))")
        #expect(stall.ips == [mesh.address(0)])
        #expect(stall.details["confirmed_at_host"] == .bool(true))
        #expect(stall.detail("host_vantage") == "n1")
        let pause = stall.number("pause_s") ?? 0
        // Last heartbeats at ~30.0 s (just before the freeze), first again at 36.2 s.
        #expect(pause > 6.1 && pause < 6.3, "pause \(pause)")
        #expect(stall.summary.contains("host-side stall"))
        let degraded = try #require(findings.of("heartbeat.degraded").first { $0.detail("sender") == mesh.address(0) })
        #expect(degraded.causedBy == [stall.key])
        // Three streams, one gap each: n1 -> n2's gap, seen at n1 and at n2, counts once.
        #expect(degraded.number("gaps") == 3)
        #expect(degraded.detail("worst_rung") == "unreachable")
        #expect(findings.of("heartbeat.degraded").allSatisfy { $0.detail("sender") == mesh.address(0) })
        #expect(findings.of("heartbeat.node_lost").isEmpty)
    }

    @Test func aClockOffsetBetweenCapturesDoesNotTurnAStallIntoALoss() throws {
        var mesh = HeartbeatMesh(captured: [0, 1])
        mesh.stalls = [(node: 0, from: 30, to: 36.2)]
        mesh.clockOffset = [1: 0.9]
        let findings = mesh.findings().heartbeat
        let stall = try #require(findings.of("heartbeat.sender_stall").first)
        #expect(stall.details["confirmed_at_host"] == .bool(true))
        let degraded = try #require(findings.of("heartbeat.degraded").first { $0.detail("sender") == "10.0.3.1" })
        #expect(degraded.summary.contains("network lost") == false, "\(degraded.summary)")
        #expect(degraded.causedBy == [stall.key])
        #expect(findings.of("heartbeat.degraded").allSatisfy { $0.detail("sender") == "10.0.3.1" })
    }

    @Test func aCookedCaptureOnTheSenderConfirmsAStallOfATwoNodePair() throws {
        // A two-node pair, one stream each way: a's capture is `tcpdump -i any` (its own
        // heartbeats marked outgoing), b's is Ethernet. a sends nothing from 20 to 26 s.
        let a = Self.a, b = Self.b
        var events: [(time: Double, vantage: Int, bytes: [UInt8], link: LinkType)] = []
        for sequence in 0..<40 {
            let sent = Double(sequence) * 1.2
            if !(sent >= 20 && sent < 26) {
                let out = FrameBuilder.udp(from: a.port(3343), to: b.port(3343), payload: [UInt8(sequence)])
                events.append((sent, 0, FrameBuilder.linuxSLL2(wrapping: out, packetType: .outgoing), .linuxSLL2))
                events.append((sent + 0.0003, 1, out, .ethernet))
            }
            let back = FrameBuilder.udp(from: b.port(3343), to: a.port(3343), payload: [UInt8(sequence)])
            events.append((sent + 0.6, 1, back, .ethernet))
            events.append((sent + 0.6003, 0, FrameBuilder.linuxSLL2(wrapping: back), .linuxSLL2))
        }
        var timeline = Timeline(vantages: ["a", "b"])
        for event in events.sorted(by: { $0.time < $1.time }) {
            timeline.add(event.bytes, at: event.time, vantage: event.vantage, linkType: event.link)
        }
        let findings = timeline.findings().heartbeat
        let stall = try #require(findings.of("heartbeat.sender_stall").first)
        #expect(stall.ips == ["10.0.3.1"])
        #expect(stall.detail("host_vantage") == "a")
        #expect(findings.of("heartbeat.sender_stall").count == 1)
    }

    @Test func aStallSeenOnlyByReceiversIsNotConfirmed() throws {
        var mesh = HeartbeatMesh(captured: [1, 2])
        mesh.stalls = [(node: 0, from: 30, to: 36.2)]
        let stall = try #require(mesh.findings().of("heartbeat.sender_stall").first)
        #expect(stall.ips == ["10.0.3.1"])
        #expect(stall.details["confirmed_at_host"] == .bool(false))
        #expect(stall.summary.contains("no capture on 10.0.3.1"))
    }

    @Test(arguments: [false, true])
    func aNodeWhoseStreamsAllFailIsLost(ipv6: Bool) throws {
        var mesh = HeartbeatMesh(captured: [0, 1])
        mesh.ipv6 = ipv6
        mesh.senderSpan = [2: (start: 0, stop: 30)]
        let findings = mesh.findings().heartbeat
        let lost = try #require(findings.of("heartbeat.node_lost").first)
        #expect(findings.of("heartbeat.node_lost").count == 1)
        #expect(lost.ips == [mesh.address(2)])
        #expect(lost.severity == .critical)
        #expect(findings.of("heartbeat.degraded").contains { $0.detail("sender") == mesh.address(2) && $0.detail("worst_rung") == "failed" })
        #expect(findings.of("heartbeat.sender_stall").isEmpty, "a node that never comes back is not a stall")
    }

    @Test func aNodeStoppingAsTheCaptureEndsIsNotLost() {
        var mesh = HeartbeatMesh(captured: [0, 1])
        mesh.senderSpan = [2: (start: 0, stop: 56)]
        #expect(mesh.findings().heartbeat.isEmpty)
    }

    @Test func aKeepalivedFailoverRaisesNoHeartbeatWarning() {
        let pair = KeepalivedPair()
        var script = Script()
        var time = 0.0
        while time < 20 {
            script.add(pair.advert(pair.node1, priority: 150), at: time)
            time += 1
        }
        // node1 shuts down: priority 0, node2 takes over at once and advertises.
        script.add(pair.advert(pair.node1, priority: 0), at: 20)
        script.add(pair.garp(pair.node2), at: 20.6)
        time = 20.6
        while time < 50 {
            script.add(pair.advert(pair.node2, priority: 100), at: time)
            time += 1
        }
        #expect(script.findings().heartbeat.isEmpty, "\(script.findings().heartbeat.map(\.summary))")
    }

    @Test func aVRRPTakeoverWithoutResignationIsNotALoss() {
        let pair = KeepalivedPair()
        var script = Script()
        var time = 0.0
        while time < 20 {
            script.add(pair.advert(pair.node1, priority: 150), at: time)
            time += 1
        }
        // node1 dies silently at 20: node2 takes over after the master-down interval.
        time = 22.6
        while time < 60 {
            script.add(pair.advert(pair.node2, priority: 100), at: time)
            time += 1
        }
        #expect(script.findings().heartbeat.isEmpty, "\(script.findings().heartbeat.map(\.summary))")
    }

    @Test func aVRRPMasterPauseIsInfoHereAndAWarningForVIP() throws {
        // A master with no backup pauses for 5 s (5 intervals): vip.advert_gap warns; the
        // heartbeat view only informs.
        let pair = KeepalivedPair()
        var script = Script()
        for second in 0..<40 where !(20..<25).contains(second) {
            script.add(pair.advert(pair.node1, priority: 150), at: Double(second))
        }
        let findings = script.findings()
        let degraded = try #require(findings.of("heartbeat.degraded").first)
        #expect(degraded.severity == .info)
        #expect(degraded.detail("worst_rung") == "unreachable")
        #expect(degraded.summary.contains("vip.advert_gap"))
        #expect(findings.heartbeat.atLeast(.warning).isEmpty)
        #expect(findings.of("vip.advert_gap").contains { $0.severity == .warning })
    }

    @Test func declarationsParse() {
        #expect(HeartbeatDeclaration("udp/3343@1.2") == HeartbeatDeclaration(port: 3343, intervalNanoseconds: 1_200_000_000))
        #expect(HeartbeatDeclaration("UDP/694") == HeartbeatDeclaration(port: 694))
        #expect(HeartbeatDeclaration("udp/5405@500ms") == HeartbeatDeclaration(port: 5405, intervalNanoseconds: 500_000_000))
        for bad in ["tcp/3343", "udp/", "udp/0", "udp/70000", "udp/3343@", "udp/3343@-1", "udp/3343@0", "3343"] {
            #expect(HeartbeatDeclaration(bad) == nil, "\(bad)")
        }
    }

    @Test func everyKindIsExplained() {
        let kinds = Set(DetectorRegistry.descriptions.map(\.kind.rawValue))
        for kind in ["heartbeat.degraded", "heartbeat.node_lost", "heartbeat.sender_stall"] { #expect(kinds.contains(kind)) }
        let degraded = DetectorRegistry.descriptions.first { $0.kind.rawValue == "heartbeat.degraded" }
        #expect(degraded?.tunables.map(\.key).contains("lost_ticks") == true)
    }
}

/// heartbeat.* on the other stream kinds: NLB heartbeats, HSRP hellos, a node that comes back.
@Suite struct HeartbeatStreamKindTests {
    @Test func aNodeThatComesBackIsReportedBack() throws {
        var mesh = HeartbeatMesh(captured: [0, 1])
        mesh.stalls = [(node: 2, from: 20, to: 35)]
        let findings = mesh.findings().heartbeat
        let lost = try #require(findings.of("heartbeat.node_lost").first)
        #expect(findings.of("heartbeat.node_lost").count == 1)
        #expect(lost.ips == ["10.0.3.3"])
        #expect(lost.details["returned"] == .bool(true))
        #expect(lost.summary.contains("sent again"))
        let silent = lost.number("silent_s") ?? 0
        // Node 3's last heartbeats at ~19.3 s (0.1 + 16 x 1.2), back at 35.0 s.
        #expect(silent > 15.6 && silent < 15.8, "silent \(silent)")
    }

    @Test func nlbHeartbeatsAreGraded() throws {
        let cluster = IPv4Address("10.0.5.50")!
        var script = Script()
        var time = 0.0
        for sequence in 0..<30 {
            for host: UInt8 in [1, 2] {
                if host == 2 && sequence >= 15 && sequence < 20 { continue }
                script.add(
                    FrameBuilder.nlbHeartbeat(hostID: host, clusterIP: cluster, dedicatedIP: IPv4Address(10, 0, 5, host)),
                    at: time + Double(host) * 0.01)
            }
            time += 1
        }
        let findings = script.findings().heartbeat
        let finding = try #require(findings.of("heartbeat.degraded").first)
        #expect(findings.count == 1, "\(findings.map(\.summary))")
        #expect(finding.detail("sender") == "10.0.5.2")
        #expect(finding.detail("worst_rung") == "unreachable")
        #expect(finding.summary.contains("NLB host 2"))
    }

    @Test func hsrpHellosUseTheirOwnHelloTime() throws {
        let active = Station("02:00:00:00:05:01", "10.0.5.1")
        let vip = IPv4Address("10.0.5.254")!
        func run(skip: Range<Int>) -> [Finding] {
            var script = Script()
            for sequence in 0..<30 where !skip.contains(sequence) {
                script.add(FrameBuilder.hsrpHello(group: 7, virtualIP: vip, from: active.host), at: Double(sequence) * 3)
            }
            return script.findings().heartbeat
        }
        #expect(run(skip: 12..<13).isEmpty, "one hello missing is normal")
        // Three hellos missing: a 12 s gap, 4 intervals of 3 s: 'lost' (under 4.25).
        let finding = try #require(run(skip: 12..<15).of("heartbeat.degraded").first)
        #expect(finding.detail("worst_rung") == "lost")
        #expect(finding.detail("interval_source") == "advertised")
        #expect(finding.number("interval_s") == 3)
    }
}
