import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

private typealias S = NLBScenarios

@Suite struct NLBClusterTests {
    /// A healthy cluster in every mode: one nlb.cluster (info) naming mode, IP and both members,
    /// and nothing else from the whole detector set (no arp.mac_mismatch for masked or IGMP answers).
    @Test(arguments: [NLBMode.unicast, .multicast, .igmpMulticast])
    func normalClusterIsRecognisedAndQuiet(_ mode: NLBMode) throws {
        let timeline = mode == .unicast ? S.unicast() : S.multicast(mode: mode)
        let findings = timeline.findings()
        #expect(findings.map(\.kind.rawValue) == ["nlb.cluster"], "\(findings.map { "\($0.kind): \($0.summary)" })")
        let finding = try #require(findings.first)
        #expect(finding.severity == .info)
        #expect(finding.details["modes"] == .list([.string(mode.rawValue)]))
        #expect(finding.details["cluster_macs"] == .list([.string(NLBClusterMAC.mac(for: mode, clusterIP: S.cluster).description)]))
        #expect(finding.summary.contains("cluster 10.0.0.100") && finding.summary.contains("2 members"))
        #expect(finding.summary.contains("host 1 (10.0.0.11,") && finding.summary.contains("host 2 (10.0.0.12,"))
        guard case .list(let members) = finding.details["members"] else { Issue.record("no members"); return }
        #expect(members.count == 2)
        #expect(finding.evidence.first?.note.contains("first NLB heartbeat") == true)
    }

    @Test func noClusterWithoutNLBFrames() {
        var timeline = Timeline()
        timeline.add(FrameBuilder.arpRequest(from: S.clientMAC, ip: S.client, asking: S.host1), at: 0)
        timeline.add(FrameBuilder.arpReply(from: S.host1NIC, ip: S.host1, to: S.clientMAC, targetIP: S.client), at: 0.001)
        #expect(timeline.findings().isEmpty)
    }

    /// The NLB explanations do not hide real spoofing next to a cluster: an ARP sent in another
    /// MAC's name for an address that is no cluster IP is still arp.mac_mismatch.
    @Test func spoofingBesideAClusterIsStillReported() throws {
        var timeline = S.unicast()
        let spoof = FrameBuilder.arpReply(
            from: S.host1NIC, ip: IPv4Address(10, 0, 0, 77), to: S.clientMAC, targetIP: S.client, ethernetSource: S.bystanderMAC)
        timeline.add(spoof, at: 4.0, vantage: 1)
        let mismatch = try #require(timeline.findings().of("arp.mac_mismatch").first)
        #expect(mismatch.ips == ["10.0.0.77"] && mismatch.macs.contains(S.bystanderMAC.description))
    }

    @Test func everyNLBKindIsRegisteredAndDescribed() {
        let descriptions = DetectorRegistry.descriptions
        for kind in ["nlb.cluster", "nlb.member_conflict", "nlb.unicast_flooding"] {
            let description = descriptions.first { $0.kind.rawValue == kind }
            #expect(description != nil && description?.tunables.isEmpty == false, "\(kind)")
        }
    }
}

@Suite struct NLBUnicastFloodingTests {
    @Test func firesAtTheBystanderWithRates() throws {
        let findings = S.unicast(flooding: true).findings()
        let flood = try #require(findings.of("nlb.unicast_flooding").first)
        #expect(findings.of("nlb.unicast_flooding").count == 1)
        #expect(flood.severity == .warning)
        #expect(flood.details["vantages"] == .list([.string("bystander")]))
        #expect(flood.vantages == [2])
        // 18 connections (t = 1.0 ... 9.5 s), SYN + 400-octet data segment each.
        #expect(flood.details["frames"] == .int(36))
        guard case .double(let rate) = flood.details["frames_per_second"] else { Issue.record("no rate"); return }
        #expect(abs(rate - 36.0 / 8.502) < 0.1)
        #expect(flood.summary.contains("10.0.0.1 (02:aa:00:00:00:01)") && flood.summary.contains("02:bf:0a:00:00:64"))
        #expect(findings.atLeast(.warning).map(\.kind.rawValue) == ["nlb.unicast_flooding"])
    }

