import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

/// A load balancer 10.0.0.2 checking web servers 10.0.0.10 and .11 every 2 s, and a browser
/// 10.0.0.5 fetching pages with `Host: www.example.test` at irregular times.
private enum Farm {
    static let checker: FrameBuilder.Host = (MACAddress(rawValue: 0x02CC_0000_0002), IPv4Address(10, 0, 0, 2))
    static let browser: FrameBuilder.Host = (MACAddress(rawValue: 0x02CC_0000_0005), IPv4Address(10, 0, 0, 5))
    static let servers: [FrameBuilder.Host] = [
        (MACAddress(rawValue: 0x02CC_0000_0010), IPv4Address(10, 0, 0, 10)),
        (MACAddress(rawValue: 0x02CC_0000_0011), IPv4Address(10, 0, 0, 11)),
    ]
    static let site = "www.example.test"

    /// `checkHost` nil: HTTP/1.0 HEAD without Host; the servers answer 404 to requests without
    /// a Host (or `hostlessStatus`). `silentFrom`: server 0 stops answering checks then.
    static func timeline(
        checkHost: String? = nil, hostlessStatus: UInt16 = 404, checks: Int = 15, silentFrom: Double? = nil,
        browse: Bool = true, secondVantageOffset: Double? = nil
    ) -> Timeline {
        var timeline = Timeline(vantages: secondVantageOffset == nil ? ["capture"] : ["checker", "server"])
        func add(_ frame: [UInt8], _ t: Double) {
            timeline.add(frame, at: t)
            if let offset = secondVantageOffset { timeline.add(frame, at: t + offset, vantage: 1) }
        }
        var port: UInt16 = 30000
        for index in 0..<checks {
            let t = Double(index) * 2.0
            for (serverIndex, server) in servers.enumerated() {
                port += 1
                let at = t + Double(serverIndex) * 0.05
                add(
                    FrameBuilder.httpRequest(
                        from: (checker.0, checker.1, port), to: (server.0, server.1, 80), method: .head, host: checkHost,
                        version: checkHost == nil ? .http10 : .http11),
                    at)
                if serverIndex == 0, let silentFrom, t >= silentFrom { continue }
                let status: UInt16 = checkHost == nil ? hostlessStatus : 200
                add(
                    FrameBuilder.httpResponse(
                        from: (server.0, server.1, 80), to: (checker.0, checker.1, port), status: status,
                        reason: status == 200 ? "OK" : "Not Found", version: .http10),
                    at + 0.003)
            }
        }
        guard browse else { return timeline }
        for (index, t) in [0.7, 1.9, 5.3, 11.1, 12.0, 19.4, 23.8].enumerated() {
            let server = servers[index % 2]
            let clientPort = UInt16(50000 + index)
            add(FrameBuilder.httpRequest(from: (browser.0, browser.1, clientPort), to: (server.0, server.1, 80), host: site), t)
            add(
                FrameBuilder.httpResponse(from: (server.0, server.1, 80), to: (browser.0, browser.1, clientPort), status: 200),
                t + 0.004)
        }
        return timeline
    }
}

@Suite struct HealthCheckHostHeaderTests {
    @Test func firesWhenHostlessChecksFailAndNamedRequestsSucceed() throws {
        let findings = Farm.timeline().findings()
        let finding = try #require(findings.of("health_check.host_header").first)
        #expect(findings.of("health_check.host_header").count == 1)
        #expect(finding.severity == .warning)
        #expect(finding.details["checker"] == .string("10.0.0.2"))
        #expect(finding.details["version"] == .string("HTTP/1.0") && finding.details["method"] == .string("HEAD"))
        #expect(finding.details["interval_s"] == .double(2.0))
        #expect(finding.summary.contains("10.0.0.10:80") && finding.summary.contains("10.0.0.11:80"))
        #expect(finding.summary.contains("Host www.example.test") && finding.summary.contains("404 ×15"))
        #expect(Set(finding.ips) == ["10.0.0.10", "10.0.0.11", "10.0.0.2"])
        #expect(finding.evidence.contains { $0.note.contains("alive response to a request with Host www.example.test") })
        // Each failing stream is also reported as failing, caused by the missing Host.
        let failing = findings.of("health_check.failing")
        #expect(failing.count == 2)
        #expect(failing.allSatisfy { $0.causedBy == [finding.key] })
        // The first check fails at t = 0: the failing episode starts there.
        #expect(failing.allSatisfy { $0.start < Timeline.time(0.1) })
    }

