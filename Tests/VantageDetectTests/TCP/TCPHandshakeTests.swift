import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

/// A LAN with a web server, a database and a few clients.
private enum LAN {
    static let web = Station("02:00:00:00:01:05", "10.0.0.5")
    static let db = Station("02:00:00:00:01:06", "10.0.0.6")
    static let clients = (1...5).map { Station("02:00:00:00:02:0\($0)", "10.0.0.2\($0)") }
    static let nowhere = MACAddress(0x02, 0xDE, 0xAD, 0, 0, 0x01)
}

@Suite struct TCPHandshakeQuietTests {
    @Test func quietOnNormalHandshakesClosesAndResets() {
        var lab = HandshakeLab()
        var time = 0.0
        for index in 0..<300 {
            let client = LAN.clients[index % 5].port(UInt16(40_000 + index))
            let server = index % 3 == 0 ? LAN.db.port(5432) : LAN.web.port(80)
            lab.connection(client: client, server: server, at: time, resetAtEnd: index % 10 == 0)
            time += 0.05
        }
        // A connection the server resets after it was established, and a SYN just before the end.
        lab.connection(client: LAN.clients[0].port(50_000), server: LAN.web.port(80), at: time)
        lab.add(FrameBuilder.tcp(from: LAN.web.port(80), to: LAN.clients[0].port(50_000), flags: [.rst, .ack], seq: 1, ack: 1), at: time + 0.01)
        lab.handshake(
            client: LAN.clients[1].port(50_001), server: LAN.web.port(80), at: time + 0.5, synTimes: [0], answer: { _ in nil },
            complete: false)
        let findings = lab.findings()
        #expect(findings.tcp.isEmpty, "\(findings.tcp.listing)")
        #expect(findings.atLeast(.warning).isEmpty, "\(findings.listing)")
    }

    @Test func quietWithTwoVantagePointsWhoseClocksDiffer() {
        // Every frame captured at both ends, the second capture's clock 0.4 s ahead and the
        // third's 0.7 s behind: copies must not look like retransmissions.
        var lab = HandshakeLab(vantages: ["client-side", "server-side", "tap"], offsets: [0, 0.4, -0.7])
        for index in 0..<100 {
            lab.connection(
                client: LAN.clients[index % 5].port(UInt16(41_000 + index)), server: LAN.web.port(443), at: Double(index) * 0.3)
        }
        #expect(lab.findings().tcp.isEmpty, "\(lab.findings().tcp.listing)")
    }
}

@Suite struct TCPHandshakeSlowTests {
    @Test func firesOnALostSynAckWithTheLinuxSchedule() throws {
        var lab = HandshakeLab()
        for index in 0..<9 {
            lab.connection(client: LAN.clients[index % 5].port(UInt16(42_000 + index)), server: LAN.web.port(80), at: Double(index))
        }
        let client = LAN.clients[2]
        let frames = lab.handshake(
            client: client.port(42_100), server: LAN.web.port(80), at: 20, synTimes: [0, 1.0],
            answer: { _ in (client.mac, nil) }, complete: true)
        let findings = lab.findings().tcp
        #expect(findings.count == 1, "\(findings.listing)")
        let finding = try #require(findings.first)
        #expect(finding.kind.rawValue == "tcp.handshake_slow")
        #expect(finding.severity == .info)  // one slow handshake, no established cause
        #expect(finding.details["schedule"]?.string == "linux_1s")
        #expect(finding.details["one_in"]?.int == 10)
        #expect(finding.details["server_handshakes"]?.int == 10)
        #expect(finding.details["cause"]?.string == "syn_ack_lost")
        #expect(abs((finding.details["delay_max_s"]?.double ?? 0) - 1.0004) < 0.001)
        #expect(finding.summary.contains("1 of 10 handshakes to 10.0.0.5:80 from 10.0.0.23:42100 (1 in 10)"))
        #expect(finding.summary.contains("retried after 1.0 s (1 s initial RTO"))
        #expect(finding.evidenceFrames.contains(frames.synAcks[0][0]!) && finding.evidenceFrames.contains(frames.syns[1][0]!))
        #expect(finding.causedBy.isEmpty)
    }

