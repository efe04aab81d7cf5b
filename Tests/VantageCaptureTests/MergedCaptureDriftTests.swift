import Testing
import VantageCapture

/// MergedCapture.setClockCorrection: offset plus drift, applied per record before ordering.
@Suite struct MergedCaptureDriftTests {
    private func pcap(_ seconds: [UInt32], tag: UInt8) -> [UInt8] {
        var builder = PcapBuilder()
        for (index, value) in seconds.enumerated() {
            builder.record(seconds: value, fraction: 0, data: [tag, UInt8(index), 0, 0])
        }
        return builder.bytes
    }

    @Test func driftGrowsTheCorrectionWithTime() throws {
        let a = try CaptureReader(bytes: pcap([0, 1000, 2000], tag: 0), name: "a")
        let b = try CaptureReader(bytes: pcap([0, 1000, 2000], tag: 1), name: "b")
        var merge = MergedCapture(readers: [a, b], names: ["a", "b"])
        // b: +1 ms at its t = 0, gaining 100 ppm: +101 ms at 1000 s, +201 ms at 2000 s.
        merge.setClockCorrection(offset: 1_000_000, drift: 100e-6, origin: 0, forVantage: 1)
        var shifted: [Int64] = []
        while let vantage = merge.next() {
            if vantage == 1 { shifted.append(merge.currentTimestamp.nanoseconds - merge.current.timestamp.nanoseconds) }
        }
        #expect(shifted == [1_000_000, 101_000_000, 201_000_000])
    }

    @Test func withoutDriftOnlyTheOffsetApplies() throws {
        let a = try CaptureReader(bytes: pcap([5, 6], tag: 0), name: "a")
        let b = try CaptureReader(bytes: pcap([5, 6], tag: 1), name: "b")
        var merge = MergedCapture(readers: [a, b])
        merge.setClockCorrection(offset: -2_000_000_000, drift: 0, origin: 123, forVantage: 1)
        var order: [(Int, Int64)] = []
        while let vantage = merge.next() { order.append((vantage, merge.currentTimestamp.nanoseconds / 1_000_000_000)) }
        #expect(order.map(\.0) == [1, 1, 0, 0])
        #expect(order.map(\.1) == [3, 4, 5, 6])
    }
}
