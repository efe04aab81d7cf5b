import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

@testable import VantageState

private typealias F = VIPFixture

/// Everything a report shows of a finding: the fields as one string, and the details (compared
/// as values: a dictionary's printed order is not stable).
private struct Signature: Equatable, CustomStringConvertible {
    var fields: String
    var details: [String: DetailValue]
    var description: String { fields }
}

private func signature(_ finding: Finding) -> Signature {
    let evidence = finding.evidence.map { "\($0)" }.joined(separator: ";")
    return Signature(
        fields: "\(finding.kind)|\(finding.key)|\(finding.severity)|\(finding.start)|\(finding.end)|\(finding.summary)|"
            + "\(finding.ips)|\(finding.macs)|\(evidence)|\(finding.causedBy)",
        details: finding.details)
}

/// A detector that records which frames it heard (by vantage and frame number).
private final class RecordingDetector: Detector {
    static var descriptions: [KindDescription] { [] }
    let interest: ObservationInterest
    var heard: [Int] = []

    init(_ interest: ObservationInterest) { self.interest = interest }

    func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        heard.append(observation.reference.frame)
    }

    func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {}
}

@Suite struct AnalysisPipelineTests {
    /// Scenarios with data-plane findings and quiet ones.
    static let scenarios: [(String, Timeline)] = [
        ("CARP backup receiving VIP traffic", VIPScenarios.carpSeed(strays: true)),
        ("CARP normal", VIPScenarios.carpSeed(strays: false)),
        ("keepalived SIGKILL without GARP", VIPScenarios.keepalivedSigkill(garps: false)),
        ("keepalived resign", VIPScenarios.keepalivedResign()),
    ]

    /// Decoding in place into the pipeline's slots, inline or on the engine thread through rings
    /// that wrap many times, gives exactly the findings of fresh observations fed directly.
    @Test(arguments: scenarios.map(\.0))
    func pipelineFindingsEqualDirectFindings(_ name: String) throws {
        let timeline = try #require(Self.scenarios.first { $0.0 == name }?.1)
        let direct = timeline.findings().map(signature)
        if name.contains("receiving") || name.contains("without") {
            #expect(!direct.isEmpty, "the fault scenario must produce findings for the comparison to mean something")
        }
        let feeds: [Timeline.Feed] = [
            .pipeline(threaded: false, batchSize: 1, batchCount: 2),
            .pipeline(threaded: true, batchSize: 7, batchCount: 3),
            .pipeline(threaded: true, batchSize: 1, batchCount: 2),
            .pipeline(threaded: true, batchSize: 3, batchCount: 9),
            .pipeline(threaded: true, batchSize: 512, batchCount: 32),
        ]
        for feed in feeds {
            let piped = timeline.findings(feed: feed).map(signature)
            #expect(piped == direct, "\(name), \(feed): \(piped.count) vs \(direct.count) findings")
        }
        #expect(timeline.count > 7 * 3 * 10, "the small ring must wrap many times")
    }

    /// A pipeline finished without a frame returns no findings (and does not hang).
    @Test func emptyPipeline() {
        for threaded in [false, true] {
            let engine = AnalysisEngine(configuration: AnalysisConfiguration(), vantageNames: ["capture"])
            let pipeline = AnalysisPipeline(engine: engine, threaded: threaded, batchSize: 4, batchCount: 2)
            #expect(pipeline.finish().isEmpty)
        }
    }
}