    @Test func firesAsWarningOnRepeatedThreeSecondRetries() throws {
        var lab = HandshakeLab()
        for index in 0..<5 {
            lab.connection(client: LAN.clients[index % 5].port(UInt16(43_000 + index)), server: LAN.db.port(5432), at: Double(index))
        }
        for index in 0..<5 {
            let client = LAN.clients[index]
            lab.handshake(
                client: client.port(UInt16(43_100 + index)), server: LAN.db.port(5432), at: 10 + Double(index) * 5,
                synTimes: [0, 3.0], answer: { $0 == 0 ? nil : (client.mac, nil) }, complete: true)
        }
        let finding = try #require(lab.findings().tcp.first)
        #expect(finding.kind.rawValue == "tcp.handshake_slow")
        #expect(finding.severity == .warning)
        #expect(finding.details["schedule"]?.string == "initial_3s")
        #expect(finding.details["handshakes"]?.int == 5)
        #expect(finding.details["cause"]?.string == "syn_lost")
        #expect(finding.summary.contains("5 of 10 handshakes to 10.0.0.6:5432 (1 in 2)"))
        #expect(finding.summary.contains("3 s initial RTO doubling: Windows or an older stack"))
    }

    @Test func quietWhenTheRetransmissionIsOnlyACaptureDuplicate() {
        // The same SYN captured twice 1 ms apart at one vantage point (a Linux `any` capture).
        var lab = HandshakeLab()
        let client = LAN.clients[0].port(44_000)
        let syn = FrameBuilder.tcp(from: client, to: LAN.web.port(80), flags: .syn, seq: 5, options: FrameBuilder.linuxSYNOptions, identification: 9)
        lab.add(syn, at: 1)
        lab.add(syn, at: 1.001)
        lab.add(FrameBuilder.tcp(from: LAN.web.port(80), to: client, flags: [.syn, .ack], seq: 70, ack: 6), at: 1.002)
        lab.add(FrameBuilder.tcp(from: client, to: LAN.web.port(80), flags: .ack, seq: 6, ack: 71), at: 1.003)
        lab.connection(client: LAN.clients[1].port(44_001), server: LAN.web.port(80), at: 10)
        #expect(lab.findings().tcp.isEmpty)
    }
}

@Suite struct TCPHandshakeFailedTests {
    @Test func refusedOnceByAServerThatIsDownIsInfoAndSaysSo() throws {
        var lab = HandshakeLab()
        lab.connection(client: LAN.clients[0].port(45_000), server: LAN.web.port(80), at: 0)
        let rst = lab.refused(client: LAN.clients[1].port(45_001), server: LAN.db.port(5432), at: 5)
        lab.connection(client: LAN.clients[0].port(45_002), server: LAN.web.port(80), at: 20)
        let findings = lab.findings().tcp
        #expect(findings.count == 1, "\(findings.listing)")
        let finding = try #require(findings.first)
        #expect(finding.kind.rawValue == "tcp.handshake_failed")
        #expect(finding.severity == .info)
        #expect(finding.details["cause"]?.string == "rst")
        #expect(finding.details["server_down"] == .bool(true))
        #expect(finding.summary.contains("10.0.0.6:5432 answered with a RST"))
        #expect(finding.summary.contains("completed no handshake in the capture: the server or service is down"))
        #expect(finding.evidenceFrames.contains(rst!))
    }

    @Test func manyRefusalsAreCritical() throws {
        var lab = HandshakeLab()
        for index in 0..<12 { lab.refused(client: LAN.clients[index % 5].port(UInt16(46_000 + index)), server: LAN.db.port(5432), at: Double(index)) }
        let finding = try #require(lab.findings().tcp.first)
        #expect(finding.severity == .critical)
        #expect(finding.details["handshakes"]?.int == 12)
        #expect(finding.details["ratio"]?.double == 1)
    }

