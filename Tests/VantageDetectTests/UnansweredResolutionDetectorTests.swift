import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

/// Hosts of the seed-000 story: a Linux gateway and a Windows web server behind it.
enum Hosts {
    static let gwMAC = MACAddress(0x02, 0, 0, 0, 0, 0x01)
    static let gwIP = IPv4Address(10, 0, 0, 1)
    static let webMAC = MACAddress(0x02, 0, 0, 0, 0, 0x14)
    static let webIP = IPv4Address(10, 0, 0, 20)
    static let otherMAC = MACAddress(0x02, 0, 0, 0, 0, 0x21)
    static let otherIP = IPv4Address(10, 0, 0, 33)
    static let attackerMAC = MACAddress(0x02, 0, 0, 0, 0, 0x66)
    static let attackerIP = IPv4Address(10, 0, 0, 66)

    static let gw6: FrameBuilder.Host6 = (gwMAC, IPv6Address("fe80::1")!)
    static let web6: FrameBuilder.Host6 = (webMAC, IPv6Address("fe80::20")!)

    /// gw asks for web, broadcast (as received by others: padded to 60 octets unless `outgoing`).
    static func gwAsksWeb(outgoing: Bool = false, unicast: Bool = false) -> [UInt8] {
        FrameBuilder.arpRequest(
            from: gwMAC, ip: gwIP, asking: webIP, dst: unicast ? webMAC : .broadcast, padTo: outgoing ? 0 : 60)
    }

    /// web's reply to gw.
    static func webReplies(outgoing: Bool = false) -> [UInt8] {
        FrameBuilder.arpReply(from: webMAC, ip: webIP, to: gwMAC, targetIP: gwIP, padTo: outgoing ? 0 : 60)
    }
}

@Suite struct UnansweredResolutionDetectorTests {
    private func unanswered(_ findings: [Finding]) -> [Finding] { findings.of("arp.unanswered") }

    private func double(_ value: DetailValue?) -> Double? {
        if case .double(let number) = value { return number }
        return nil
    }

    private func int(_ value: DetailValue?) -> Int? {
        if case .int(let number) = value { return number }
        return nil
    }

    private func string(_ value: DetailValue?) -> String? {
        if case .string(let text) = value { return text }
        return nil
    }

    // MARK: - One vantage point

    @Test func linuxIncompletePatternIsOneEpisodeWithOneSecondCadence() throws {
        var t = Timeline(vantages: ["gw"])
        for second in [1.0, 2.0, 3.0] { t.add(Hosts.gwAsksWeb(outgoing: true), at: second) }
        let findings = unanswered(t.findings())
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(finding.severity == .warning)
        #expect(int(finding.details["count"]) == 3)
        #expect(double(finding.details["cadence_seconds"]) == 1.0)
        #expect(string(finding.details["pattern"]) == "incomplete")
        #expect(finding.details["answered"] == .bool(false))
        #expect(finding.summary.contains("10.0.0.1 (02:00:00:00:00:01) asked for 10.0.0.20 3 times over 2.0 s (1.0 s apart"))
        #expect(finding.summary.contains("INCOMPLETE"))
        #expect(finding.summary.contains("no reply was seen at gw"))
        #expect(finding.evidence.count == 3)
        #expect(finding.remedy.contains("static ARP entry does not fix a host that does not answer"))
        #expect(finding.start == Timeline.time(1.0))
    }

    @Test func linuxProbePatternIsRecognisedFromUnicastRequests() throws {
        var t = Timeline(vantages: ["gw"])
        t.add(Hosts.gwAsksWeb(outgoing: true), at: 0.0)
        t.add(Hosts.webReplies(), at: 0.001)
        for second in [40.0, 41.0, 42.0] { t.add(Hosts.gwAsksWeb(outgoing: true, unicast: true), at: second) }
        let findings = unanswered(t.findings())
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(string(finding.details["pattern"]) == "probe")
        #expect(finding.summary.contains("PROBE"))
        #expect(finding.summary.contains("02:00:00:00:00:14"))
        #expect(string(finding.details["probed_mac"]) == "02:00:00:00:00:14")
    }