@Suite struct EngineRoutingTests {
    /// Each detector hears exactly the frames of its classes, in order: TCP, UDP, ARP, claims,
    /// data frames with a neighbor event.
    @Test func detectorsHearTheirClassesOnly() {
        var timeline = Timeline()
        let client = F.client
        let server = F.nodeA
        timeline.add(FrameBuilder.arpRequest(from: client.mac, ip: client.ip, asking: server.ip), at: 0.1)  // 1
        timeline.add(FrameBuilder.tcp(from: (client.mac, client.ip, 40000), to: (server.mac, server.ip, 443), flags: [.syn]), at: 0.2)  // 2
        timeline.add(FrameBuilder.udp(from: (client.mac, client.ip, 5000), to: (server.mac, server.ip, 694), payload: [1, 2]), at: 0.3)  // 3
        timeline.add(FrameBuilder.icmpEchoRequest(from: client, to: server), at: 0.4)  // 4
        timeline.add(FrameBuilder.vrrpAdvert(vrid: 7, addresses: [F.vip], from: server.ip, sourceMAC: server.mac), at: 0.5)  // 5
        timeline.add(FrameBuilder.tcp(from: (server.mac, server.ip, 443), to: (client.mac, client.ip, 40000), flags: [.syn, .ack]), at: 0.6)  // 6
        // The client's address moves to another MAC; the server keeps sending to the old one.
        timeline.add(FrameBuilder.gratuitousARP(from: F.client2.mac, ip: client.ip), at: 0.7)  // 7
        timeline.add(FrameBuilder.tcp(from: (server.mac, server.ip, 443), to: (client.mac, client.ip, 40000), flags: [.ack]), at: 0.8)  // 8
        let tcp = RecordingDetector(.tcp)
        let udp = RecordingDetector(.udp)
        let data = RecordingDetector(.ipData)
        let arp = RecordingDetector(.arp)
        let claims = RecordingDetector(.neighborClaim)
        let redundancy = RecordingDetector(.redundancy)
        let everything = RecordingDetector(.all)
        let dataEvents = RecordingDetector(.dataPlaneEvent)
        let detectors: [any Detector] = [tcp, udp, data, arp, claims, redundancy, everything, dataEvents]
        for feed: Timeline.Feed in [.direct, .pipeline(threaded: true, batchSize: 2, batchCount: 2)] {
            for detector in detectors { (detector as? RecordingDetector)?.heard = [] }
            _ = timeline.findings(detectors: detectors, feed: feed)
            #expect(tcp.heard == [2, 6, 8])
            #expect(udp.heard == [3])
            #expect(data.heard == [2, 3, 4, 6, 8])
            #expect(arp.heard == [1, 7])
            #expect(claims.heard == [1, 7], "the ARP request and the gratuitous ARP claim the client's address")
            #expect(redundancy.heard == [5])
            #expect(everything.heard == [1, 2, 3, 4, 5, 6, 7, 8])
            #expect(dataEvents.heard == [8], "only the frame to the client's former MAC is a data frame with an event")
        }
    }
}

/// A fresh observation of `bytes` (an Ethernet frame).
private func fresh(_ bytes: [UInt8], _ decoder: PacketDecoder) -> Observation {
    Observation(
        reference: FrameReference(vantage: 0, frame: 1, time: .zero), packet: decoder.decode(bytes.span, linkType: .ethernet),
        originalLength: bytes.count)
}