    @Test func refusalsUntilTheServiceStartsAreInfo() throws {
        var lab = HandshakeLab()
        for index in 0..<5 { lab.refused(client: LAN.clients[0].port(UInt16(46_500 + index)), server: LAN.web.port(8080), at: Double(index) * 0.25) }
        for index in 0..<5 { lab.connection(client: LAN.clients[1].port(UInt16(46_600 + index)), server: LAN.web.port(8080), at: 2 + Double(index)) }
        let starting = try #require(lab.findings().tcp.first)
        #expect(starting.severity == .info)
        #expect(starting.details["before_first_accept"] == .bool(true))
        #expect(starting.summary.contains("5 of 10 handshakes to 10.0.0.5:8080 failed (1 in 2): 10.0.0.5:8080 answered with a RST"))
        #expect(starting.summary.contains("the service was not listening yet"))
        // Refused again later as well: no longer a start-up, one (server, cause) finding, a warning.
        for index in 0..<4 { lab.refused(client: LAN.clients[2].port(UInt16(46_700 + index)), server: LAN.web.port(8080), at: 20 + Double(index)) }
        let findings = lab.findings().tcp
        #expect(findings.count == 1)
        let mixed = try #require(findings.first)
        #expect(mixed.severity == .warning)
        #expect(mixed.details["before_first_accept"] == .bool(false) && mixed.details["after_last_accept"] == .bool(false))
        #expect(mixed.summary.contains("nothing listens on port 8080 at times"))
    }

    @Test func refusalsAfterTheServiceStoppedAreAWarningThatSaysSo() throws {
        var lab = HandshakeLab()
        for index in 0..<5 { lab.connection(client: LAN.clients[1].port(UInt16(46_800 + index)), server: LAN.web.port(8080), at: Double(index)) }
        for index in 0..<3 { lab.refused(client: LAN.clients[0].port(UInt16(46_900 + index)), server: LAN.web.port(8080), at: 10 + Double(index)) }
        let stopped = try #require(lab.findings().tcp.first)
        #expect(stopped.severity == .warning)
        #expect(stopped.details["after_last_accept"] == .bool(true))
        #expect(stopped.summary.contains("the service stopped listening"))
    }

    @Test func unansweredSYNsAgainstALiveServerAreAWarningWithoutTheDownNote() throws {
        var lab = HandshakeLab()
        for index in 0..<8 { lab.connection(client: LAN.clients[index % 5].port(UInt16(47_000 + index)), server: LAN.web.port(80), at: Double(index)) }
        lab.handshake(
            client: LAN.clients[3].port(47_100), server: LAN.web.port(80), at: 10, synTimes: [0, 1, 3, 7],
            answer: { _ in nil }, complete: false)
        let finding = try #require(lab.findings().tcp.first)
        #expect(finding.kind.rawValue == "tcp.handshake_failed")
        #expect(finding.severity == .warning)
        #expect(finding.details["cause"]?.string == "no_syn_ack")
        #expect(finding.details["server_down"] == .bool(false))
        #expect(finding.summary.contains("the client sent its SYN 4 times (1 s initial RTO"))
        #expect(!finding.summary.contains("down"))
    }
}

@Suite struct TCPHandshakeCauseTests {
    @Test func failedHandshakeOfSeed004NamesTheStaleMACFinding() throws {
        let seed = Seed004()
        let findings = seed.script.findings()
        let stale = try #require(findings.of("neighbor.stale_after_move").first)
        let failed = try #require(findings.of("tcp.handshake_failed").first, "\(findings.listing)")
        #expect(failed.causedBy == [stale.key])
        #expect(failed.severity == .warning)
        #expect(failed.details["cause"]?.string == "stale_neighbor")
        #expect(failed.summary.contains("the first SYN-ACK from 10.0.0.5 went to 02:00:00:00:00:01, which had stopped owning 10.0.0.20 at frame \(seed.moveFrame)"))
        #expect(failed.summary.contains("1 of 2 handshakes to 10.0.0.5:6379 from 10.0.0.20:41000 failed"))
        #expect(failed.evidenceFrames.contains(seed.staleSynAcks[0]))
        #expect(failed.evidenceFrames.contains(seed.syns[0]))
        #expect(findings.tcp.count == 1)
    }

