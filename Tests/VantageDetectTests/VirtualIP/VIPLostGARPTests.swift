import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

/// Scenario vip-garp-dropped: the new master's GARPs are captured at its own vantage point but
/// never reach the client's, which keeps pinging the old master's MAC.
@Suite struct VIPLostGARPTests {
    typealias F = VIPFixture

    /// A resigns at 10 s, B takes over at 10.61 s with GARPs captured at `garpVantages`
    /// (0 = the client's eth0, 1 = B's own); the client pings the VIP at A's MAC throughout.
    static func timeline(garpVantages: [Int]) -> Timeline {
        var timeline = Timeline(vantages: ["client", "gw2"])
        for vantage in 0...1 {
            let skew = Double(vantage) * 0.00001
            F.keepalived(&timeline, F.nodeA, priority: 150, from: skew, to: 9 + skew, vantage: vantage)
            F.resign(&timeline, F.nodeA, at: 10 + skew, vantage: vantage)
            F.keepalived(&timeline, F.nodeB, priority: 100, from: 10.61 + skew, to: 30 + skew, vantage: vantage)
        }
        for vantage in garpVantages { F.keepalivedGARPs(&timeline, F.nodeB, at: 10.61, vantage: vantage) }
        F.pings(&timeline, mac: F.nodeA.mac, start: 1, end: 25, every: 0.5)
        return timeline
    }

    @Test func saysWhereTheGARPsWereAndWereNotCaptured() throws {
        let findings = F.run(Self.timeline(garpVantages: [1]), VIPFailoverWithoutGARPDetector(configuration: .init()))
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(finding.summary.contains("10.0.0.50 (02:cc:00:00:00:01"))
        #expect(
            finding.summary.contains(
                "The new master's 10 gratuitous ARPs were captured at gw2 but not at client, where these hosts' frames were: lost on the way"),
            "\(finding.summary)")
        #expect(finding.details["garps_missing_at"] == .list([.string("client")]))
        #expect(finding.details["garps_seen_at"] == .list([.string("gw2")]))
    }

    /// GARPs that reached the client (which ignored them) were not lost.
    @Test func quietAboutLossWhenTheClientCapturedThem() throws {
        let findings = F.run(Self.timeline(garpVantages: [0, 1]), VIPFailoverWithoutGARPDetector(configuration: .init()))
        let finding = try #require(findings.first)
        #expect(!finding.summary.contains("lost on the way"))
        #expect(finding.details["garps_missing_at"] == .list([]))
    }
}
