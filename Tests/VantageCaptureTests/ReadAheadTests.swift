import Foundation
import Testing
import VantageCapture

/// Large regular files are read ahead on a background thread: every result must be the one a
/// synchronous read of the same bytes gives, whatever the record sizes, cuts and copies.
@Suite("Read-ahead")
struct ReadAheadTests {
    /// A classic pcap of `records` records of varied sizes, with a few larger than the read
    /// ahead's headroom (264 KiB) at `large`.
    func capture(records: Int, large: Set<Int> = []) -> PcapBuilder {
        var builder = PcapBuilder(snapLength: 0)
        for index in 0..<records {
            let size = large.contains(index) ? 300_000 + index : 60 + (index &* 37) % 1460
            builder.record(seconds: UInt32(index), fraction: UInt32(index % 1000), data: payload(size, seed: index))
        }
        return builder
    }

    /// Reads the file at `path` with and without read-ahead and the same bytes from memory.
    func compare(_ bytes: [UInt8], chunkSize: Int) throws {
        let path = ToolSupport.write(bytes, name: "ahead.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let expected = readAll(bytes, chunkSize: chunkSize)
        var ahead = try CaptureReader(path: path, chunkSize: chunkSize)
        var plain = try CaptureReader(path: path, chunkSize: chunkSize, readAhead: false)
        let fromAhead = readAll(&ahead)
        let fromPlain = readAll(&plain)
        for result in [fromAhead, fromPlain] {
            #expect(result.records == expected.records)
            #expect(result.data == expected.data)
            #expect((result.error == nil) == (expected.error == nil))
        }
        #expect(fromAhead.error == fromPlain.error)
        #expect(ahead.bytesRead == plain.bytesRead)
    }

    @Test("records straddling reads, chunk sizes", arguments: [4096, 65536, 1 << 20])
    func sameRecords(chunkSize: Int) throws {
        try compare(capture(records: 6000).bytes, chunkSize: chunkSize)
    }

    @Test func recordsLargerThanTheHeadroomFallBackToReadingInPlace() throws {
        try compare(capture(records: 3000, large: [5, 1500, 2999]).bytes, chunkSize: 65536)
    }

    @Test("file cut inside a record or a header", arguments: [7, 16, 100])
    func truncatedFile(cut: Int) throws {
        let bytes = capture(records: 4000).bytes
        try compare(Array(bytes.dropLast(cut)), chunkSize: 4096)
    }

    @Test func pcapng() throws {
        var builder = PcapNGBuilder()
        builder.section(bigEndian: false)
        builder.interface(linkType: 1)
        for index in 0..<5000 {
            builder.enhancedPacket(
                interface: 0, units: UInt64(index), data: payload(60 + index % 1400, seed: index))
        }
        try compare(builder.bytes, chunkSize: 8192)
    }

    /// A producer that lags (as one waiting for a CPU does): the reader reads chunks by itself,
    /// skips slots holding bytes it already has, gives up on the producer, and the records stay
    /// the same. (The variable is read when a read-ahead starts; other read-ahead tests running
    /// meanwhile only take the same paths.)
    @Test(arguments: [300, 3000])
    func aLaggingProducer(delayMicroseconds: Int) throws {
        setenv("VANTAGE_READ_AHEAD_DELAY_US", String(delayMicroseconds), 1)
        defer { unsetenv("VANTAGE_READ_AHEAD_DELAY_US") }
        try compare(capture(records: 8000, large: [4000]).bytes, chunkSize: 4096)
        try compare(capture(records: 3000).bytes, chunkSize: 16384)
    }

    @Test func copiesAreIndependent() throws {
        let bytes = capture(records: 5000).bytes
        let path = ToolSupport.write(bytes, name: "copies.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var first = try CaptureReader(path: path, chunkSize: 4096)
        for _ in 0..<1234 { _ = try first.advance() }
        var second = first
        let rest = readAll(&first)
        let again = readAll(&second)
        #expect(rest.records.count == 5000 - 1234)
        #expect(again.records == rest.records)
        #expect(again.data == rest.data)
    }

    @Test func anAbandonedReaderStopsItsThread() throws {
        let bytes = capture(records: 20000).bytes
        let path = ToolSupport.write(bytes, name: "abandon.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        for _ in 0..<20 {
            var reader = try CaptureReader(path: path, chunkSize: 4096)
            for _ in 0..<10 { _ = try reader.advance() }
            #expect(reader.current.frameNumber == 10)
        }
    }
}