    @Test func slowHandshakeOfSeed004AfterConvergenceNamesTheStaleMACFinding() throws {
        let seed = Seed004(converge: true)
        let findings = seed.script.findings()
        let stale = try #require(findings.of("neighbor.stale_after_move").first)
        let slow = try #require(findings.of("tcp.handshake_slow").first, "\(findings.listing)")
        #expect(slow.causedBy == [stale.key])
        #expect(slow.severity == .warning)
        #expect(abs((slow.details["delay_max_s"]?.double ?? 0) - 9.0003) < 0.001)
        #expect(slow.details["schedule"]?.string == "linux_1s")
        #expect(slow.summary.contains("waited 9.0 s"))
        #expect(findings.of("tcp.handshake_failed").isEmpty)
    }

    @Test func failedHandshakeNamesTheUnansweredARPOfTheServer() throws {
        var lab = HandshakeLab()
        lab.connection(client: LAN.clients[0].port(48_000), server: LAN.web.port(80), at: 0)
        // The server must resolve 10.0.0.24 to answer: nobody replies to its ARP.
        let client = LAN.clients[3]
        for second in [10.0001, 11.0001, 12.0001] {
            lab.add(FrameBuilder.arpRequest(from: LAN.web.mac, ip: LAN.web.ip, asking: client.ip), at: second)
        }
        lab.handshake(
            client: client.port(48_100), server: LAN.web.port(80), at: 10, synTimes: [0, 1, 3], answer: { _ in nil },
            complete: false)
        let findings = lab.findings()
        let arp = try #require(findings.of("arp.unanswered").first, "\(findings.listing)")
        let failed = try #require(findings.of("tcp.handshake_failed").first, "\(findings.listing)")
        #expect(failed.causedBy == [arp.key])
        #expect(failed.details["cause"]?.string == "unanswered_resolution")
        #expect(failed.summary.contains("10.0.0.5 (02:00:00:00:01:05) got no answer to its ARP requests for 10.0.0.24"))
    }

    @Test func quietCauseLessFailureIsNotBlamedOnAnUnrelatedARP() throws {
        // Another host's unanswered ARP at the same time is no cause, nor the client's own for
        // an address that is neither endpoint.
        var lab = HandshakeLab()
        lab.connection(client: LAN.clients[0].port(48_500), server: LAN.web.port(80), at: 0)
        for second in [10.0, 11.0, 12.0] {
            lab.add(FrameBuilder.arpRequest(from: LAN.clients[4].mac, ip: LAN.clients[4].ip, asking: IPv4Address(10, 0, 0, 99)), at: second)
            lab.add(FrameBuilder.arpRequest(from: LAN.clients[3].mac, ip: LAN.clients[3].ip, asking: IPv4Address(10, 0, 0, 98)), at: second + 0.1)
        }
        lab.handshake(
            client: LAN.clients[3].port(48_600), server: LAN.web.port(80), at: 10, synTimes: [0, 1, 3], answer: { _ in nil },
            complete: false)
        let failed = try #require(lab.findings().of("tcp.handshake_failed").first)
        #expect(failed.causedBy.isEmpty)
        #expect(failed.details["cause"]?.string == "no_syn_ack")
    }
}

@Suite struct TCPHandshakeSeed001Tests {
    typealias S = VIPScenarios