    @Test func severalBystandersAreOneFindingWithEvidenceFromEach() throws {
        let findings = S.unicast(flooding: true, bystanders: 3).findings()
        let floods = findings.of("nlb.unicast_flooding")
        let flood = try #require(floods.first)
        #expect(floods.count == 1, "\(floods.map(\.summary))")
        #expect(flood.vantages == [2, 3, 4])
        #expect(flood.details["vantages"] == .list([.string("bystander"), .string("bystander2"), .string("bystander3")]))
        #expect(Set(flood.evidence.map(\.reference.vantage)) == [2, 3, 4])
        #expect(flood.details["frames"] == .int(36))
        guard case .object(let byVantage)? = flood.details["by_vantage"] else { Issue.record("no by_vantage"); return }
        #expect(Set(byVantage.keys) == ["bystander", "bystander2", "bystander3"])
        for (name, value) in byVantage {
            guard case .object(let counts) = value else { Issue.record("\(name): not an object"); continue }
            #expect(counts["frames"] == .int(36), "\(name)")
        }
        #expect(flood.summary.contains("reached bystander, bystander2 and bystander3, which are not members"))
    }

    @Test func quietWhenOnlyMembersAndTheClientSeeTheTraffic() {
        #expect(S.unicast(flooding: false).findings().of("nlb.unicast_flooding").isEmpty)
    }

    @Test func quietBelowMinimumFrames() {
        var configuration = AnalysisConfiguration()
        configuration.thresholds["nlb.unicast_flooding"] = ["min_frames": 100]
        #expect(S.unicast(flooding: true).findings(configuration: configuration).of("nlb.unicast_flooding").isEmpty)
    }
}

@Suite struct NLBMemberConflictTests {
    /// After a live migration host 1 answers ARP for the cluster IP with its own NIC MAC.
    @Test func firesWhenAMemberAnswersWithItsOwnMAC() throws {
        var timeline = S.unicast()
        let bad = FrameBuilder.arpReply(from: S.host1NIC, ip: S.cluster, to: S.clientMAC, targetIP: S.client, ethernetSource: S.masked(1))
        timeline.add(bad, at: 5.0, vantage: 1)
        timeline.add(bad, at: 5.0, vantage: 0)
        let findings = timeline.findings()
        let conflict = try #require(findings.of("nlb.member_conflict").first)
        // One finding for the (cluster IP, MAC, frame source), with the frame from both vantage points.
        #expect(findings.of("nlb.member_conflict").count == 1 && conflict.evidence.count == 2)
        #expect(conflict.details["count"] == .int(2))
        #expect(conflict.severity == .critical)
        #expect(conflict.details["answered_mac"] == .string(S.host1NIC.description))
        #expect(conflict.details["host_id"] == .int(1))
        #expect(conflict.summary.contains("host 1") && conflict.summary.contains("10.0.0.100"))
        #expect(conflict.summary.contains("instead of its cluster MAC 02:bf:0a:00:00:64"))
        // The neighbor and ARP detectors leave the cluster IP to nlb.*.
        let loud = Set(findings.atLeast(.warning).map(\.kind.rawValue))
        #expect(loud == ["nlb.member_conflict"], "\(findings.map { "\($0.kind): \($0.summary)" })")
    }

    /// After a live migration host 2's NIC (own MAC) holds both its dedicated IP and the cluster
    /// IP: the finding names host 2 through its dedicated IP's ARP answer.
    @Test func namesTheMemberByItsDedicatedIP() throws {
        var timeline = S.unicast()
        timeline.add(FrameBuilder.arpRequest(from: S.clientMAC, ip: S.client, asking: S.host2), at: 6.0, vantage: 1)
        timeline.add(FrameBuilder.arpReply(from: S.host2NIC, ip: S.host2, to: S.clientMAC, targetIP: S.client), at: 6.001, vantage: 1)
        timeline.add(FrameBuilder.arpRequest(from: S.clientMAC, ip: S.client, asking: S.cluster), at: 6.5, vantage: 1)
        timeline.add(FrameBuilder.arpReply(from: S.host2NIC, ip: S.cluster, to: S.clientMAC, targetIP: S.client), at: 6.501, vantage: 1)
        let findings = timeline.findings()
        let conflict = try #require(findings.of("nlb.member_conflict").first)
        #expect(conflict.summary.hasPrefix("member host 2 (10.0.0.12, 02:02:0a:00:00:64) answers for NLB cluster IP 10.0.0.100 with 02:15:5d:00:00:12"))
        #expect(conflict.ips == ["10.0.0.100", "10.0.0.12"] && conflict.details["host_id"] == .int(2))
        #expect(Set(findings.atLeast(.warning).map(\.kind.rawValue)) == ["nlb.member_conflict"], "\(findings.map(\.summary))")
    }

