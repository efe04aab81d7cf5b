import Testing
import VantageDetect
import VantageState
import VantageWire

private typealias F = VIPFixture

/// Groups declared in the configuration (`groups:`): a keepalived backup never advertises, so
/// only a declaration says that its MAC is the group's backup.
@Suite struct VIPDeclaredGroupTests {
    /// nodeA is master of vrid 51 for the whole capture; nodeB (the backup) stays silent; a
    /// client's pings to the VIP go to nodeB's MAC (its entry for the VIP points at the backup).
    private static func silentBackupTimeline() -> Timeline {
        var timeline = Timeline(vantages: ["client"])
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 0, to: 20)
        F.pings(&timeline, mac: F.nodeB.mac, start: 5, end: 10, every: 0.2)
        return timeline
    }

    private static var declaredPair: AnalysisConfiguration {
        var configuration = AnalysisConfiguration()
        configuration.declaredRouters = [
            DeclaredRouter(protocol: .vrrp, group: UInt16(F.vrid), address: F.nodeA.ip, mac: F.nodeA.mac),
            DeclaredRouter(protocol: .vrrp, group: UInt16(F.vrid), address: F.nodeB.ip, mac: F.nodeB.mac),
        ]
        return configuration
    }

    @Test func aDeclaredSilentBackupIsNamedWhenTrafficReachesIt() throws {
        let detector = VIPTrafficToBackupDetector(configuration: Self.declaredPair)
        let findings = F.run(Self.silentBackupTimeline(), detector, configuration: Self.declaredPair)
        let finding = try #require(findings.first)
        #expect(finding.summary.contains("backup 10.0.0.3"), "\(finding.summary)")
        #expect(finding.ips.contains(F.client.ip.description))
    }

    @Test func withoutTheDeclarationTheBackupsMACIsUnknown() throws {
        // Nothing in the capture ties 02:aa:00:00:00:02 to the group: the strays are still
        // reported, but only as "not the master's MAC", with no claim about who the backup is.
        let findings = F.run(Self.silentBackupTimeline(), VIPTrafficToBackupDetector(configuration: .init()))
        let finding = try #require(findings.first)
        #expect(finding.summary.contains("which is not the master's MAC"), "\(finding.summary)")
        #expect(!finding.summary.contains("backup 10.0.0.3"))
    }

    @Test func declaredMembersAreQuietWhenTrafficGoesToTheMaster() {
        var timeline = Timeline(vantages: ["client"])
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 0, to: 20)
        F.pings(&timeline, mac: F.nodeA.mac, start: 5, end: 10, every: 0.2)
        #expect(timeline.findings(configuration: Self.declaredPair).atLeast(.warning).isEmpty)
    }

    @Test func aDeclarationJoinsOnlyItsOwnGroup() {
        var configuration = AnalysisConfiguration()
        configuration.declaredRouters = [DeclaredRouter(protocol: .carp, group: UInt16(F.vrid), address: F.nodeB.ip, mac: F.nodeB.mac)]
        var timeline = Timeline(vantages: ["client"])
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 0, to: 3)
        let probe = StateProbe()
        _ = timeline.findings(configuration: configuration, detectors: [probe])
        let groups = probe.state?.virtualIPs
        #expect(groups?.groupIndices(withMemberMAC: F.nodeB.mac, vlan: 0).isEmpty == true)
    }
}
