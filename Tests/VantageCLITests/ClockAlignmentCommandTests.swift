import Foundation
import Testing
import VantageCapture
import VantageWire

/// `vantage analyze` over two captures whose clocks differ: the pre-pass finds the offset,
/// reports it, and the other findings' evidence lines up on one timeline.
@Suite struct ClockAlignmentCommandTests {
    private static let gateway = (MACAddress("02:00:00:00:00:01")!, IPv4Address("10.9.0.1")!)
    private static let missing = IPv4Address("10.9.0.20")!
    private static let hostA = (MACAddress("02:00:00:00:00:05")!, IPv4Address("10.9.0.5")!)
    private static let hostB = (MACAddress("02:00:00:00:00:06")!, IPv4Address("10.9.0.6")!)
    private static let start = Timestamp(seconds: 1_795_300_000)
    /// The second capture's clock runs this far ahead (ns).
    private static let shift: Int64 = 350_000_000

    /// The same traffic captured at "gw" and "sw": the gateway ARPs three times for a host that
    /// never answers, and two hosts ping each other ten times. "sw" sees each frame 40 µs later
    /// (one switch hop) and its clock is `shift` ahead.
    private func captures(in directory: URL) throws -> (String, String) {
        var frames: [(Int64, [UInt8])] = []
        for attempt in 0..<3 {
            frames.append((Int64(attempt) * 1_000_000_000, FrameBuilder.arpRequest(from: Self.gateway.0, ip: Self.gateway.1, asking: Self.missing)))
        }
        for sequence in 0..<10 {
            let at = 100_000_000 + Int64(sequence) * 200_000_000
            frames.append((at, FrameBuilder.icmpEchoRequest(from: Self.hostA, to: Self.hostB, identifier: 9, sequence: UInt16(sequence))))
            frames.append((at + 300_000, FrameBuilder.icmpEchoReply(from: Self.hostB, to: Self.hostA, identifier: 9, sequence: UInt16(sequence))))
        }
        frames.sort { $0.0 < $1.0 }
        let gw = directory.appendingPathComponent("gw.pcap").path
        let sw = directory.appendingPathComponent("sw.pcap").path
        let gwWriter = try PcapWriter(path: gw, linkType: .ethernet, nanosecondTimestamps: true)
        let swWriter = try PcapWriter(path: sw, linkType: .ethernet, nanosecondTimestamps: true)
        for (at, frame) in frames {
            try gwWriter.write(timestamp: Self.start + at, originalLength: frame.count, bytes: frame.span)
            try swWriter.write(timestamp: Self.start + at + 40_000 + Self.shift, originalLength: frame.count, bytes: frame.span)
        }
        try gwWriter.close()
        try swWriter.close()
        return (gw, sw)
    }

    private func findings(_ stdout: String) -> [[String: Any]] {
        stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Evidence times (s) per (vantage, frame) of a finding.
    private func evidenceTimes(_ finding: [String: Any]) -> [String: Double] {
        var times: [String: Double] = [:]
        for item in finding["evidence"] as? [[String: Any]] ?? [] {
            guard let vantage = item["vantage"] as? String, let frame = item["frame"] as? Int, let time = item["time"] as? Double else { continue }
            times["\(vantage)#\(frame)"] = time
        }
        return times
    }

    @Test func offsetIsFoundReportedAndApplied() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (gw, sw) = try captures(in: directory)
        let result = try CommandRunner.vantage(["analyze", "--format", "json", "--fail-on", "critical", "gw=\(gw)", "sw=\(sw)"])
        #expect(result.status == 0, "\(result.stderr)")
        let all = findings(result.stdout)
        let clock = try #require(all.first { $0["kind"] as? String == "capture.clock_offset" })
        let details = try #require(clock["details"] as? [String: Any])
        #expect(details["vantage"] as? String == "sw")
        #expect(details["reference"] as? String == "gw")
        let offset = try #require(details["offset_ms"] as? Double)
        #expect(abs(offset + 350.04) < 0.001, "sw's clock is 350 ms ahead plus a 40 µs hop: \(offset)")
        #expect(details["matched_frames"] as? Int == 20, "the 20 pings match; the 3 identical ARP retries 1 s apart do not")
        #expect((clock["vantages"] as? [String]) == ["gw", "sw"])

        // The unanswered ARP is cited at both vantage points at the same aligned time.
        let unanswered = try #require(all.first { $0["kind"] as? String == "arp.unanswered" })
        let times = evidenceTimes(unanswered)
        let pairs = times.keys.filter { $0.hasPrefix("sw#") }
        #expect(pairs.count == 3, "each request is cited at sw too: \(times.keys.sorted())")
        #expect((unanswered["summary"] as? String)?.contains("3 times") == true, "one request per retry, not one per copy")
        for key in pairs {
            let frame = key.dropFirst(3)
            if let reference = times["gw#\(frame)"], let other = times[key] {
                #expect(abs(other - reference) < 0.001, "frame \(frame): gw \(reference), sw \(other)")
            }
        }
        #expect(Double((unanswered["end"] as? Double) ?? 0) - Double((unanswered["start"] as? Double) ?? 0) < 2.5)
    }

    @Test func noAlignKeepsRawTimesAndReportsNoOffset() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (gw, sw) = try captures(in: directory)
        let result = try CommandRunner.vantage(["analyze", "--format", "json", "--fail-on", "critical", "--no-align", "gw=\(gw)", "sw=\(sw)"])
        #expect(result.status == 0, "\(result.stderr)")
        let all = findings(result.stdout)
        #expect(!all.contains { $0["kind"] as? String == "capture.clock_offset" })
        let unanswered = try #require(all.first { $0["kind"] as? String == "arp.unanswered" })
        let times = evidenceTimes(unanswered)
        let raw = try #require(times["sw#1"])
        #expect(abs(raw - Self.start.seconds - 0.35004) < 0.001, "raw sw time kept")
        // On raw clocks the copies 350 ms apart look like separate retries.
        #expect((unanswered["summary"] as? String)?.contains("6 times") == true)
    }

    @Test func singleCaptureHasNoPrePass() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (gw, _) = try captures(in: directory)
        let result = try CommandRunner.vantage(["analyze", "--format", "json", "--fail-on", "critical", gw])
        #expect(result.status == 0)
        #expect(!result.stdout.contains("capture.clock_offset"))
    }

    @Test func explainDocumentsTheKind() throws {
        let result = try CommandRunner.vantage(["explain", "capture.clock_offset"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("search_window"))
        #expect(result.stdout.contains("--no-align"))
    }
}
