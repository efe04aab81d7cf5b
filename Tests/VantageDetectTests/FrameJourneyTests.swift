import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

private typealias S = VIPScenarios

/// Frame journeys: FrameSightings, and detectors reporting a frame seen at several vantage
/// points once, with one piece of evidence per vantage point.
@Suite struct FrameJourneyTests {
    private static let epoch = Timestamp(seconds: 1_795_300_000)
    private static let macA = MACAddress(0x02, 0, 0, 0, 0, 0x0A)
    private static let macB = MACAddress(0x02, 0, 0, 0, 0, 0x0B)

    private func at(_ vantage: Int, frame: Int, ms: Double) -> FrameReference {
        FrameReference(vantage: vantage, frame: frame, time: Self.epoch + Int64(ms * 1e6))
    }

    // MARK: - FrameSightings

    @Test func copiesAtOtherVantagePointsJoinOneJourney() {
        let table = FrameSightings()
        let id = FrameIdentity(rawValue: 0xABCD)
        table.record(id, reference: at(0, frame: 5, ms: 0), destinationMAC: Self.macA)
        table.record(id, reference: at(1, frame: 9, ms: 0.3), destinationMAC: Self.macA)
        table.record(id, reference: at(2, frame: 2, ms: 4), destinationMAC: Self.macB)
        let journey = table.sightings(of: id, containing: at(1, frame: 9, ms: 0.3))
        #expect(journey.map(\.reference.vantage) == [0, 1, 2])
        #expect(journey.map(\.destinationMAC) == [Self.macA, Self.macA, Self.macB])
        #expect(journey.last?.reference.frame == 2, "last seen at vantage 2")
    }

    @Test func aRepeatAtTheSameVantageOrLaterIsAnotherFrame() {
        let table = FrameSightings()
        let id = FrameIdentity(rawValue: 0x1234)
        table.record(id, reference: at(0, frame: 1, ms: 0), destinationMAC: Self.macA)
        table.record(id, reference: at(0, frame: 2, ms: 1), destinationMAC: Self.macA)  // same vantage: a retransmission
        #expect(table.sightings(of: id, containing: at(0, frame: 2, ms: 1)).map(\.reference.frame) == [2])
        #expect(table.sightings(of: id, containing: at(0, frame: 1, ms: 0)).map(\.reference.frame) == [1])
        table.record(id, reference: at(1, frame: 7, ms: 500), destinationMAC: Self.macA)  // far beyond the copy window
        #expect(table.sightings(of: id, containing: at(1, frame: 7, ms: 500)).map(\.reference.vantage) == [1])
    }

    @Test func ringStaysBoundedAndForgetsTheOldest() {
        let table = FrameSightings(capacity: 64)
        func id(_ index: Int) -> FrameIdentity { FrameIdentity(rawValue: UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15) }
        for index in 0..<10_000 {
            table.record(id(index), reference: at(index % 2, frame: index + 1, ms: Double(index) * 0.001), destinationMAC: nil)
        }
        #expect(table.capacity == 64)
        let last = table.sightings(of: id(9_999), containing: at(1, frame: 10_000, ms: 9.999))
        #expect(last.count == 1 && last.first?.destinationMAC == nil)
        #expect(table.sightings(of: id(0), containing: at(0, frame: 1, ms: 0)).isEmpty, "overwritten long ago")
    }

    @Test func oneVantagePointKeepsNoTable() {
        #expect(AnalysisState(configuration: .init(), vantageNames: ["one"]).sightings == nil)
        #expect(AnalysisState(configuration: .init(), vantageNames: ["a", "b"]).sightings != nil)
    }

    // MARK: - vip.traffic_to_backup

    @Test func strayFrameAtThreeVantagePointsIsOneFrameWithThreePiecesOfEvidence() throws {
        var timeline = S.carpSeed(strays: false)
        let stray = FrameBuilder.tcp(
            from: (S.web2.mac, S.web2.ip, 80), to: (S.carpBackup.mac, S.internetClient, 30892), flags: [.syn, .ack],
            seq: 1_053_809_273, ack: 1_377_231_735, identification: 0x4242)
        timeline.add(stray, at: 45.258016, vantage: 0)
        timeline.add(stray, at: 45.258100, vantage: 1)  // flooded to the master's port too
        timeline.add(stray, at: 45.263024, vantage: 2)
        let finding = try #require(timeline.findings().of("vip.traffic_to_backup").first)
        #expect(timeline.findings().of("vip.traffic_to_backup").count == 1)
        #expect(finding.details["frames"] == .int(1), "one frame, not three")
        #expect(finding.details["frames_all_vantages"] == .int(3))
        #expect(finding.summary.contains("1 frame;") || finding.summary.contains("1 frame,") || finding.summary.contains("1 frame "))
        #expect(finding.evidence.count == 3)
        #expect(finding.evidence.map(\.reference.vantage) == [0, 1, 2])
        let first = finding.evidence[0].note
        #expect(first.contains("seen at web (to 90:e2:ba:0d:0a:7d), fw-master (to 90:e2:ba:0d:0a:7d), fw-backup (to 90:e2:ba:0d:0a:7d)"), "\(first)")
        #expect(first.hasSuffix("last seen at fw-backup"))
        #expect(finding.evidence[2].note == "the same frame at fw-backup (to 90:e2:ba:0d:0a:7d)")
    }