    @Test func answeredWithinTheWindowIsQuiet() {
        var t = Timeline(vantages: ["gw"])
        for second in stride(from: 1.0, through: 30.0, by: 5.0) {
            t.add(Hosts.gwAsksWeb(outgoing: true), at: second)
            t.add(Hosts.webReplies(), at: second + 0.0004)
            t.add(
                FrameBuilder.arpRequest(from: Hosts.webMAC, ip: Hosts.webIP, asking: Hosts.gwIP), at: second + 1.5)
            t.add(
                FrameBuilder.arpReply(
                    from: Hosts.gwMAC, ip: Hosts.gwIP, to: Hosts.webMAC, targetIP: Hosts.webIP, padTo: 0),
                at: second + 1.5003)
        }
        let findings = t.findings()
        #expect(unanswered(findings).isEmpty)
        #expect(findings.isEmpty)
    }

    @Test func lateReplyReportsTheResolutionTimeAtLowerSeverity() throws {
        var t = Timeline(vantages: ["gw"])
        t.add(Hosts.gwAsksWeb(outgoing: true), at: 1.0)
        t.add(Hosts.gwAsksWeb(outgoing: true), at: 2.0)
        t.add(Hosts.webReplies(), at: 2.5)
        t.add(Hosts.gwAsksWeb(outgoing: true), at: 20.0)  // a later, promptly answered resolution
        t.add(Hosts.webReplies(), at: 20.001)
        let findings = unanswered(t.findings())
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(finding.severity == .info)
        #expect(finding.details["answered"] == .bool(true))
        #expect(double(finding.details["resolution_seconds"]) == 1.5)
        #expect(finding.summary.contains("resolution took 1.5 s"))
        #expect(finding.evidence.contains { $0.note.contains("reply from 10.0.0.20") })
    }

    @Test func requestsAtTheVeryEndOfTheCaptureAreNotJudged() {
        var t = Timeline(vantages: ["gw"])
        t.add(Hosts.gwAsksWeb(outgoing: true), at: 0.0)
        t.add(Hosts.webReplies(), at: 0.001)
        t.add(Hosts.gwAsksWeb(outgoing: true), at: 9.6)
        t.add(FrameBuilder.arpRequest(from: Hosts.otherMAC, ip: Hosts.otherIP, asking: Hosts.gwIP), at: 10.0)
        t.add(FrameBuilder.arpReply(from: Hosts.gwMAC, ip: Hosts.gwIP, to: Hosts.otherMAC, targetIP: Hosts.otherIP, padTo: 0), at: 10.0002)
        #expect(unanswered(t.findings()).isEmpty)
    }

    @Test func oneRequestForAnAddressNobodyOwnsIsInfo() throws {
        var t = Timeline(vantages: ["gw"])
        t.add(FrameBuilder.arpRequest(from: Hosts.gwMAC, ip: Hosts.gwIP, asking: IPv4Address(10, 0, 0, 99)), at: 1.0)
        t.add(Hosts.gwAsksWeb(), at: 5.0)
        t.add(Hosts.webReplies(), at: 5.001)
        let findings = unanswered(t.findings())
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(finding.severity == .info)
        #expect(finding.summary.contains("no capture ever saw 10.0.0.99 in use"))
    }

    @Test func gratuitousARPBurstsAnnouncementsAndProbesAreQuiet() {
        var t = Timeline(vantages: ["gw"])
        let vip = IPv4Address(10, 0, 0, 211)
        var time = 1.0
        for style in FrameBuilder.GratuitousARPStyle.allCases {
            for _ in 0..<5 {
                t.add(FrameBuilder.gratuitousARP(from: Hosts.gwMAC, ip: vip, style: style), at: time)
                time += 0.2
            }
        }
        for _ in 0..<3 {
            t.add(FrameBuilder.arpProbe(from: Hosts.webMAC, candidate: Hosts.webIP), at: time)
            time += 1.5
        }
        t.add(FrameBuilder.arpAnnouncement(from: Hosts.webMAC, ip: Hosts.webIP), at: time)
        t.add(FrameBuilder.arpAnnouncement(from: Hosts.webMAC, ip: Hosts.webIP), at: time + 2)
        let findings = t.findings()
        #expect(unanswered(findings).isEmpty)
        #expect(findings.isEmpty)
    }

