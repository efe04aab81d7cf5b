import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

@Suite struct FindingTests {
    private func evidence(_ frame: Int, at seconds: Int64) -> Evidence {
        Evidence(FrameReference(vantage: 0, frame: frame, time: Timestamp(seconds: seconds)), "frame \(frame)")
    }

    @Test func absorbingMergesWindowsEvidenceAndSeverity() {
        var first = Finding(
            kind: FindingKind(rawValue: "arp.unanswered"), severity: .warning, start: Timestamp(seconds: 10),
            end: Timestamp(seconds: 12), summary: "first", ips: ["10.0.0.1"], evidence: [evidence(3, at: 10)],
            remedy: "r", key: "k")
        let second = Finding(
            kind: FindingKind(rawValue: "arp.unanswered"), severity: .critical, start: Timestamp(seconds: 11),
            end: Timestamp(seconds: 20), summary: "second", ips: ["10.0.0.2"],
            evidence: [evidence(3, at: 10), evidence(9, at: 19)], remedy: "r", key: "k")
        first.absorb(second)
        #expect(first.start == Timestamp(seconds: 10) && first.end == Timestamp(seconds: 20))
        #expect(first.severity == .critical)
        #expect(first.evidence.map(\.reference.frame) == [3, 9])
        #expect(first.ips == ["10.0.0.1", "10.0.0.2"])
    }

    @Test func evidenceIsBoundedKeepingTheLastFrame() {
        let many = (1...100).map { evidence($0, at: Int64($0)) }
        let finding = Finding(
            kind: FindingKind(rawValue: "arp.storm"), severity: .info, start: .zero, end: .zero, summary: "s",
            evidence: many, remedy: "r")
        #expect(finding.evidence.count == Finding.evidenceLimit)
        #expect(finding.evidence.last?.reference.frame == 100)
        #expect(finding.evidence.first?.reference.frame == 1)
    }

    @Test func wellKnownVirtualMACsAreRecognised() {
        for text in ["00:00:5e:00:01:33", "00:00:5e:00:02:01", "00:00:5e:00:00:07", "00:00:0c:07:ac:0a", "00:00:0c:9f:f0:0a", "02:bf:0a:00:00:05", "03:bf:0a:00:00:05"] {
            #expect(VirtualMACRanges.isWellKnownVirtual(MACAddress(text)!), "\(text)")
        }
        for text in ["02:aa:00:00:00:01", "00:00:5e:00:03:01", "00:00:0c:07:ad:01", "01:00:5e:00:00:12"] {
            #expect(!VirtualMACRanges.isWellKnownVirtual(MACAddress(text)!), "\(text)")
        }
    }

    @Test func severityParsesAndOrders() {
        #expect(Severity(name: "warning") == .warning)
        #expect(Severity(name: "loud") == nil)
        #expect(Severity.info < .warning && Severity.warning < .critical)
    }
}