    /// Seed 001: 1000 connections from 192.168.0.17 to the web server 192.168.80.2, replies
    /// routed via the CARP VIP; the first SYN-ACK of one goes to the backup's own MAC (seen at
    /// the web server and at the backup, whose clock is 5 ms ahead) and the client retries after 3 s.
    static func seed(misdirected: Bool) -> (lab: HandshakeLab, synAck: [Int: Int]?) {
        let base = S.carpSeed(strays: false)
        // Frame numbers continue those of the base timeline at each vantage point.
        var lab = HandshakeLab(base, offsets: [0, 0.0003, 0.005], frameCounts: HandshakeLab.frameCounts(of: base))
        let client = (S.carpMaster.mac, S.internetClient)  // arrives at the web server from the master
        var synAck: [Int: Int]?
        var time = 2.0
        for index in 0..<1000 {
            let port = UInt16(20_000 + index)
            let from: FrameBuilder.Endpoint = (client.0, client.1, port)
            if misdirected && index == 500 {
                let frames = lab.handshake(
                    client: from, server: (S.web2.mac, S.web2.ip, 80), at: time, synTimes: [0, 3.0], synVantages: [0, 1],
                    answer: { $0 == 0 ? (S.carpBackup.mac, [0, 2]) : (S.carpVirtualMAC, [0, 1]) }, complete: true)
                synAck = frames.synAcks[0]
            } else {
                lab.connection(
                    client: from, server: (S.web2.mac, S.web2.ip, 80), at: time, replyMAC: S.carpVirtualMAC, vantages: [0, 1])
            }
            time += 0.05
        }
        return (lab, synAck)
    }

    @Test func oneSlowHandshakeInAThousandIsTiedToTheCARPBackupAndSeenAtTwoVantagePoints() throws {
        let (lab, misdirected) = Self.seed(misdirected: true)
        let findings = lab.findings()
        let backup = try #require(findings.of("vip.traffic_to_backup").first, "\(findings.listing)")
        let tcp = findings.tcp
        #expect(tcp.count == 1, "\(tcp.listing)")
        let slow = try #require(tcp.first)
        #expect(slow.kind.rawValue == "tcp.handshake_slow")
        #expect(slow.causedBy == [backup.key])
        #expect(slow.severity == .warning)
        #expect(slow.details["one_in"]?.int == 1000)
        #expect(slow.details["server_handshakes"]?.int == 1000)
        #expect(slow.details["schedule"]?.string == "initial_3s")
        #expect(slow.summary.contains("1 of 1000 handshakes to 192.168.80.2:80 from 192.168.0.17:20500 (1 in 1000)"))
        #expect(slow.summary.contains("the first SYN-ACK from 192.168.80.2 went to 90:e2:ba:0d:0a:7d, the backup 192.168.80.252"))
        #expect(slow.summary.contains("last seen at fw-backup"))
        #expect(slow.summary.contains("retried after 3.0 s"))
        // The misdirected SYN-ACK once, with a piece of evidence from each vantage point that saw it.
        let synAck = try #require(misdirected)
        let copies = slow.evidence.filter { $0.note.hasPrefix("SYN-ACK 1") }
        #expect(copies.count == 2)
        #expect(Set(copies.map { $0.reference.vantage }) == [0, 2])
        #expect(copies.contains { $0.reference.vantage == 0 && $0.reference.frame == synAck[0] })
        #expect(copies.contains { $0.reference.vantage == 2 && $0.reference.frame == synAck[2] && $0.note.contains("last seen here") })
        #expect(copies.allSatisfy { $0.note.contains("to 90:e2:ba:0d:0a:7d") })
        #expect(slow.details["connections"].flatMap { if case .list(let list) = $0 { list.count } else { nil } } == 1)
        // Per transmission, where it was seen: the first SYN-ACK at web and fw-backup, the second at web and fw-master.
        guard case .list(let connections)? = slow.details["connections"], case .object(let connection)? = connections.first,
            case .list(let synAcks)? = connection["syn_ack_seen"], synAcks.count == 2,
            case .list(let first) = synAcks[0], case .list(let second) = synAcks[1]
        else {
            Issue.record("no syn_ack_seen detail")
            return
        }
        func names(_ copies: [DetailValue]) -> [String] {
            copies.compactMap { if case .object(let object) = $0 { object["vantage"]?.string } else { nil } }
        }
        #expect(names(first) == ["web", "fw-backup"])
        #expect(names(second) == ["web", "fw-master"])
    }