    @Test func aVRRPAddressThatGoesUnansweredIsCritical() throws {
        var t = Timeline(vantages: ["web"])
        let vip = IPv4Address(10, 0, 0, 254)
        t.add(FrameBuilder.vrrpAdvert(vrid: 7, addresses: [vip], from: Hosts.gwIP), at: 0.5)
        for second in [1.0, 2.0, 3.0] {
            t.add(FrameBuilder.arpRequest(from: Hosts.webMAC, ip: Hosts.webIP, asking: vip, padTo: 0), at: second)
        }
        let finding = try #require(unanswered(t.findings()).first)
        #expect(finding.severity == .critical)
        #expect(finding.summary.contains("10.0.0.254 is a VRRP virtual address"))
    }

    @Test func aLongEpisodeRaisesSeverity() throws {
        var t = Timeline(vantages: ["gw"])
        t.add(Hosts.webReplies(), at: 0.1)  // web is known to exist
        for index in 0..<12 { t.add(Hosts.gwAsksWeb(outgoing: true), at: 1.0 + Double(index)) }
        let finding = try #require(unanswered(t.findings()).first)
        #expect(finding.severity == .critical)
        #expect(string(finding.details["pattern"]) == "repeated_incomplete")
        #expect(int(finding.details["count"]) == 12)
    }

    @Test func pendingEpisodesAreBoundedAndEvictionsCounted() {
        var configuration = AnalysisConfiguration()
        configuration.thresholds["arp.unanswered"] = ["max_pending": 16]
        let detector = UnansweredResolutionDetector(configuration: configuration)
        var t = Timeline(vantages: ["gw"])
        for index in 0..<100 {
            let target = IPv4Address(10, 0, 1, UInt8(index))
            t.add(FrameBuilder.arpRequest(from: Hosts.gwMAC, ip: Hosts.gwIP, asking: target), at: 1.0 + Double(index) * 0.001)
        }
        t.add(Hosts.gwAsksWeb(), at: 30)
        let findings = t.findings(configuration: configuration, detectors: [detector])
        #expect(detector.pendingEvictions > 0)
        #expect(findings.of("arp.unanswered").count == 100)
    }

    // MARK: - Two vantage points (seed 000)

    /// gw asks 6 times, 1 s apart; the requests reach web's capture and web replies each time.
    private func replyLostTimeline(markOutgoing: Bool) -> Timeline {
        var t = Timeline(vantages: ["gw1", "web1"])
        for index in 0..<6 {
            let second = 1.0 + Double(index)
            t.add(Hosts.gwAsksWeb(outgoing: markOutgoing), at: second, vantage: 0)
            t.add(Hosts.gwAsksWeb(), at: second + 0.0002, vantage: 1)
            t.add(Hosts.webReplies(outgoing: markOutgoing), at: second + 0.0005, vantage: 1)
        }
        return t
    }

