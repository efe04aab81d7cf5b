import Foundation
import Testing
import VantageCapture
import VantageWire

/// `vantage analyze --heartbeat udp/PORT[@INTERVAL]` and the config file's `heartbeats:`.
@Suite struct HeartbeatOptionTests {
    private static let a = (MACAddress("02:00:00:00:03:01")!, IPv4Address("10.0.3.1")!)
    private static let b = (MACAddress("02:00:00:00:03:02")!, IPv4Address("10.0.3.2")!)

    /// Heartbeats from 10.0.3.1 to 10.0.3.2 on `port` every 1.2 s, with a 5.4 s silence (4.5
    /// intervals) after the 11th.
    private func capture(port: UInt16, in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("hb\(port).pcap").path
        let writer = try PcapWriter(path: path, linkType: .ethernet)
        let start = Timestamp(seconds: 1_795_300_000)
        var time: Int64 = 0
        for sequence in 0..<24 {
            let frame = FrameBuilder.udp(
                from: (Self.a.0, Self.a.1, port), to: (Self.b.0, Self.b.1, port), payload: [UInt8(sequence)])
            try writer.write(timestamp: start + time, originalLength: frame.count, bytes: frame.span)
            time += sequence == 10 ? 5_400_000_000 : 1_200_000_000
        }
        try writer.close()
        return path
    }

    private func findings(_ stdout: String) -> [[String: Any]] {
        stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func aDeclaredIntervalGradesTheStream() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try capture(port: 3343, in: directory)
        let result = try CommandRunner.vantage(["analyze", "--format", "json", "--heartbeat", "udp/3343@1.2", path])
        #expect(result.status == 1, "\(result.stderr)")
        let finding = try #require(findings(result.stdout).first { $0["kind"] as? String == "heartbeat.degraded" })
        let details = try #require(finding["details"] as? [String: Any])
        #expect(details["interval_source"] as? String == "declared")
        #expect(details["interval_s"] as? Double == 1.2)
        #expect(details["worst_rung"] as? String == "unreachable")
        #expect(finding["severity"] as? String == "warning")
        // A declared 3 s interval makes the same gap normal.
        let relaxed = try CommandRunner.vantage(["analyze", "--format", "json", "--heartbeat", "udp/3343@3", path])
        #expect(!relaxed.stdout.contains("heartbeat."), "\(relaxed.stdout)")
    }

    @Test func aDeclaredPortIsWatchedFromTheCommandLineOrTheConfigFile() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try capture(port: 7000, in: directory)
        let plain = try CommandRunner.vantage(["analyze", "--format", "json", path])
        #expect(!plain.stdout.contains("heartbeat."), "UDP 7000 is not a heartbeat port unless declared")
        let flagged = try CommandRunner.vantage(["analyze", "--format", "json", "--heartbeat", "udp/7000", path])
        let details = try #require(findings(flagged.stdout).first { $0["kind"] as? String == "heartbeat.degraded" }?["details"] as? [String: Any])
        #expect(details["interval_source"] as? String == "learned")
        let config = directory.appendingPathComponent("vantage.yaml")
        try Data("heartbeats: [\"udp/7000@1.2\"]\n".utf8).write(to: config)
        let configured = try CommandRunner.vantage(["analyze", "--format", "json", "--config", config.path, path])
        let fromFile = try #require(findings(configured.stdout).first { $0["kind"] as? String == "heartbeat.degraded" }?["details"] as? [String: Any])
        #expect(fromFile["interval_source"] as? String == "declared")
    }

    @Test func badDeclarationsAreUsageErrors() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try capture(port: 3343, in: directory)
        for bad in ["tcp/3343", "udp/3343@", "udp/99999", "udp/3343@fast"] {
            let result = try CommandRunner.vantage(["analyze", "--heartbeat", bad, path])
            #expect(result.status == 2, "\(bad)")
            #expect(result.stderr.contains("--heartbeat"), "\(bad): \(result.stderr)")
        }
        let config = directory.appendingPathComponent("vantage.yaml")
        try Data("heartbeats: [\"tcp/1\"]\n".utf8).write(to: config)
        let result = try CommandRunner.vantage(["analyze", "--config", config.path, path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("heartbeats"), "\(result.stderr)")
    }
}
