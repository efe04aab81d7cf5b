import Testing
import VantageCapture
import VantageWire

@Suite("Classic pcap")
struct PcapReaderTests {
    static let magics: [(magic: UInt32, nanoseconds: Bool, variant: CaptureFormat.PcapVariant)] = [
        (0xA1B2_C3D4, false, .standard),
        (0xA1B2_3C4D, true, .standard),
        (0xA1B2_CD34, false, .kuznetzov),
        (0xA12B_3C4D, true, .navtel),
    ]

    @Test("every magic in both byte orders", arguments: 0..<4, [false, true])
    func magicAndByteOrder(magicIndex: Int, bigEndian: Bool) throws {
        let (magic, nanoseconds, variant) = Self.magics[magicIndex]
        var builder = PcapBuilder(magic: magic, bigEndian: bigEndian, snapLength: 1500, linkWord: 1)
        builder.record(seconds: 1_763_780_465, fraction: 123_456, data: payload(60, seed: 1))
        builder.record(
            seconds: 1_763_780_466, fraction: 999_999, data: payload(42, seed: 2),
            originalLength: 1514)
        var reader = try CaptureReader(bytes: builder.bytes, name: "m.pcap")
        #expect(reader.format.container == .pcap)
        #expect(reader.format.byteOrder == (bigEndian ? .bigEndian : .littleEndian))
        #expect(reader.format.nanosecondTimestamps == nanoseconds)
        #expect(reader.format.pcapVariant == variant)
        #expect(reader.interfaces.count == 1)
        #expect(reader.interfaces[0].linkType == .ethernet)
        #expect(reader.interfaces[0].snapLength == 1500)
        let result = readAll(&reader)
        #expect(result.error == nil)
        try #require(result.records.count == 2)
        let unit: Int64 = nanoseconds ? 1 : 1000
        #expect(
            result.records[0].timestamp.nanoseconds == 1_763_780_465 * 1_000_000_000 + 123_456
                * unit)
        #expect(
            result.records[1].timestamp.nanoseconds == 1_763_780_466 * 1_000_000_000 + 999_999
                * unit)
        #expect(result.records[0].frameNumber == 1)
        #expect(result.records[1].frameNumber == 2)
        #expect(result.records[0].fileOffset == 24)
        #expect(result.records[1].fileOffset == Int64(builder.recordOffsets[1]))
        #expect(result.records[1].capturedLength == 42)
        #expect(result.records[1].originalLength == 1514)
        #expect(result.records[1].isTruncated)
        #expect(!result.records[0].isTruncated)
        #expect(result.data[0] == payload(60, seed: 1))
        #expect(result.data[1] == payload(42, seed: 2))
        #expect(result.records[0].linkType == .ethernet)
        #expect(result.records[0].direction == .unknown)
        #expect(reader.bytesRead == Int64(builder.bytes.count))
        #expect(try reader.advance() == false)
        #expect(try reader.advance() == false)
    }

    @Test func fcsBitsInLinkTypeWord() throws {
        // P bit (26) set, FCS length 2 words (4 bytes), link type Ethernet.
        var builder = PcapBuilder(linkWord: 0x2400_0001)
        builder.record(seconds: 1, fraction: 0, data: payload(64, seed: 3))
        var reader = try CaptureReader(bytes: builder.bytes)
        #expect(reader.interfaces[0].fcsLength == 4)
        #expect(reader.interfaces[0].linkType == .ethernet)
        #expect(try reader.advance())
        #expect(reader.current.fcsLength == 4)
        #expect(reader.current.linkType == .ethernet)

        // FCS length bits without the P bit mean nothing.
        var plain = PcapBuilder(linkWord: 0x2000_0071)
        plain.record(seconds: 1, fraction: 0, data: payload(20, seed: 3))
        var other = try CaptureReader(bytes: plain.bytes)
        #expect(try other.advance())
        #expect(other.current.fcsLength == 0)
        #expect(other.current.linkType == .linuxSLL)
    }

    @Test func oldVersionsSwapLengthsLikeLibpcap() throws {
        // Version 2.2: len is written before caplen.
        var old = PcapBuilder(major: 2, minor: 2)
        old.record(seconds: 1, fraction: 0, data: payload(10, seed: 1), originalLength: 10)
        // Write a record whose fields are in the old order: caplen field holds len.
        var bytes = old.bytes
        var record: [UInt8] = []
        record.put32(2, bigEndian: false)
        record.put32(0, bigEndian: false)
        record.put32(100, bigEndian: false)  // len (old order)
        record.put32(8, bigEndian: false)  // caplen
        record += payload(8, seed: 4)
        bytes += record
        let result = readAll(bytes)
        #expect(result.error == nil)
        #expect(result.records.map(\.capturedLength) == [10, 8])
        #expect(result.records.map(\.originalLength) == [10, 100])

        // Version 2.3: swapped only when caplen > len.
        var maybe = PcapBuilder(major: 2, minor: 3)
        maybe.record(seconds: 1, fraction: 0, data: payload(8, seed: 1), originalLength: 100)
        let maybeResult = readAll(maybe.bytes)
        #expect(maybeResult.records.first?.capturedLength == 8)
        #expect(maybeResult.records.first?.originalLength == 100)
    }

    @Test func captureLongerThanOriginalAndSnaplenIsPassedThrough() throws {
        var builder = PcapBuilder(snapLength: 16)
        builder.record(seconds: 1, fraction: 0, data: payload(40, seed: 1), originalLength: 20)
        let result = readAll(builder.bytes)
        #expect(result.error == nil)
        #expect(result.records.first?.capturedLength == 40)
        #expect(result.records.first?.originalLength == 20)
    }

    @Test func unsupportedVersionIsNotACapture() {
        let builder = PcapBuilder(major: 3, minor: 0)
        let result = readAll(builder.bytes)
        guard case .notACapture(_, let found) = result.error else {
            Issue.record("expected notACapture, got \(String(describing: result.error))")
            return
        }
        #expect(found.contains("unsupported version 3.0"))
    }

    @Test func absurdSnaplenIsCorrupt() {
        let builder = PcapBuilder(snapLength: 0x7FFF_FFFF)
        let result = readAll(builder.bytes)
        guard case .corrupt(_, 0, let reason) = result.error else {
            Issue.record("expected corrupt, got \(String(describing: result.error))")
            return
        }
        #expect(reason.contains("snaplen"))
    }

    @Test func absurdCapturedLengthIsCorruptAtTheRecord() {
        var builder = PcapBuilder()
        builder.record(seconds: 1, fraction: 0, data: payload(10, seed: 1))
        let offset = builder.bytes.count
        builder.bytes.put32(1, bigEndian: false)
        builder.bytes.put32(0, bigEndian: false)
        builder.bytes.put32(0x4000_0000, bigEndian: false)
        builder.bytes.put32(0x4000_0000, bigEndian: false)
        builder.bytes += payload(100, seed: 1)
        let result = readAll(builder.bytes)
        #expect(result.records.count == 1)
        #expect(
            result.error
                == .corrupt(
                    path: "test", offset: Int64(offset),
                    reason: "absurd captured length 1073741824 in record header"))
    }

    @Test(
        "records straddling chunks, and one larger than the buffer",
        arguments: [64, 100, 257, 1 << 20])
    func chunkStraddling(chunkSize: Int) throws {
        var builder = PcapBuilder(snapLength: 0)
        var expected: [[UInt8]] = []
        for index in 0..<200 {
            let size = index == 77 ? 5000 : (index * 13) % 90
            let data = payload(size, seed: index)
            expected.append(data)
            builder.record(seconds: UInt32(index), fraction: UInt32(index), data: data)
        }
        var reader = try CaptureReader(bytes: builder.bytes, name: "s", chunkSize: chunkSize)
        let result = readAll(&reader)
        #expect(result.error == nil)
        #expect(result.data == expected)
        #expect(result.records.map(\.frameNumber) == Array(1...200))
        #expect(result.records.map(\.fileOffset) == builder.recordOffsets.map(Int64.init))
        // The buffer grew for the 5000-byte record only as far as needed.
        #expect(reader.bufferCapacity <= max(chunkSize, 5016 + 64))
    }

    @Test func errorsRepeatAfterTheFirst() throws {
        var builder = PcapBuilder()
        builder.record(seconds: 1, fraction: 0, data: payload(10, seed: 1))
        builder.bytes += [1, 2, 3]
        var reader = try CaptureReader(bytes: builder.bytes)
        #expect(try reader.advance())
        var errors: [CaptureError] = []
        for _ in 0..<3 {
            do { _ = try reader.advance() } catch { errors.append(error) }
        }
        #expect(errors.count == 3)
        #expect(Set(errors).count == 1)
        #expect(errors.first?.isTruncation == true)
        #expect(reader.error == errors.first)
        #expect(reader.withCurrentBytes { $0.count } == 0)
    }
}