    @Test(arguments: [true, false])
    func replySeenAtTheServerButNeverAtTheGatewayIsALostReply(markOutgoing: Bool) throws {
        let findings = unanswered(replyLostTimeline(markOutgoing: markOutgoing).findings())
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(finding.severity == .warning)
        #expect(string(finding.details["direction"]) == "reply_lost")
        #expect(finding.details["answered"] == .bool(false))
        #expect(int(finding.details["count"]) == 6)
        #expect(int(finding.details["replies"]) == 6)
        #expect(finding.summary.contains("asked for 10.0.0.20 6 times over 5.0 s (1.0 s apart"))
        #expect(finding.summary.contains("the requests reached web1 and 10.0.0.20 (02:00:00:00:00:14) replied there each time"))
        #expect(finding.summary.contains("no reply reached gw1: replies are lost between web1 and gw1"))
        #expect(finding.vantages == [0, 1])
        let perVantage = finding.details["per_vantage"]
        #expect(
            perVantage
                == .object([
                    "gw1": .object(["requests": .int(6), "replies": .int(0)]),
                    "web1": .object(["requests": .int(6), "replies": .int(6)]),
                ]))
        #expect(finding.remedy.contains("check the path from 10.0.0.20 back to 10.0.0.1"))
    }

    @Test func requestThatNeverReachesTheServersCaptureIsALostRequest() throws {
        var t = Timeline(vantages: ["gw1", "web1"])
        // web's own frames are captured at web1 (unpadded: sent there) and reach gw1.
        t.add(FrameBuilder.arpRequest(from: Hosts.webMAC, ip: Hosts.webIP, asking: Hosts.otherIP, padTo: 0), at: 0.2, vantage: 1)
        t.add(FrameBuilder.arpRequest(from: Hosts.webMAC, ip: Hosts.webIP, asking: Hosts.otherIP), at: 0.2002, vantage: 0)
        t.add(FrameBuilder.arpReply(from: Hosts.otherMAC, ip: Hosts.otherIP, to: Hosts.webMAC, targetIP: Hosts.webIP), at: 0.2005, vantage: 1)
        for second in [1.0, 2.0, 3.0] { t.add(Hosts.gwAsksWeb(outgoing: true), at: second, vantage: 0) }
        let findings = unanswered(t.findings())
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(string(finding.details["direction"]) == "request_lost")
        #expect(finding.summary.contains("were seen at gw1 but never reached web1"))
        #expect(finding.summary.contains("requests are lost between gw1 and web1"))
        #expect(finding.remedy.contains("do not reach 10.0.0.20"))
    }

    @Test func requestsReachingASilentServerSayItDoesNotAnswer() throws {
        var t = Timeline(vantages: ["gw1", "web1"])
        t.add(FrameBuilder.arpRequest(from: Hosts.webMAC, ip: Hosts.webIP, asking: Hosts.otherIP, padTo: 0), at: 0.2, vantage: 1)
        t.add(FrameBuilder.arpReply(from: Hosts.otherMAC, ip: Hosts.otherIP, to: Hosts.webMAC, targetIP: Hosts.webIP), at: 0.2005, vantage: 1)
        for second in [1.0, 2.0, 3.0] {
            t.add(Hosts.gwAsksWeb(outgoing: true), at: second, vantage: 0)
            t.add(Hosts.gwAsksWeb(), at: second + 0.0002, vantage: 1)
        }
        let finding = try #require(unanswered(t.findings()).first)
        #expect(string(finding.details["direction"]) == "target_silent")
        #expect(finding.summary.contains("reached web1, 10.0.0.20's own capture, but 10.0.0.20 never replied"))
        #expect(finding.remedy.contains("NIC and driver"))
    }

    @Test func answeredExchangeSeenAtThreeCapturesIsQuiet() {
        // A third capture only sees the broadcast requests: that is normal switching, not a loss.
        var t = Timeline(vantages: ["gw1", "web1", "web2"])
        let web2MAC = MACAddress(0x02, 0, 0, 0, 0, 0x22)
        t.add(FrameBuilder.arpRequest(from: web2MAC, ip: IPv4Address(10, 0, 0, 22), asking: Hosts.otherIP, padTo: 0), at: 0.1, vantage: 2)
        t.add(FrameBuilder.arpReply(from: Hosts.otherMAC, ip: Hosts.otherIP, to: web2MAC, targetIP: IPv4Address(10, 0, 0, 22)), at: 0.1005, vantage: 2)
        for second in [1.0, 11.0, 21.0] {
            t.add(Hosts.gwAsksWeb(outgoing: true), at: second, vantage: 0)
            t.add(Hosts.gwAsksWeb(), at: second + 0.0002, vantage: 1)
            t.add(Hosts.gwAsksWeb(), at: second + 0.0002, vantage: 2)
            t.add(Hosts.webReplies(outgoing: true), at: second + 0.0005, vantage: 1)
            t.add(Hosts.webReplies(), at: second + 0.0007, vantage: 0)
        }
        #expect(unanswered(t.findings()).isEmpty)
    }

    @Test func seed000BothDirectionsBetweenTheHAGatewayAndTheWindowsServer() throws {
        // haproxy2 owns the gateway VIP 69.59.196.211 on eth1; the Windows server 69.59.196.220
        // keeps answering in its own capture, but nothing it sends reaches the gateway.
        let gwMAC = MACAddress("00:15:5d:0a:3e:0e")!
        let vip = IPv4Address("69.59.196.211")!
        let serverMAC = MACAddress("00:21:5e:4d:30:8d")!
        let server = IPv4Address("69.59.196.220")!
        var t = Timeline(vantages: ["haproxy2", "web220"])
        // Other backends resolve the gateway fine: it is everybody's gateway.
        for host in UInt8(1)...UInt8(4) {
            let mac = MACAddress(0x00, 0x21, 0x5E, 0x4D, 0x45, host)
            let ip = IPv4Address(69, 59, 196, 211 + host)
            t.add(FrameBuilder.arpRequest(from: mac, ip: ip, asking: vip), at: Double(host) * 0.1, vantage: 0)
            t.add(FrameBuilder.arpReply(from: gwMAC, ip: vip, to: mac, targetIP: ip, padTo: 0), at: Double(host) * 0.1 + 0.0002, vantage: 0)
        }
        for index in 0..<3 {
            let second = 1.0 + Double(index)
            // The gateway asks for the server: seen leaving haproxy2 and arriving at web220 ...
            t.add(FrameBuilder.arpRequest(from: gwMAC, ip: vip, asking: server, padTo: 0), at: second, vantage: 0)
            t.add(FrameBuilder.arpRequest(from: gwMAC, ip: vip, asking: server), at: second + 0.0002, vantage: 1)
            // ... and the server answers, but the reply never reaches haproxy2.
            t.add(FrameBuilder.arpReply(from: serverMAC, ip: server, to: gwMAC, targetIP: vip, padTo: 0), at: second + 0.0004, vantage: 1)
            // The server asks for its gateway: its requests never reach haproxy2 either.
            t.add(FrameBuilder.arpRequest(from: serverMAC, ip: server, asking: vip, padTo: 0), at: second + 0.5, vantage: 1)
        }
        let findings = unanswered(t.findings())
        #expect(findings.count == 2)
        let toServer = try #require(findings.first { $0.details["target"] == .string("69.59.196.220") })
        #expect(string(toServer.details["direction"]) == "reply_lost")
        #expect(toServer.summary.contains("no reply reached haproxy2: replies are lost between web220 and haproxy2"))
        let toGateway = try #require(findings.first { $0.details["target"] == .string("69.59.196.211") })
        #expect(string(toGateway.details["direction"]) == "request_lost")
        #expect(toGateway.severity == .critical)
        #expect(toGateway.summary.contains("never reached haproxy2, where 69.59.196.211's own frames are captured"))
        #expect(toGateway.summary.contains("69.59.196.211 is resolved by 4 or more hosts, like a gateway"))
    }

    @Test func aLinuxCookedGatewayCaptureMarksItsOwnRequestsOutgoing() throws {
        // gw1 is `tcpdump -i any` on the gateway (SLL2, its requests marked outgoing); web1 is
        // an Ethernet capture on the server, which replies each time; span is a mirror port that
        // sees only broadcasts (so the two-capture fallback cannot apply).
        var t = Timeline(vantages: ["gw1", "web1", "span"])
        for index in 0..<3 {
            let second = 1.0 + Double(index)
            t.add(
                FrameBuilder.linuxSLL2(wrapping: Hosts.gwAsksWeb(outgoing: true), packetType: .outgoing), at: second,
                vantage: 0, linkType: .linuxSLL2)
            t.add(Hosts.gwAsksWeb(), at: second + 0.0002, vantage: 1)
            t.add(Hosts.gwAsksWeb(), at: second + 0.0002, vantage: 2)
            t.add(Hosts.webReplies(), at: second + 0.0005, vantage: 1)
        }
        // A third party's reply to web: web1 has two unicast peers, so it is web's capture.
        t.add(FrameBuilder.arpReply(from: Hosts.otherMAC, ip: Hosts.otherIP, to: Hosts.webMAC, targetIP: Hosts.webIP), at: 0.5, vantage: 1)
        let finding = try #require(unanswered(t.findings()).first)
        #expect(string(finding.details["direction"]) == "reply_lost")
        #expect(finding.details["requester_vantages"] == .list([.string("gw1")]))
    }

    @Test func aReplyInAnotherVLANDoesNotAnswer() throws {
        var t = Timeline(vantages: ["gw"])
        for second in [1.0, 2.0, 3.0] {
            t.add(FrameBuilder.arpRequest(from: Hosts.gwMAC, ip: Hosts.gwIP, asking: Hosts.webIP, vlans: [10]), at: second)
            t.add(
                FrameBuilder.arpReply(from: Hosts.webMAC, ip: Hosts.webIP, to: Hosts.gwMAC, targetIP: Hosts.gwIP, vlans: [20]),
                at: second + 0.0003)
        }
        let findings = unanswered(t.findings())
        #expect(findings.count == 1)
        #expect(findings.first?.vlan == 10)
    }

    @Test func aGratuitousARPFromTheTargetResolvesTheRequests() throws {
        var t = Timeline(vantages: ["gw"])
        t.add(Hosts.gwAsksWeb(outgoing: true), at: 1.0)
        t.add(Hosts.gwAsksWeb(outgoing: true), at: 2.0)
        t.add(FrameBuilder.gratuitousARP(from: Hosts.webMAC, ip: Hosts.webIP), at: 2.2)
        let finding = try #require(unanswered(t.findings()).first)
        #expect(finding.details["answered"] == .bool(true))
        #expect(double(finding.details["resolution_seconds"]) == 1.2)
        #expect(finding.evidence.contains { $0.note.hasPrefix("unsolicited reply from 10.0.0.20") })
    }

    // MARK: - IPv6 neighbor discovery

    @Test func unansweredNeighborSolicitationsFire() throws {
        var t = Timeline(vantages: ["gw"])
        for second in [1.0, 2.0, 3.0] {
            t.add(FrameBuilder.neighborSolicitation(from: Hosts.gw6, target: Hosts.web6.ip), at: second)
        }
        let findings = t.findings().of("ndp.unanswered")
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(string(finding.details["pattern"]) == "incomplete")
        #expect(finding.summary.contains("fe80::1 (02:00:00:00:00:01) asked for fe80::20 3 times over 2.0 s (1.0 s apart"))
        #expect(finding.remedy.contains("ip -6 neigh"))
    }

    @Test func neighborSolicitationAnsweredByAdvertisementIsQuiet() {
        var t = Timeline(vantages: ["gw"])
        for second in [1.0, 10.0] {
            t.add(FrameBuilder.neighborSolicitation(from: Hosts.gw6, target: Hosts.web6.ip), at: second)
            t.add(FrameBuilder.neighborAdvertisement(from: Hosts.web6, to: Hosts.gw6, solicited: true), at: second + 0.0003)
            // A reachability probe (unicast NS) answered too.
            t.add(FrameBuilder.neighborSolicitation(from: Hosts.gw6, target: Hosts.web6.ip, to: Hosts.web6), at: second + 5)
            t.add(FrameBuilder.neighborAdvertisement(from: Hosts.web6, to: Hosts.gw6, solicited: true), at: second + 5.0003)
        }
        #expect(t.findings().of("ndp.unanswered").isEmpty)
    }

    @Test func duplicateAddressDetectionProbesAreNotUnanswered() {
        var t = Timeline(vantages: ["web"])
        t.add(FrameBuilder.dadProbe(mac: Hosts.webMAC, target: Hosts.web6.ip), at: 1.0)
        t.add(FrameBuilder.dadProbe(mac: Hosts.webMAC, target: IPv6Address("2001:db8::20")!), at: 2.0)
        t.add(FrameBuilder.neighborAdvertisement(from: Hosts.web6), at: 3.0)
        #expect(t.findings().isEmpty)
    }
}
