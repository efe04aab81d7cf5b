import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

/// The bundled capture of a real keepalived pair (Examples/record.sh: gw1 prio 150 stopped with
/// SIGTERM, gw2 prio 100 takes over; client eth0 and gw2 `any`) through the standard detectors.
@Suite struct VIPRealCaptureTests {
    static let examples = URLPath.repository + "/Examples/"

    static func analyze(_ files: [(String, String)]) -> [Finding] {
        var merged = MergedCapture(opening: files.map { VantagePoint(name: $0.0, path: examples + $0.1) })
        let engine = AnalysisEngine(configuration: AnalysisConfiguration(), vantageNames: files.map(\.0))
        let decoder = PacketDecoder()
        while let vantage = merged.next() {
            let record = merged.current
            let packet = merged.withCurrentBytes { decoder.decode($0, linkType: record.linkType, fcsLength: record.fcsLength) }
            let reference = FrameReference(vantage: vantage, frame: record.frameNumber, time: merged.currentTimestamp)
            engine.observe(Observation(reference: reference, packet: packet, originalLength: record.originalLength))
        }
        return engine.finish()
    }

    @Test(arguments: [
        [("client", "keepalived-failover.pcap")],
        [("client", "keepalived-failover.pcap"), ("gw2", "keepalived-failover-gw2-any.pcap")],
    ])
    func keepalivedSIGTERMFailoverIsOneQuietFailover(_ files: [(String, String)]) throws {
        let all = Self.analyze(files)
        // The recording's client connected while the web server was still starting: those
        // refused handshakes are an info finding of their own (tcp.handshake_failed).
        #expect(all.tcp.allSatisfy { $0.severity == .info && $0.details["before_first_accept"] == .bool(true) })
        let findings = all.filter { $0.kind.category != "tcp" }
        #expect(findings.count == 1, "\(findings.map(\.summary))")
        let failover = try #require(findings.of("vip.failover").first)
        #expect(failover.details["reason"] == .string("resigned"))
        #expect(failover.details["garp_count"] == .int(10))
        #expect(failover.details["garp_bursts"] == .list([.int(5), .int(5)]))
        if case .double(let gap) = failover.details["takeover_gap_s"] {
            #expect(abs(gap - 0.6096) < 0.002)
        } else {
            Issue.record("no takeover gap")
        }
        #expect(failover.summary.contains("from 10.77.0.2 (02:aa:00:00:00:02, prio 150) to 10.77.0.3 (02:aa:00:00:00:03, prio 100)"))
    }
}

/// Where the repository is, from this file's path.
enum URLPath {
    static let repository: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        while let last = parts.last, last != "Tests" { parts.removeLast() }
        parts.removeLast()
        return parts.joined(separator: "/")
    }()
}