    @Test func quietOnTheThousandGoodHandshakes() {
        let findings = Self.seed(misdirected: false).lab.findings()
        #expect(findings.tcp.isEmpty, "\(findings.tcp.listing)")
    }
}

@Suite struct TCPHandshakeRegistryTests {
    @Test func bothKindsAreRegisteredAfterTheirCausesAndDescribed() throws {
        let kinds = DetectorRegistry.descriptions.map(\.kind.rawValue)
        #expect(kinds.contains("tcp.handshake_failed") && kinds.contains("tcp.handshake_slow"))
        let failed = try #require(DetectorRegistry.descriptions.first { $0.kind.rawValue == "tcp.handshake_failed" })
        #expect(failed.tunables.map(\.key).contains("copy_window"))
        let order = DetectorRegistry.standard(AnalysisConfiguration()).map { String(describing: type(of: $0)) }
        let tcp = try #require(order.firstIndex(of: "TCPHandshakeDetector"))
        for cause in ["StaleAfterMoveDetector", "UnansweredResolutionDetector", "VIPTrafficToBackupDetector"] {
            #expect((order.firstIndex(of: cause) ?? .max) < tcp)
        }
    }

    @Test func tunablesComeFromTheConfiguration() throws {
        // With minimum_delay above the 1 s retry, the handshake is no longer slow.
        var lab = HandshakeLab()
        let client = LAN.clients[0]
        lab.handshake(
            client: client.port(49_000), server: LAN.web.port(80), at: 1, synTimes: [0, 1.0], answer: { _ in (client.mac, nil) },
            complete: true)
        #expect(lab.findings().of("tcp.handshake_slow").count == 1)
        var configuration = AnalysisConfiguration()
        configuration.thresholds["tcp.handshake_slow"] = ["minimum_delay": 2]
        #expect(lab.findings(configuration).of("tcp.handshake_slow").isEmpty)
    }
}

@Suite struct TCPHandshakeBoundsTests {
    @Test func ipv6HandshakesAreTrackedToo() throws {
        var lab = HandshakeLab()
        let client: FrameBuilder.Endpoint6 = (LAN.clients[0].mac, IPv6Address("2001:db8::21")!, 51_000)
        let server: FrameBuilder.Endpoint6 = (LAN.web.mac, IPv6Address("2001:db8::5")!, 443)
        // A normal one, then one whose SYNs are never answered.
        lab.add(FrameBuilder.tcp6(from: client, to: server, flags: .syn, seq: 10), at: 1)
        lab.add(FrameBuilder.tcp6(from: server, to: client, flags: [.syn, .ack], seq: 90, ack: 11), at: 1.0001)
        lab.add(FrameBuilder.tcp6(from: client, to: server, flags: .ack, seq: 11, ack: 91), at: 1.0002)
        let retry: FrameBuilder.Endpoint6 = (client.mac, client.ip, 51_001)
        for second in [2.0, 3.0, 5.0] {
            lab.add(FrameBuilder.tcp6(from: retry, to: server, flags: .syn, seq: 500, options: TCPOptions(timestampValue: UInt32(second * 1000))), at: second)
        }
        let finding = try #require(lab.findings().tcp.first)
        #expect(finding.kind.rawValue == "tcp.handshake_failed")
        #expect(finding.summary.contains("1 of 2 handshakes to [2001:db8::5]:443 from [2001:db8::21]:51001 failed"))
        #expect(finding.details["connections"].flatMap { if case .list(let list) = $0 { list.first } else { nil } }
            .flatMap { if case .object(let object) = $0 { object["syns"]?.int } else { nil } } == 3)
    }

    @Test func aFullTableForgetsTheLeastRecentHandshakesAndSaysSo() throws {
        var configuration = AnalysisConfiguration()
        configuration.thresholds["tcp.handshake_failed"] = ["table_capacity": 16]
        var lab = HandshakeLab()
        // 40 clients whose SYNs are never answered, all open at once: 24 are forgotten.
        for index in 0..<40 {
            lab.handshake(
                client: LAN.clients[index % 5].port(UInt16(52_000 + index)), server: LAN.web.port(80), at: Double(index) * 0.01,
                synTimes: [0, 1, 3], answer: { _ in nil }, complete: false)
        }
        let findings = lab.findings(configuration)
        let saturated = try #require(findings.of("tcp.handshake_table_saturated").first, "\(findings.listing)")
        #expect(saturated.severity == .warning)
        #expect(saturated.details["capacity"]?.int == 16)
        #expect((saturated.details["evictions"]?.int ?? 0) >= 24)
        #expect(saturated.summary.contains("capacity of 16"))
        // With the default capacity nothing is forgotten, and all 40 fail.
        let failed = try #require(lab.findings().of("tcp.handshake_failed").first)
        #expect(failed.details["handshakes"]?.int == 40)
        #expect(failed.details["table_evictions"]?.int == 0)
        #expect(lab.findings().of("tcp.handshake_table_saturated").isEmpty)
    }
}

