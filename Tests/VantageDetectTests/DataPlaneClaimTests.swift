import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

/// Moves that show only in the data plane (NeighborTable.DataPlaneRules): seed 004 in a cloud
/// whose provider answers ARP, so the new host never sends any; and the look-alikes that must
/// stay something else (routers, duplicates, NLB, VIPs, direct server return).
@Suite struct DataPlaneClaimTests {
    let client = Station("02:00:00:00:00:50", "10.0.0.50")

    // MARK: - Seed 004 without any ARP from the new host

    @Test func seed004WithoutAnyARPIsAReassignmentWithTheStaleSynAcks() {
        let seed = Seed004(newClientARPs: false)
        let findings = seed.script.findings()
        #expect(Set(findings.neighborModel.map(\.kind.rawValue)) == ["neighbor.moved", "neighbor.stale_after_move"], "\(findings.listing)")

        let moves = findings.of("neighbor.moved")
        #expect(moves.count == 1, "\(findings.listing)")
        guard let move = moves.first else { return }
        #expect(move.severity == .info, "the old instance was silent for 2 minutes: a reassignment")
        #expect(move.details["classification"] == .string("reassignment"))
        #expect(move.details["new_claim_kind"] == .string("data frame"))
        #expect(
            move.summary.hasPrefix(
                "10.0.0.20 was reassigned from 02:00:00:00:00:01 to 02:00:00:00:00:02 (IP frames only, the first at frame \(seed.moveFrame); no ARP at all) after 02:00:00:00:00:01 had been silent for"),
            "\(move.summary)")
        #expect(move.evidenceFrames.contains(seed.moveFrame))
        #expect(move.key == "neighbor.moved|0|10.0.0.20|02:00:00:00:00:01|02:00:00:00:00:02")

