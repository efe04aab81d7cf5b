import Foundation
import Testing
import VantageCapture
import VantageWire

@Suite("PcapWriter")
struct PcapWriterTests {
    static let base = Timestamp(nanoseconds: 1_795_316_465_123_456_789)

    /// Writes 50 frames and returns the path.
    func writeSample(nanoseconds: Bool, snapLength: Int = 262_144, bufferSize: Int = 4096) throws
        -> String
    {
        let path = ToolSupport.temporaryPath(nanoseconds ? "ns.pcap" : "us.pcap")
        let writer = try PcapWriter(
            path: path, linkType: .ethernet, snapLength: snapLength,
            nanosecondTimestamps: nanoseconds,
            bufferSize: bufferSize)
        for index in 0..<50 {
            let frame = payload(index == 7 ? 9000 : 60 + index, seed: index)
            try writer.write(
                timestamp: Self.base + Int64(index) * 1_000_000_001,
                originalLength: frame.count + 4,
                bytes: frame.span)
        }
        #expect(writer.recordsWritten == 50)
        try writer.close()
        try writer.close()
        return path
    }

    @Test("read back by our reader", arguments: [false, true])
    func readBack(nanoseconds: Bool) throws {
        let path = try writeSample(nanoseconds: nanoseconds)
        var reader = try CaptureReader(path: path)
        #expect(reader.format.nanosecondTimestamps == nanoseconds)
        let result = readAll(&reader)
        #expect(result.error == nil)
        try #require(result.records.count == 50)
        for (index, record) in result.records.enumerated() {
            let expected = Self.base + Int64(index) * 1_000_000_001
            let truncated = nanoseconds ? expected.nanoseconds : expected.nanoseconds / 1000 * 1000
            #expect(record.timestamp.nanoseconds == truncated)
            #expect(result.data[index] == payload(index == 7 ? 9000 : 60 + index, seed: index))
            #expect(record.originalLength == record.capturedLength + 4)
        }
    }

    @Test func snapLengthCutsFramesAndFCSBits() throws {
        let path = ToolSupport.temporaryPath("snap.pcap")
        let writer = try PcapWriter(path: path, linkType: .ethernet, snapLength: 32, fcsLength: 4)
        let frame = payload(100, seed: 1)
        try writer.write(timestamp: .zero, originalLength: 100, bytes: frame.span)
        try writer.close()
        #expect(throws: CaptureError.self) {
            try writer.write(timestamp: .zero, originalLength: 1, bytes: frame.span)
        }
        var reader = try CaptureReader(path: path)
        #expect(try reader.advance())
        #expect(reader.current.capturedLength == 32)
        #expect(reader.current.originalLength == 100)
        #expect(reader.current.fcsLength == 4)
        #expect(
            reader.withCurrentBytes { span in (0..<span.count).map { span[$0] } }
                == Array(frame.prefix(32)))
    }

    @Test func unwritablePathIsAnIOError() {
        #expect(throws: CaptureError.self) {
            try PcapWriter(path: "/nonexistent/dir/x.pcap", linkType: .ethernet)
        }
    }

    @Test(.enabled(if: ToolSupport.exists(ToolSupport.tcpdump)), arguments: [false, true])
    func tcpdumpReadsIt(nanoseconds: Bool) throws {
        let path = try writeSample(nanoseconds: nanoseconds)
        var arguments = ["-tt", "-n", "-q", "-r", path]
        if nanoseconds { arguments.insert(contentsOf: ["--time-stamp-precision", "nano"], at: 0) }
        let text = try #require(ToolSupport.run(ToolSupport.tcpdump, arguments))
        // One line per frame starts with its timestamp (decodes of random bytes add more lines).
        let lines = ToolSupport.lines(text).filter { $0.hasPrefix("17953") }
        #expect(lines.count == 50)
        #expect(
            lines.first?.hasPrefix(nanoseconds ? "1795316465.123456789 " : "1795316465.123456 ")
                == true)
    }

    @Test(.enabled(if: ToolSupport.exists(ToolSupport.tshark)), arguments: [false, true])
    func tsharkReadsIt(nanoseconds: Bool) throws {
        let path = try writeSample(nanoseconds: nanoseconds)
        let text = try #require(
            ToolSupport.run(
                ToolSupport.tshark,
                ["-r", path, "-T", "fields", "-e", "frame.time_epoch", "-e", "frame.cap_len"]))
        let rows = ToolSupport.lines(text)
        #expect(rows.count == 50)
        #expect(
            rows.first == (nanoseconds ? "1795316465.123456789\t60" : "1795316465.123456000\t60"))
        #expect(rows[7].hasSuffix("\t9000"))
    }
}