@Suite struct TCPHandshakeUnjudgedTests {
    @Test func lonelySYNsThatNobodyRetriesAreNotFailures() {
        // A SYN scan of filtered ports, and SYN + SYN-ACK whose ACK the capture misses (one
        // direction of a direct-server-return path): nobody retransmits, so nothing failed.
        var lab = HandshakeLab()
        lab.connection(client: LAN.clients[0].port(53_000), server: LAN.web.port(80), at: 0)
        for port in UInt16(20)..<UInt16(40) {
            lab.handshake(client: LAN.clients[4].port(60_000), server: LAN.web.port(port), at: 1 + Double(port) * 0.01, synTimes: [0], answer: { _ in nil }, complete: false)
        }
        lab.handshake(
            client: LAN.clients[1].port(53_001), server: LAN.web.port(80), at: 2, synTimes: [0], answer: { _ in (LAN.clients[1].mac, nil) },
            complete: false)
        lab.connection(client: LAN.clients[0].port(53_002), server: LAN.web.port(80), at: 30)
        #expect(lab.findings().tcp.isEmpty, "\(lab.findings().tcp.listing)")
    }
}

@Suite struct TCPHandshakeClockOffsetTests {
    @Test func timestampsKeepALostSynAckApartFromItsRetransmissionWhenAClockIsOffByOneSecond() throws {
        // The backup's capture runs 1 s late: its copy of the lost first SYN-ACK lands next to
        // the retransmitted one on the merged timeline. Their TCP timestamps tell them apart.
        var lab = HandshakeLab(vantages: ["server", "client", "backup"], offsets: [0, 0, 1.0])
        let client = LAN.clients[0]
        lab.connection(client: client.port(54_000), server: LAN.web.port(80), at: 0, vantages: [0, 1])
        lab.handshake(
            client: client.port(54_001), server: LAN.web.port(80), at: 5, synTimes: [0, 1.0], synVantages: [0, 1],
            answer: { $0 == 0 ? (LAN.nowhere, [0, 2]) : (client.mac, [0, 1]) }, complete: true, synAckTimestamps: true)
        let slow = try #require(lab.findings().of("tcp.handshake_slow").first)
        guard case .list(let connections)? = slow.details["connections"], case .object(let connection)? = connections.first,
            case .list(let synAcks)? = connection["syn_ack_seen"]
        else {
            Issue.record("no syn_ack_seen")
            return
        }
        func names(_ value: DetailValue) -> [String] {
            guard case .list(let copies) = value else { return [] }
            return copies.compactMap { if case .object(let object) = $0 { object["vantage"]?.string } else { nil } }
        }
        #expect(synAcks.map(names) == [["server", "backup"], ["server", "client"]])
        #expect(slow.details["cause"]?.string == "syn_ack_lost")
        #expect(slow.summary.contains("the first SYN-ACK from 10.0.0.5 did not get through (last seen at backup)"))
    }
}