    /// The same checks captured at the checker and at the server, whose clock is 200 ms ahead:
    /// each request and response counts once, and no copy turns into a timeout.
    @Test func countsEachCheckOnceAcrossVantagePoints() throws {
        let findings = Farm.timeline(secondVantageOffset: 0.2).findings()
        let finding = try #require(findings.of("health_check.host_header").first)
        #expect(finding.summary.contains("404 ×15") && !finding.summary.contains("timeout"))
        let failing = findings.of("health_check.failing")
        #expect(failing.count == 2 && failing.allSatisfy { $0.details["checks"] == .int(15) && $0.details["timeouts"] == .int(0) })
        #expect(Farm.timeline(checkHost: Farm.site, secondVantageOffset: 0.2).findings().isEmpty)
    }

    @Test func namesOtherFailingStatuses() throws {
        let finding = try #require(Farm.timeline(hostlessStatus: 400).findings().of("health_check.host_header").first)
        #expect(finding.summary.contains("400 ×15"))
    }

    @Test func quietWhenChecksCarryTheHost() {
        let findings = Farm.timeline(checkHost: Farm.site).findings()
        #expect(findings.isEmpty, "\(findings.map { "\($0.kind): \($0.summary)" })")
    }

    @Test func quietWhenHostlessChecksSucceed() {
        #expect(Farm.timeline(hostlessStatus: 200).findings().isEmpty)
    }

    @Test func failingWithoutHostHeaderCauseWhenNoNamedRequestSucceeds() throws {
        let findings = Farm.timeline(browse: false).findings()
        #expect(findings.of("health_check.host_header").isEmpty)
        #expect(findings.of("health_check.failing").count == 2)
        #expect(findings.of("health_check.failing").allSatisfy { $0.causedBy.isEmpty })
    }

    @Test func aliveStatusesAreTunable() {
        var configuration = AnalysisConfiguration()
        configuration.thresholds["health_check.host_header"] = ["alive_statuses": 47]  // any 4xx alive
        #expect(Farm.timeline().findings(configuration: configuration).isEmpty)
    }
}

@Suite struct HealthCheckFailingTests {
    @Test func firesOnTimeoutsWithStartTime() throws {
        let findings = Farm.timeline(checkHost: Farm.site, checks: 20, silentFrom: 20).findings()
        let failing = try #require(findings.of("health_check.failing").first)
        #expect(findings.of("health_check.failing").count == 1 && findings.of("health_check.host_header").isEmpty)
        #expect(failing.details["server"] == .string("10.0.0.10:80") && failing.details["timeouts"] == .int(7))
        // Checks at 20, 22, ... 32 s timed out; those after 33 s (under 5 s before the end) are not judged.
        #expect(failing.details["alive"] == .int(10) && failing.details["recovered"] == .bool(false))
        #expect(failing.start == Timeline.time(20))
        #expect(failing.summary.contains("7 timeouts of 20 checks") && failing.summary.contains("with Host www.example.test"))
    }

    @Test func irregularRequestsAreNoHealthCheck() {
        var timeline = Timeline()
        let server = Farm.servers[0]
        for (index, t) in [0.0, 0.4, 3.9, 4.2, 11.0, 19.5, 20.1, 33.0].enumerated() {
            let port = UInt16(41000 + index)
            timeline.add(FrameBuilder.httpRequest(from: (Farm.browser.0, Farm.browser.1, port), to: (server.0, server.1, 80), version: .http10), at: t)
            timeline.add(FrameBuilder.httpResponse(from: (server.0, server.1, 80), to: (Farm.browser.0, Farm.browser.1, port), status: 404, reason: "Not Found"), at: t + 0.01)
        }
        #expect(timeline.findings().isEmpty)
    }

    @Test func bothKindsAreDescribed() {
        let kinds = DetectorRegistry.descriptions.filter { $0.kind.category == "health_check" }
        #expect(kinds.map(\.kind.rawValue) == ["health_check.failing", "health_check.host_header"])
        #expect(kinds.allSatisfy { !$0.tunables.isEmpty })
    }
}