    @Test func aLaterCopyWhereTheDetectorDoesNotFireJoinsTheJourney() throws {
        // The stray reaches the backup (captured at web, to the backup's MAC); the backup routes
        // it on to the master's virtual MAC, captured at the master 0.4 ms later: not stray there.
        var timeline = S.carpSeed(strays: false)
        let packet: (MACAddress) -> [UInt8] = { mac in
            FrameBuilder.tcp(
                from: (S.web2.mac, S.web2.ip, 80), to: (mac, S.internetClient, 30892), flags: [.syn, .ack], seq: 99,
                ack: 1_377_231_735, identification: 0x5151)
        }
        timeline.add(packet(S.carpBackup.mac), at: 45.2580, vantage: 0)
        timeline.add(packet(S.carpVirtualMAC), at: 45.2584, vantage: 1)
        let finding = try #require(timeline.findings().of("vip.traffic_to_backup").first)
        #expect(finding.details["frames"] == .int(1))
        #expect(finding.evidence.map(\.reference.vantage) == [0, 1])
        #expect(finding.evidence[0].note.contains("seen at web (to 90:e2:ba:0d:0a:7d), fw-master (to \(S.carpVirtualMAC))"))
        #expect(finding.evidence[0].note.hasSuffix("last seen at fw-master"))
    }

    @Test func seedStraysCountOnceAndCarryTheirJourney() throws {
        let finding = try #require(S.carpSeed(strays: true).findings().of("vip.traffic_to_backup").first)
        #expect(finding.details["frames"] == .int(57))
        #expect(finding.details["frames_all_vantages"] == .int(113), "56 echo requests at two vantage points, one SYN-ACK at one")
        let echo = try #require(finding.evidence.first { $0.note.contains("seen at") })
        #expect(echo.reference.vantage == 0)
        #expect(echo.note.contains("last seen at fw-backup"))
        #expect(finding.evidence.contains { $0.reference.vantage == 2 && $0.note.hasPrefix("the same frame at fw-backup") })
    }

    @Test func identicalFramesSecondsApartAreSeparateFrames() throws {
        // A frame repeated byte for byte (IP id 0) once a second is a new frame each time. (Port
        // 30893: the seed routes an otherwise identical SYN-ACK via the VIP at the same seconds.)
        var timeline = S.carpSeed(strays: false)
        let stray = FrameBuilder.tcp(
            from: (S.web2.mac, S.web2.ip, 80), to: (S.carpBackup.mac, S.internetClient, 30893), flags: [.syn, .ack])
        for second in [40.0, 41.0, 42.0] {
            timeline.add(stray, at: second, vantage: 0)
            timeline.add(stray, at: second + 0.0002, vantage: 2)
        }
        let finding = try #require(timeline.findings().of("vip.traffic_to_backup").first)
        #expect(finding.details["frames"] == .int(3))
        #expect(finding.evidence.count == 6)
    }

    // MARK: - neighbor.stale_after_move

    @Test func staleFramesAtTwoVantagePointsCarryBothSightings() throws {
        let seed = Seed004()
        var timeline = Timeline(vantages: ["redis.pcap", "span.pcap"])
        for frame in seed.script.frames {
            timeline.add(frame.bytes, at: frame.seconds, vantage: 0)
            timeline.add(frame.bytes, at: frame.seconds + 0.0002, vantage: 1)
        }
        let single = try #require(seed.script.findings().of("neighbor.stale_after_move").first)
        let double = try #require(timeline.findings().of("neighbor.stale_after_move").first)
        #expect(double.details["frames"] == single.details["frames"])
        let journeys = double.evidence.filter { $0.note.contains("seen at redis.pcap (to ") }
        #expect(!journeys.isEmpty, "\(double.evidence.map(\.note))")
        #expect(journeys.allSatisfy { $0.note.hasSuffix("last seen at span.pcap") && $0.reference.vantage == 0 })
        let copies = double.evidence.filter { $0.note.hasPrefix("the same frame at span.pcap") }
        #expect(copies.count == journeys.count)
        #expect(copies.allSatisfy { $0.reference.vantage == 1 })
        // One capture: no journeys in the evidence.
        #expect(!single.evidence.contains { $0.note.contains("seen at") })
    }
}
