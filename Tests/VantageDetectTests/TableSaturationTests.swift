import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

@Suite struct TableSaturationTests {
    private func announce(hosts: Int) -> Script {
        var script = Script()
        for index in 1...hosts {
            script.add(FrameBuilder.arpAnnouncement(from: MACAddress(0x02, 0, 0, 0, 2, UInt8(index)), ip: IPv4Address(10, 0, 2, UInt8(index))), at: Double(index) * 0.5)
        }
        return script
    }

    @Test func aSmallCapIsReportedWithItsEvictions() {
        var configuration = AnalysisConfiguration()
        configuration.thresholds["neighbor.table_saturated"] = ["address_capacity": 8, "station_capacity": 100]
        let findings = announce(hosts: 20).findings(configuration)
        let saturated = findings.of("neighbor.table_saturated")
        #expect(saturated.count == 1, "\(findings.listing)")
        guard let finding = saturated.first else { return }
        #expect(finding.severity == .warning)
        #expect(finding.details["evictions"] == .int(12))
        #expect(finding.details["capacity"] == .int(8))
        #expect(finding.summary.hasPrefix("The neighbor addresses map reached its capacity of 8 addresses (ownership history) and evicted 12 least recently seen entries"))
        #expect(finding.remedy.contains("neighbor.table_saturated.address_capacity"))
    }

    @Test func senderAndStationMapsAreInfo() {
        var configuration = AnalysisConfiguration()
        configuration.thresholds["neighbor.table_saturated"] = ["station_capacity": 4]
        let findings = announce(hosts: 10).findings(configuration).of("neighbor.table_saturated")
        #expect(findings.map(\.severity) == [.info])
        #expect(findings.first?.details["table"] == .string("stations"))
    }

    @Test func theDefaultCapsAreQuiet() {
        #expect(announce(hosts: 200).findings().of("neighbor.table_saturated").isEmpty)
    }
}
