import Foundation
import Testing
import VantageCapture
import VantageWire

@Suite("Reader behaviour")
struct ReaderBehaviourTests {
    func sample(records: Int) -> PcapBuilder {
        var builder = PcapBuilder()
        for index in 0..<records {
            builder.record(
                seconds: UInt32(index), fraction: 0, data: payload(40 + index % 50, seed: index))
        }
        return builder
    }

    @Test func copiesAreIndependent() throws {
        let builder = sample(records: 30)
        var first = try CaptureReader(bytes: builder.bytes, name: "c", chunkSize: 64)
        for _ in 0..<5 { _ = try first.advance() }
        var second = first  // shares the buffer until one of them refills
        let rest = readAll(&first)
        #expect(rest.records.map(\.frameNumber) == Array(6...30))
        #expect(second.current.frameNumber == 5)
        #expect(
            second.withCurrentBytes { span in (0..<span.count).map { span[$0] } }
                == payload(40 + 4, seed: 4))
        let again = readAll(&second)
        #expect(again.data == rest.data)
    }

    @Test func progressAndFormat() throws {
        let builder = sample(records: 3)
        let path = ToolSupport.write(builder.bytes, name: "p.pcap")
        var reader = try CaptureReader(path: path, chunkSize: 64)
        #expect(reader.fileSize == Int64(builder.bytes.count))
        #expect(reader.bytesRead == 24)
        #expect(reader.format.description == "pcap 2.4 (little-endian, µs)")
        #expect(try reader.advance())
        #expect(reader.bytesRead == Int64(builder.recordOffsets[1]))
        while try reader.advance() {}
        #expect(reader.bytesRead == reader.fileSize)
        #expect(reader.isAtEnd)
        #expect(reader.error == nil)
    }

    @Test func recordFieldsBeforeTheFirstAdvance() throws {
        let reader = try CaptureReader(bytes: sample(records: 1).bytes)
        #expect(reader.current.frameNumber == 0)
        #expect(reader.withCurrentBytes { $0.count } == 0)
    }

    /// Throughput on a generated 1M-record capture. Opt in: `VANTAGE_CAPTURE_BENCH=1 swift test
    /// --filter throughput` (use `-c release` for meaningful numbers). Prints, never asserts time.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["VANTAGE_CAPTURE_BENCH"] != nil))
    func throughput() throws {
        let path = ToolSupport.temporaryPath("bench.pcap")
        let writer = try PcapWriter(path: path, linkType: .ethernet)
        let frames = [60, 74, 98, 150, 590, 1514].map { payload($0, seed: $0) }
        for index in 0..<1_000_000 {
            let frame = frames[index % 6]
            try writer.write(
                timestamp: Timestamp(nanoseconds: Int64(index) * 1000), originalLength: frame.count,
                bytes: frame.span)
        }
        try writer.close()
        let start = ContinuousClock.now
        var reader = try CaptureReader(path: path)
        var count = 0
        var sum = 0
        while try reader.advance() {
            count += 1
            sum &+= reader.withCurrentBytes { $0.count > 13 ? Int($0[12]) : 0 }
        }
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        let megabytes = Double(reader.bytesRead) / 1e6
        print(
            "read \(count) records, \(megabytes) MB in \(seconds) s: \(megabytes / seconds) MB/s (\(sum))"
        )
        #expect(count == 1_000_000)
        try? FileManager.default.removeItem(atPath: path)
    }
}

@Suite("Streams")
struct StreamTests {
    @Test func readsFromAPipe() throws {
        var builder = PcapBuilder()
        for index in 0..<20 {
            builder.record(seconds: UInt32(index), fraction: 0, data: payload(100, seed: index))
        }
        let pipe = Pipe()
        // Smaller than the pipe buffer: write everything, then close the write end.
        pipe.fileHandleForWriting.write(Data(builder.bytes))
        try pipe.fileHandleForWriting.close()
        let path = "/proc/self/fd/\(pipe.fileHandleForReading.fileDescriptor)"
        var reader = try CaptureReader(path: path, chunkSize: 64)
        #expect(reader.fileSize == nil)
        let result = readAll(&reader)
        #expect(result.error == nil)
        #expect(result.records.count == 20)
        #expect(result.data.last == payload(100, seed: 19))
    }
}