@Suite struct ObservationInPlaceTests {
    /// One observation decoded frame after frame holds what a fresh observation of each frame
    /// holds: no field survives from the previous frame.
    @Test func decodeInPlaceMatchesFreshObservation() {
        let client = F.client
        let server = F.nodeA
        let client6: FrameBuilder.Host6 = (client.mac, IPv6Address(high: 0xFE80_0000_0000_0000, low: 0x1))
        let frames: [[UInt8]] = [
            FrameBuilder.tcp(from: (client.mac, client.ip, 40000), to: (server.mac, server.ip, 443), flags: [.syn], ttl: 61, vlans: [20]),
            FrameBuilder.arpRequest(from: client.mac, ip: client.ip, asking: server.ip),
            FrameBuilder.neighborSolicitation(from: client6, target: IPv6Address(high: 0xFE80_0000_0000_0000, low: 0x2)),
            FrameBuilder.vrrpAdvert(vrid: 7, addresses: [F.vip], from: server.ip, sourceMAC: server.mac),
            [0x01, 0x02, 0x03],
            FrameBuilder.udp(from: (client.mac, client.ip, 5000), to: (server.mac, server.ip, 694), payload: [1], vlans: [100, 200]),
        ]
        let decoder = PacketDecoder()
        var reused = Observation()
        for (index, bytes) in frames.enumerated() {
            let reference = FrameReference(vantage: 1, frame: index + 1, time: Timestamp(seconds: Int64(index)))
            reused.decode(bytes.span, linkType: .ethernet, fcsLength: 0, with: decoder, reference: reference, originalLength: bytes.count)
            let fresh = Observation(
                reference: reference, packet: decoder.decode(bytes.span, linkType: .ethernet), originalLength: bytes.count)
            #expect(reused.shape == fresh.shape, "frame \(index + 1)")
            #expect(reused.shape == fresh.packet.shape, "frame \(index + 1)")
            #expect(reused.vlan == fresh.vlan && reused.vlan == (fresh.packet.vlanID ?? 0), "frame \(index + 1)")
            #expect(reused.sourceMAC == fresh.packet.sourceMAC && reused.destinationMAC == fresh.packet.destinationMAC)
            #expect(reused.ipSource == fresh.ipSource && reused.ipDestination == fresh.ipDestination, "frame \(index + 1)")
            #expect(reused.hopLimit == fresh.hopLimit && reused.reference == reference && reused.originalLength == bytes.count)
        }
        // Spot checks against the frames themselves.
        let tcp = fresh(frames[0], decoder)
        #expect(tcp.vlan == 20 && tcp.hopLimit == 61)
        #expect(tcp.ipSource == NeighborAddress(client.ip) && tcp.ipDestination == NeighborAddress(server.ip))
        #expect(ObservationInterest.of(tcp.shape) == [.ipData, .tcp])
        let arp = fresh(frames[1], decoder)
        #expect(arp.ipSource == nil && arp.hopLimit == 0 && ObservationInterest.of(arp.shape) == .arp)
        #expect(reused.vlan == 200, "the inner tag of a Q-in-Q frame scopes it")
    }
}

@Suite struct WordTableTests {
    /// Every inserted key is found with its latest value through many doublings (key 0 too);
    /// keys never inserted are not.
    @Test func keysSurviveGrowth() {
        var table = WordTable(placeholder: -1)
        let keys: [UInt64] = [0] + (1...5000).map { UInt64($0) &* 0x1_0000_0001 } + [UInt64.max - 1]
        for (index, key) in keys.enumerated() { table.update(key, initial: 0) { $0 = index } }
        #expect(table.count == keys.count)
        for (index, key) in keys.enumerated() {
            #expect(table[key] == index)
            #expect(table.contains(key))
        }
        for absent: UInt64 in [1, 2, 0x1_0000_0002, UInt64.max / 3] { #expect(table[absent] == nil) }
        table.update(keys[10], initial: 0) { $0 += 1000 }
        #expect(table[keys[10]] == 1010 && table.count == keys.count)
    }

    /// The virtual-IP engine's address roles: a VIP, an ARP sender, nothing.
    @Test func addressRoles() {
        var timeline = Timeline()
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 0, to: 3)
        timeline.add(FrameBuilder.arpRequest(from: F.client.mac, ip: F.client.ip, asking: F.vip), at: 1)
        let groups = F.engine(timeline)
        #expect(groups.role(of: F.vip, vlan: 0).vipGroup != nil && groups.role(of: F.vip, vlan: 0).isOnLink)
        #expect(groups.role(of: F.client.ip, vlan: 0).isARPSender && groups.role(of: F.client.ip, vlan: 0).isOnLink)
        #expect(groups.role(of: F.client.ip, vlan: 0).vipGroup == nil)
        #expect(!groups.role(of: F.remote, vlan: 0).isOnLink && !groups.isOnLink(F.remote, vlan: 0))
        #expect(!groups.role(of: F.client.ip, vlan: 7).isOnLink, "roles are per VLAN")
        #expect(groups.groupIndex(owningVIP: F.vip, vlan: 0) == groups.role(of: F.vip, vlan: 0).vipGroup)
    }
}