    /// Both members lose the cluster MAC and answer the same request with their NIC MACs: two
    /// conflicts, and no arp.duplicate_ip / flip-flop for the cluster IP (nlb.* owns it).
    @Test func bothMembersAnsweringWithNICMACsAreNLBConflictsNotDuplicates() throws {
        var timeline = S.multicast()
        for round in 0..<3 {
            let t = 4.0 + Double(round)
            timeline.add(FrameBuilder.arpRequest(from: S.clientMAC, ip: S.client, asking: S.cluster), at: t, vantage: 1)
            timeline.add(FrameBuilder.arpReply(from: S.host1NIC, ip: S.cluster, to: S.clientMAC, targetIP: S.client), at: t + 0.001, vantage: 1)
            timeline.add(FrameBuilder.arpReply(from: S.host2NIC, ip: S.cluster, to: S.clientMAC, targetIP: S.client), at: t + 0.002, vantage: 1)
        }
        let findings = timeline.findings()
        let conflicts = findings.of("nlb.member_conflict")
        #expect(conflicts.count == 2 && conflicts.allSatisfy { $0.severity == .critical && $0.details["count"] == .int(3) })
        #expect(Set(conflicts.compactMap { $0.details["host_id"] }) == [.int(1), .int(2)])
        #expect(Set(findings.atLeast(.warning).map(\.kind.rawValue)) == ["nlb.member_conflict"], "\(findings.map(\.summary))")
    }

    @Test func firesWhenTwoModesClaimOneIP() throws {
        var timeline = S.unicast()
        // Host 2 was re-created in multicast mode: its heartbeats go to 03:bf and it answers ARP with it.
        for second in 3..<8 {
            timeline.add(
                FrameBuilder.nlbHeartbeat(hostID: 2, clusterIP: S.cluster, dedicatedIP: S.host2, mode: .multicast, sourceMAC: S.host2NIC),
                at: Double(second) + 0.5, vantage: 1)
        }
        let findings = timeline.findings()
        let conflict = try #require(findings.of("nlb.member_conflict").first { $0.details["conflict"] == .string("two_modes") })
        #expect(conflict.severity == .critical)
        #expect(conflict.details["cluster_macs"] == .list([.string("02:bf:0a:00:00:64"), .string("03:bf:0a:00:00:64")]))
        #expect(conflict.summary.contains("Two NLB clusters claim 10.0.0.100"))
    }

    @Test func firesWhenTwoHostsShareAHostID() throws {
        var timeline = S.unicast()
        let other = IPv4Address(10, 0, 0, 13)
        for second in 2..<6 {
            timeline.add(FrameBuilder.nlbHeartbeat(hostID: 2, clusterIP: S.cluster, dedicatedIP: other), at: Double(second) + 0.3, vantage: 1)
        }
        let findings = timeline.findings()
        let conflict = try #require(findings.of("nlb.member_conflict").first)
        #expect(conflict.details["conflict"] == .string("shared_host_id") && conflict.severity == .warning)
        #expect(conflict.details["dedicated_ips"] == .list([.string("10.0.0.12"), .string("10.0.0.13")]))
    }

    @Test func quietOnHealthyClusters() {
        for timeline in [S.unicast(), S.multicast(), S.multicast(mode: .igmpMulticast)] {
            #expect(timeline.findings().of("nlb.member_conflict").isEmpty)
        }
    }
}
