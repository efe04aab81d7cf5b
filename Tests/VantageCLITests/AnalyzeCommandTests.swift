import Foundation
import Testing
import VantageCapture
import VantageWire

/// `vantage analyze`: the finding record, exit codes, evidence pcaps and configuration errors.
@Suite struct AnalyzeCommandTests {
    private static let gateway = (MACAddress("02:00:00:00:00:01")!, IPv4Address("10.9.0.1")!)
    private static let server = IPv4Address("10.9.0.20")!

    /// A capture where the gateway asks three times (1 s apart, like Linux) for a host that
    /// never answers, then normal traffic for a few seconds.
    private func unansweredCapture(in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("gw.pcap").path
        let writer = try PcapWriter(path: path, linkType: .ethernet)
        let start = Timestamp(seconds: 1_795_300_000)
        for attempt in 0..<3 {
            let frame = FrameBuilder.arpRequest(
                from: Self.gateway.0, ip: Self.gateway.1, asking: Self.server)
            try writer.write(timestamp: start + Int64(attempt) * 1_000_000_000, originalLength: frame.count, bytes: frame.span)
        }
        try writer.close()
        return path
    }

    @Test func jsonLinesCarryTheStableFinding() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let capture = try unansweredCapture(in: directory)
        let result = try CommandRunner.vantage(["analyze", "--format", "json", "gw=\(capture)"])
        #expect(result.status == 1, "a warning finding must exit 1: \(result.stderr)")
        let objects = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let finding = try #require(objects.first { $0["kind"] as? String == "arp.unanswered" })
        for field in ["id", "kind", "severity", "start", "end", "summary", "ips", "macs", "vlan", "vantages", "evidence", "remedy", "caused_by", "details"] {
            #expect(finding.keys.contains(field), "missing field \(field)")
        }
        #expect((finding["ips"] as? [String])?.contains("10.9.0.20") == true)
        #expect((finding["vantages"] as? [String]) == ["gw"])
        let evidence = try #require(finding["evidence"] as? [[String: Any]])
        #expect(evidence.map { $0["frame"] as? Int } == [1, 2, 3])
        #expect(evidence.allSatisfy { $0["vantage"] as? String == "gw" })
        #expect((finding["summary"] as? String)?.contains("10.9.0.20") == true)
    }

    @Test func failOnCriticalLetsWarningsPass() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let capture = try unansweredCapture(in: directory)
        let result = try CommandRunner.vantage(["analyze", "--fail-on", "critical", capture])
        #expect(result.status == 0)
        #expect(result.stdout.contains("arp.unanswered"))
    }

    @Test func evidencePcapsHoldExactlyTheCitedFrames() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let capture = try unansweredCapture(in: directory)
        let out = directory.appendingPathComponent("evidence")
        let result = try CommandRunner.vantage(["analyze", "--evidence", out.path, "--format", "json", capture])
        #expect(result.status == 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.contains("arp.unanswered") }
        let file = try #require(files.first)
        var reader = try CaptureReader(path: out.appendingPathComponent(file).path)
        var frames = 0
        while try reader.advance() { frames += 1 }
        #expect(frames == 3)
    }

    @Test func aQuietCaptureExitsZero() throws {
        let example = CommandRunner.repositoryRoot.appendingPathComponent("Examples/keepalived-failover.pcap").path
        let result = try CommandRunner.vantage(["analyze", example])
        #expect(result.status == 0, "the bundled keepalived failover is normal life: \(result.stdout)")
        #expect(!result.stdout.contains("WARNING") && !result.stdout.contains("CRITICAL"))
    }

    @Test func configurationMistakesAreUsageErrors() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let capture = try unansweredCapture(in: directory)
        let cases = [
            ("suppress: [arp.unknown_kind]\n", "unknown finding kind"),
            ("thresholds:\n  arp.unanswered:\n    no_such_knob: 3\n", "unknown tunable"),
            ("allow:\n  virtual_macs: [\"zz:zz\"]\n", "not a MAC address"),
            ("allow: [: nope\n", "not a valid configuration"),
            ("heartbeat: [\"udp/7000\"]\n", "unknown key heartbeat"),
            ("allow:\n  virtual_mac: [\"00:00:5e:00:01:33\"]\n", "allow: unknown key virtual_mac"),
            ("groups:\n  - {protocol: vrrp, vrid: 51, routers: [{ip: 10.0.0.2, mac: \"02:aa:00:00:00:02\"}]}\n", "groups: unknown key vrid"),
            ("groups:\n  - {protocol: vrrp, id: 51, routers: [{ip: 10.0.0.2, mac: \"02:aa:00:00:00:02\", prio: 150}]}\n",
             "groups: routers: unknown key prio"),
        ]
        for (text, message) in cases {
            let config = directory.appendingPathComponent("vantage.yaml")
            try Data(text.utf8).write(to: config)
            let result = try CommandRunner.vantage(["analyze", "--config", config.path, capture])
            #expect(result.status == 2, "\(text)")
            #expect(result.stderr.contains(message), "\(text): \(result.stderr)")
        }
    }

    @Test func suppressionRemovesAKind() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let capture = try unansweredCapture(in: directory)
        let config = directory.appendingPathComponent("vantage.yaml")
        try Data("suppress: [arp.unanswered]\n".utf8).write(to: config)
        let result = try CommandRunner.vantage(["analyze", "--format", "json", "--config", config.path, capture])
        #expect(!result.stdout.contains("arp.unanswered"))
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try CommandRunner.vantage(["analyze"]).status == 2)
        #expect(try CommandRunner.vantage(["analyze", "--fail-on", "loud", "x.pcap"]).status == 2)
        #expect(try CommandRunner.vantage(["explain", "no.such.kind"]).status == 2)
    }
}