        let stale = findings.of("neighbor.stale_after_move")
        #expect(stale.count == 1)
        guard let finding = stale.first else { return }
        #expect(finding.severity == .critical, "never converged")
        let frames = seed.staleSynAcks.map(String.init)
        // Every SYN-ACK, the first one too: it went out before the claim was confirmed (by the
        // retransmitted SYN 1 s later), but the new owner's tenure starts at its first SYN.
        #expect(
            finding.summary.hasPrefix(
                "10.0.0.5 sent 4 frames for 10.0.0.20 to the old MAC 02:00:00:00:00:01 (incl. SYN-ACKs at frames \(frames[0]), \(frames[1]), \(frames[2]) and \(frames[3])) for 7.0 s after it moved to 02:00:00:00:00:02 at frame \(seed.moveFrame)"),
            "\(finding.summary)")
        #expect(finding.details["syn_ack_frames"] == .list(seed.staleSynAcks.map { .int($0) }))
        #expect(finding.details["sender"] == .string("10.0.0.5 (02:00:00:00:00:05)"))
        #expect(finding.evidence.first?.reference.frame == seed.moveFrame)
        #expect(finding.causedBy == [move.key])
    }

    @Test func seed004WithoutARPWhileTheOldInstanceWasRecentlyAliveIsAnUnannouncedMove() {
        let seed = Seed004(oldClientSilence: 1.5, newClientARPs: false)
        let findings = seed.script.findings()
        let move = findings.of("neighbor.moved").first
        #expect(move?.severity == .warning, "\(findings.listing)")
        #expect(move?.details["classification"] == .string("unannounced_move"))
        #expect(
            move?.summary.hasPrefix(
                "10.0.0.20 moved from 02:00:00:00:00:01 to 02:00:00:00:00:02 at frame \(seed.moveFrame) (IP frames only; no ARP at all), while 02:00:00:00:00:01 was active 2.0 s before")
                == true, "\(move?.summary ?? "")")
        #expect(findings.of("neighbor.stale_after_move").first?.severity == .critical)
        #expect(findings.of("arp.duplicate_ip").isEmpty)
    }

    @Test func theNewHostsLaterARPReplyContinuesItsTenure() {
        // The server finally broadcasts, the new instance answers (an ARP claim by the owner it
        // already is) and the handshake completes: one move, one converged stale episode.
        let seed = Seed004(converge: true, newClientARPs: false)
        let findings = seed.script.findings()
        #expect(findings.of("neighbor.moved").count == 1, "\(findings.listing)")
        let stale = findings.of("neighbor.stale_after_move")
        #expect(stale.count == 1)
        #expect(stale.first?.severity == .warning)
        #expect(stale.first?.summary.contains("converged at frame \(seed.convergedFrame ?? 0)") == true, "\(stale.first?.summary ?? "")")
        #expect(findings.of("arp.duplicate_ip").isEmpty && findings.of("arp.flip_flop").isEmpty)
    }

    @Test func dataPlaneClaimsCanBeTurnedOff() {
        var configuration = AnalysisConfiguration()
        configuration.thresholds["neighbor.moved"] = ["data_plane_claims": 0]
        let findings = Seed004(newClientARPs: false).script.findings(configuration).neighborModel
        #expect(findings.isEmpty, "\(findings.listing)")
    }

    @Test func minUseIsTunable() {
        // The SYNs come 1, 2 and 4 s apart: asking for 10 s of use within the default 10 s
        // window confirms nothing.
        var configuration = AnalysisConfiguration()
        configuration.thresholds["neighbor.moved"] = ["data_plane_min_use": 10]
        let findings = Seed004(newClientARPs: false).script.findings(configuration).neighborModel
        #expect(findings.isEmpty, "\(findings.listing)")
    }

    // MARK: - A router carrying an on-link host's address (asymmetric routing)

    /// Host H (10.0.0.20, MAC ...:01) uses server S on the LAN, then goes quiet: it moved to a
    /// branch office and kept its address, or reaches S over a VPN now. From t = 100 its traffic
    /// to S arrives through router R (10.0.0.1): Ethernet source R, IP source 10.0.0.20. S, which
    /// still thinks 10.0.0.20 is on-link, answers to H's old MAC. R is not H's new MAC: nothing
    /// moved (the routing is wrong, and the neighbor model has no finding to make about it).
    ///
    /// `ttl` of R's frames (63: forwarded; 64 would mean R originates them, as a proxy or NAT box
    /// could), whether R's own ARP is in the capture (it owns 10.0.0.1), and whether R forwards
    /// other remote clients' traffic before (`before`) or while (`during`) H's traffic starts.
    private func routedHost(ttl: UInt8, routerARPs: Bool, remotes: RemoteTraffic) -> (script: Script, synAcks: [Int]) {
        let server = Station("02:00:00:00:00:05", "10.0.0.5")
        let host = Station("02:00:00:00:00:01", "10.0.0.20")
        let router = Station("02:00:00:00:00:fe", "10.0.0.1")
        var script = Script()
        if routerARPs {
            script.add(FrameBuilder.arpRequest(from: router.mac, ip: router.ip, asking: server.ip), at: 0)
            script.add(FrameBuilder.arpReply(from: server.mac, ip: server.ip, to: router.mac, targetIP: router.ip), at: 0.0002)
        }
        script.add(FrameBuilder.arpRequest(from: host.mac, ip: host.ip, asking: server.ip), at: 0.1)
        script.add(FrameBuilder.arpReply(from: server.mac, ip: server.ip, to: host.mac, targetIP: host.ip), at: 0.1002)
        for second in 1...10 {
            script.add(FrameBuilder.icmpEchoRequest(from: host.host, to: server.host, sequence: UInt16(second)), at: Double(second))
            script.add(FrameBuilder.icmpEchoReply(from: server.host, to: host.host, sequence: UInt16(second)), at: Double(second) + 0.0002)
        }
        func remoteTraffic(from start: Double) {
            for index in 0..<3 {
                let remote = (router.mac, IPv4Address(203, 0, 113, UInt8(1 + index)), UInt16(50_000 + index))
                script.add(FrameBuilder.tcp(from: remote, to: server.port(443), flags: .syn, ttl: ttl), at: start + 0.2 * Double(index))
                script.add(FrameBuilder.tcp(from: server.port(443), to: remote, flags: [.syn, .ack]), at: start + 0.2 * Double(index) + 0.0001)
            }
        }
        if remotes == .before { remoteTraffic(from: 100) }
        if remotes == .during { remoteTraffic(from: 101.2) }
        // H's connection attempts through R; S's SYN-ACKs go to H's old MAC.
        var synAcks: [Int] = []
        for offset in [0.0, 1.0, 3.0, 7.0] {
            script.add(FrameBuilder.tcp(from: (router.mac, host.ip, 41_000), to: server.port(6379), flags: .syn, seq: 7000, ttl: ttl), at: 101 + offset)
            synAcks.append(script.add(FrameBuilder.tcp(from: server.port(6379), to: host.port(41_000), flags: [.syn, .ack], seq: 9000, ack: 7001), at: 101.0001 + offset))
        }
        return (script, synAcks)
    }

    private enum RemoteTraffic { case none, before, during }

    @Test func aRouterForwardingTrafficFromAnOnLinkHostsAddressIsQuiet() {
        // As it happens: the frames are forwarded (TTL 63), R's ARP is seen, R forwards others too.
        var findings = routedHost(ttl: 63, routerARPs: true, remotes: .before).script.findings().neighborModel
        #expect(findings.isEmpty, "realistic: \(findings.listing)")
        // Each guard alone suffices. The TTL: forwarded frames never claim.
        findings = routedHost(ttl: 63, routerARPs: false, remotes: .none).script.findings().neighborModel
        #expect(findings.isEmpty, "TTL 63 only: \(findings.listing)")
        // R owns an IPv4 address of its own (10.0.0.1): a host with an identity on the link
        // sending from another host's address is forwarding (or multi-homed), not moving.
        findings = routedHost(ttl: 64, routerARPs: true, remotes: .none).script.findings().neighborModel
        #expect(findings.isEmpty, "owns 10.0.0.1: \(findings.listing)")
        // R sends from router_sources (2) other addresses it does not own: a router, whether
        // that traffic came before H's or starts while H's claim is being confirmed.
        findings = routedHost(ttl: 64, routerARPs: false, remotes: .before).script.findings().neighborModel
        #expect(findings.isEmpty, "forwards others before: \(findings.listing)")
        findings = routedHost(ttl: 64, routerARPs: false, remotes: .during).script.findings().neighborModel
        #expect(findings.isEmpty, "forwards others during: \(findings.listing)")
    }

    @Test func withoutAnyRouterSignThePatternIsSeed004() {
        // The limit of the rule, stated: a box that originates frames with H's address (initial
        // TTL), never ARPs and forwards nothing else looks exactly like a new host that took the
        // address; it is reported as a move, with S's SYN-ACKs to the old MAC.
        let routed = routedHost(ttl: 64, routerARPs: false, remotes: .none)
        let findings = routed.script.findings()
        #expect(findings.of("neighbor.moved").count == 1, "\(findings.listing)")
        #expect(findings.of("neighbor.stale_after_move").first?.details["syn_ack_frames"] == .list(routed.synAcks.map { .int($0) }))
    }

    // MARK: - Duplicate: both keep sending

    @Test func bothMACsKeepSendingIsADuplicateNotAMove() {
        let a = Station("02:00:00:00:00:0a", "10.0.0.40")
        let b = Station("02:00:00:00:00:0b", "10.0.0.40")
        var script = Script()
        script.add(FrameBuilder.arpRequest(from: client.mac, ip: client.ip, asking: a.ip), at: 0)
        script.add(FrameBuilder.arpReply(from: a.mac, ip: a.ip, to: client.mac, targetIP: client.ip), at: 0.0002)
        var bFrames: [Int] = []
        for second in 1...30 {
            let time = Double(second)
            // a pings the client every second, as it has all along.
            script.add(FrameBuilder.icmpEchoRequest(from: a.host, to: client.host, sequence: UInt16(second)), at: time)
            script.add(FrameBuilder.icmpEchoReply(from: client.host, to: a.host, sequence: UInt16(second)), at: time + 0.0002)
            // From t = 10, b (configured with the same address, no ARP seen) tries to connect
            // to the client; the client's SYN-ACKs go to a, whose MAC it caches.
            if second >= 10 {
                bFrames.append(script.add(FrameBuilder.tcp(from: b.port(40_000), to: client.port(80), flags: .syn, seq: 1), at: time + 0.5))
                script.add(FrameBuilder.tcp(from: client.port(80), to: a.port(40_000), flags: [.syn, .ack], seq: 5, ack: 2), at: time + 0.5002)
            }
        }
        let findings = script.findings()
        let duplicates = findings.of("arp.duplicate_ip")
        #expect(duplicates.count == 1, "\(findings.listing)")
        guard let duplicate = duplicates.first else { return }
        #expect(duplicate.severity == .critical)
        #expect(duplicate.macs == ["02:00:00:00:00:0a", "02:00:00:00:00:0b"])
        #expect(duplicate.details["reasons"] == .list([.string("concurrent_use")]))
        #expect(duplicate.summary.contains("02:00:00:00:00:0a kept sending from 10.0.0.40"), "\(duplicate.summary)")
        #expect(duplicate.evidenceFrames.contains(bFrames[0]), "b's tenure starts at its first frame")
        #expect(findings.of("neighbor.moved").isEmpty, "\(findings.listing)")
        #expect(findings.of("neighbor.stale_after_move").isEmpty, "\(findings.listing)")
        #expect(findings.of("arp.flip_flop").isEmpty)
    }

    // MARK: - Shared sources that are not moves

    @Test func windowsNLBHostsSendingFromTheClusterAddressAreQuiet() {
        let clusterIP = IPv4Address("10.0.0.80")!
        // Unicast mode: the cluster MAC answers ARP; each host's frames are masked 02:h:a:b:c:d.
        var script = Script()
        script.add(FrameBuilder.arpRequest(from: client.mac, ip: client.ip, asking: clusterIP), at: 0)
        for host in [UInt8(1), 2, 3] {
            let masked = MACAddress(0x02, host, 10, 0, 0, 80)
            script.add(
                FrameBuilder.arpReply(from: MACAddress(0x02, 0xBF, 10, 0, 0, 80), ip: clusterIP, to: client.mac, targetIP: client.ip, ethernetSource: masked),
                at: 0.0001 * Double(host))
        }
        for second in 1...20 {
            // Windows: TTL 128; each connection is served by one host.
            let host = UInt8(1 + second % 3)
            let masked = MACAddress(0x02, host, 10, 0, 0, 80)
            script.add(FrameBuilder.tcp(from: client.port(50_000 + UInt16(second)), to: (MACAddress(0x02, 0xBF, 10, 0, 0, 80), clusterIP, 80), flags: .syn), at: Double(second))
            script.add(FrameBuilder.tcp(from: (masked, clusterIP, 80), to: client.port(50_000 + UInt16(second)), flags: [.syn, .ack], ttl: 128), at: Double(second) + 0.0002)
        }
        var findings = script.findings().neighborModel
        #expect(findings.isEmpty, "unicast mode: \(findings.listing)")

        // Multicast mode: the cluster IP resolves to 03:bf:...; hosts send with their own MACs.
        var multicast = Script()
        multicast.add(FrameBuilder.arpRequest(from: client.mac, ip: client.ip, asking: clusterIP), at: 0)
        multicast.add(FrameBuilder.arpReply(from: MACAddress(0x03, 0xBF, 10, 0, 0, 80), ip: clusterIP, to: client.mac, targetIP: client.ip, ethernetSource: MACAddress("02:00:00:00:08:01")!), at: 0.0001)
        for second in 1...20 {
            let node = MACAddress(0x02, 0, 0, 0, 8, UInt8(1 + second % 2))
            multicast.add(FrameBuilder.tcp(from: (node, clusterIP, 80), to: client.port(50_000 + UInt16(second)), flags: [.syn, .ack], ttl: 128), at: Double(second) + 0.0002)
        }
        findings = multicast.findings().neighborModel
        #expect(findings.isEmpty, "multicast mode: \(findings.listing)")
    }

    @Test func aVRRPBackupSendingFromTheVIPIsLeftToTheVIPDetectors() {
        // Split brain: node2 also thinks it is master and answers the client from the VIP with its
        // own MAC (keepalived without use_vmac), without a GARP seen here.
        let pair = KeepalivedPair()
        var script = Script()
        script.add(pair.advert(pair.node1, priority: 150), at: 0)
        script.add(pair.garp(pair.node1), at: 0.001)
        for second in 1...20 {
            script.add(pair.advert(pair.node1, priority: 150), at: Double(second))
            if second >= 10 { script.add(pair.advert(pair.node2, priority: 100), at: Double(second) + 0.3) }
            pair.ping(&script, via: pair.node1, at: Double(second) + 0.5, sequence: UInt16(second))
            if second >= 10 {
                script.add(FrameBuilder.icmpEchoReply(from: (pair.node2.mac, pair.vip), to: pair.client.host, sequence: UInt16(second)), at: Double(second) + 0.5005)
            }
        }
        let findings = script.findings().neighborModel
        #expect(findings.isEmpty, "\(findings.listing)")
    }

    @Test func directServerReturnRealServersAreQuiet() {
        // A load balancer (no VRRP) owns VIP 10.0.0.100; real servers answer clients from the
        // VIP with their own MACs (LVS-DR: the VIP on lo, arp_ignore=1). Each real server owns
        // its own address on the link.
        let balancer = Station("02:00:00:00:01:00", "10.0.0.100")
        let real = [Station("02:00:00:00:01:01", "10.0.0.101"), Station("02:00:00:00:01:02", "10.0.0.102")]
        var script = Script()
        script.add(FrameBuilder.arpRequest(from: client.mac, ip: client.ip, asking: balancer.ip), at: 0)
        script.add(FrameBuilder.arpReply(from: balancer.mac, ip: balancer.ip, to: client.mac, targetIP: client.ip), at: 0.0002)
        for (index, server) in real.enumerated() {
            script.add(FrameBuilder.arpRequest(from: balancer.mac, ip: balancer.ip, asking: server.ip), at: 0.01 + Double(index) * 0.01)
            script.add(FrameBuilder.arpReply(from: server.mac, ip: server.ip, to: balancer.mac, targetIP: balancer.ip), at: 0.0102 + Double(index) * 0.01)
        }
        for second in 1...20 {
            let server = real[second % 2 == 0 || second > 15 ? 0 : 1]
            let port = UInt16(50_000 + second)
            script.add(FrameBuilder.tcp(from: client.port(port), to: balancer.port(80), flags: .syn), at: Double(second))
            script.add(FrameBuilder.tcp(from: (balancer.mac, client.ip, port), to: (server.mac, balancer.ip, 80), flags: .syn, ttl: 64), at: Double(second) + 0.0001)
            script.add(FrameBuilder.tcp(from: (server.mac, balancer.ip, 80), to: client.port(port), flags: [.syn, .ack]), at: Double(second) + 0.0002)
        }
        let findings = script.findings().neighborModel
        #expect(findings.isEmpty, "\(findings.listing)")
    }
}
