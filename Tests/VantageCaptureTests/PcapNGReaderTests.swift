import Testing
import VantageCapture
import VantageWire

@Suite("pcapng")
struct PcapNGReaderTests {
    /// Two sections (little then big endian), several interfaces, every packet block kind and
    /// every skipped block kind.
    static func richFile() -> PcapNGBuilder {
        var b = PcapNGBuilder()
        b.section(bigEndian: false, options: [(4, Array("vantage-test".utf8))])
        // Interface 0: Ethernet, ns, named, FCS 4.
        b.interface(
            linkType: 1, snapLength: 262_144,
            options: [(2, Array("eth0".utf8)), (9, [9]), (13, [4])])
        // NRB: 10.0.0.1 is "a" (the reader skips it; tshark checks it).
        var names: [UInt8] = []
        names.put16(1, bigEndian: false)
        names.put16(6, bigEndian: false)
        names += [10, 0, 0, 1, 0x61, 0, 0, 0, 0, 0, 0, 0]
        b.block(4, names)
        // Interface 1: Linux SLL, 2^-20 s, tsoffset +100 s.
        b.interface(linkType: 113, options: [(9, [0x80 | 20]), (14, b.u64Bytes(100))])
        // Frame 1: EPB on interface 0, inbound (flags 01).
        b.enhancedPacket(
            interface: 0, units: 1_763_780_465_123_456_789, data: payload(60, seed: 1),
            options: [(2, b.u32Bytes(0x1))])
        b.block(5, [UInt8](repeating: 0, count: 12))  // ISB
        // Frame 2: EPB on interface 1: 3.5 s in 2^-20 units, plus 100 s offset; outbound, FCS 2 in flags.
        b.enhancedPacket(
            interface: 1, units: 3 << 20 | 1 << 19, data: payload(33, seed: 2), originalLength: 90,
            options: [(2, b.u32Bytes(0x2 | 2 << 5)), (1, Array("comment".utf8))])
        b.block(0x0A, [0x4B, 0x53, 0x4C, 0x54, 4, 0, 0, 0, 1, 2, 3, 4])  // DSB
        b.block(0x0BAD, [0, 0, 0x7F, 0xFE, 9, 9, 9, 9])  // custom block
        b.block(0x4000_0BAD, [0, 0, 0x7F, 0xFE])  // custom block, not copyable
        b.block(0x1234_5678, [1, 2, 3, 4, 5, 6, 7, 8])  // unknown block type
        // Frame 3: SPB (interface 0), no timestamp.
        b.simplePacket(data: payload(20, seed: 3))
        // Frame 4: obsolete Packet Block on interface 1 with pack_flags inbound.
        b.obsoletePacket(interface: 1, units: 1 << 20, data: payload(14, seed: 4), flags: 1)

        // Section 2: big-endian; interface numbering restarts.
        b.section(bigEndian: true)
        b.interface(linkType: 101, snapLength: 128, options: [(9, [6])])
        b.interface(linkType: 276, options: [(9, [3]), (14, b.u64Bytes(UInt64(bitPattern: -10)))])
        // Frame 5: interface 1 of section 2 (global 3): 7 ms units, offset -10 s.
        b.enhancedPacket(interface: 1, units: 1_000_007, data: payload(5, seed: 5))
        // Frame 6: interface 0 of section 2 (global 2), µs.
        b.enhancedPacket(interface: 0, units: 1_700_000_000_000_001, data: payload(1, seed: 6))
        // Frame 7: SPB on section 2 interface 0, snaplen 128 caps nothing here.
        b.simplePacket(data: payload(8, seed: 7))
        return b
    }

    @Test("sections, interfaces, resolutions, every block kind", arguments: [64, 96, 1 << 20])
    func richFileReads(chunkSize: Int) throws {
        let b = Self.richFile()
        var reader = try CaptureReader(bytes: b.bytes, name: "rich.pcapng", chunkSize: chunkSize)
        #expect(reader.format.container == .pcapng)
        #expect(reader.format.byteOrder == .littleEndian)
        let result = readAll(&reader)
        #expect(result.error == nil)
        let records = result.records
        try #require(records.count == 7)
        // The two custom blocks take frame numbers 3 and 4, as in Wireshark.
        #expect(records.map(\.frameNumber) == [1, 2, 5, 6, 7, 8, 9])
        #expect(reader.format.byteOrder == .bigEndian)

        // Interfaces: global indices across sections.
        let interfaces = reader.interfaces
        try #require(interfaces.count == 4)
        #expect(interfaces.map(\.linkType) == [.ethernet, .linuxSLL, .raw, .linuxSLL2])
        #expect(interfaces.map(\.section) == [0, 0, 1, 1])
        #expect(interfaces.map(\.localID) == [0, 1, 0, 1])
        #expect(interfaces[0].name == "eth0")
        #expect(interfaces[0].fcsLength == 4)
        #expect(interfaces[0].timestampResolution == .nanoseconds)
        #expect(interfaces[1].timestampResolution.description == "2^-20 s")
        #expect(interfaces[1].timestampOffsetSeconds == 100)
        #expect(interfaces[3].timestampOffsetSeconds == -10)
        #expect(interfaces[2].snapLength == 128)

        // Frame 1: ns interface, inbound, FCS from if_fcslen.
        #expect(records[0].interfaceID == 0)
        #expect(records[0].linkType == .ethernet)
        #expect(records[0].timestamp.nanoseconds == 1_763_780_465_123_456_789)
        #expect(records[0].direction == .inbound)
        #expect(records[0].fcsLength == 4)
        #expect(records[0].fileOffset == Int64(b.blocks.first { $0.type == 6 }!.offset))
        #expect(result.data[0] == payload(60, seed: 1))

        // Frame 2: 2^-20 resolution exactly, tsoffset, outbound, FCS length from epb_flags.
        #expect(records[1].interfaceID == 1)
        #expect(records[1].linkType == .linuxSLL)
        #expect(records[1].timestamp.nanoseconds == 103_500_000_000)
        #expect(records[1].direction == .outbound)
        #expect(records[1].fcsLength == 2)
        #expect(records[1].capturedLength == 33)
        #expect(records[1].originalLength == 90)
        #expect(result.data[1] == payload(33, seed: 2))

        // Frame 3: SPB takes the previous packet's timestamp and interface 0.
        #expect(records[2].interfaceID == 0)
        #expect(records[2].timestamp == records[1].timestamp)
        #expect(records[2].capturedLength == 20)
        #expect(records[2].originalLength == 20)
        #expect(records[2].direction == .unknown)
        #expect(result.data[2] == payload(20, seed: 3))

        // Frame 4: obsolete PB.
        #expect(records[3].interfaceID == 1)
        #expect(records[3].timestamp.nanoseconds == 101_000_000_000)
        #expect(records[3].direction == .inbound)
        #expect(result.data[3] == payload(14, seed: 4))

        // Section 2, big-endian.
        #expect(records[4].interfaceID == 3)
        #expect(records[4].linkType == .linuxSLL2)
        #expect(records[4].timestamp.nanoseconds == 1_000_007_000_000 - 10_000_000_000)
        #expect(result.data[4] == payload(5, seed: 5))
        #expect(records[5].interfaceID == 2)
        #expect(records[5].linkType == .raw)
        #expect(records[5].timestamp.nanoseconds == 1_700_000_000_000_001_000)
        #expect(records[6].interfaceID == 2)
        #expect(result.data[6] == payload(8, seed: 7))
        #expect(reader.bytesRead == Int64(b.bytes.count))
    }

    /// Wireshark rejects an SPB whose original length exceeds both the bytes in the block and
    /// the snaplen; we pass on the bytes present.
    @Test func simplePacketShorterThanItsOriginalLength() throws {
        var b = PcapNGBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1)
        b.simplePacket(data: payload(20, seed: 1), originalLength: 1514)
        let result = readAll(b.bytes)
        #expect(result.error == nil)
        #expect(result.records.first?.capturedLength == 20)
        #expect(result.records.first?.originalLength == 1514)
    }

    @Test func simplePacketCapturedLengthIsCappedBySnaplen() throws {
        var b = PcapNGBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1, snapLength: 16)
        b.simplePacket(data: payload(24, seed: 1), originalLength: 100)
        let result = readAll(b.bytes)
        #expect(result.error == nil)
        #expect(result.records.first?.capturedLength == 16)
        #expect(result.data.first == Array(payload(24, seed: 1).prefix(16)))
    }

    @Test func finerThanNanosecondResolutions() throws {
        var b = PcapNGBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1, options: [(9, [12])])  // picoseconds
        b.interface(linkType: 1, options: [(9, [0x80 | 63])])  // 2^-63 s
        b.enhancedPacket(interface: 0, units: 1_500_000_000_123_999, data: [])
        b.enhancedPacket(interface: 1, units: 1 << 62, data: [])
        let result = readAll(b.bytes)
        #expect(result.error == nil)
        #expect(result.records.map(\.timestamp.nanoseconds) == [1_500_000_000_123, 500_000_000])
    }

    @Test func timestampsBeyondInt64Saturate() throws {
        var b = PcapNGBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1, options: [(9, [0])])  // seconds
        b.enhancedPacket(interface: 0, units: UInt64.max, data: [])
        let result = readAll(b.bytes)
        #expect(result.error == nil)
        #expect(result.records.first?.timestamp.nanoseconds == Int64.max)
    }

    // MARK: Corrupt files

    func expectCorrupt(_ bytes: [UInt8], at offset: Int, containing text: String, records: Int = 0)
    {
        for chunkSize in [64, 1 << 20] {
            let result = readAll(bytes, chunkSize: chunkSize)
            #expect(result.records.count == records)
            guard case .corrupt(_, let at, let reason) = result.error else {
                Issue.record("expected corrupt, got \(String(describing: result.error))")
                return
            }
            #expect(at == Int64(offset))
            #expect(reason.contains(text), "\(reason)")
        }
    }

    @Test func unknownInterfaceID() {
        var b = PcapNGBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1)
        b.enhancedPacket(interface: 0, units: 1, data: [1])
        b.enhancedPacket(interface: 1, units: 2, data: [2])
        expectCorrupt(
            b.bytes, at: b.blocks[3].offset, containing: "refers to interface 1", records: 1)
    }

    @Test func interfaceNumberingRestartsPerSection() {
        var b = PcapNGBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1)
        b.interface(linkType: 1)
        b.section(bigEndian: false)
        b.interface(linkType: 1)
        b.enhancedPacket(interface: 1, units: 2, data: [2])
        expectCorrupt(b.bytes, at: b.blocks[5].offset, containing: "section has 1 interface")
    }

    @Test func simplePacketBeforeAnyInterface() {
        var b = PcapNGBuilder()
        b.section(bigEndian: true)
        b.simplePacket(data: [1, 2, 3, 4])
        expectCorrupt(
            b.bytes, at: b.blocks[1].offset, containing: "before any Interface Description Block")
    }

    @Test func zeroLengthBlock() {
        var b = PcapNGBuilder()
        b.section(bigEndian: false)
        let offset = b.bytes.count
        b.bytes.put32(6, bigEndian: false)
        b.bytes.put32(0, bigEndian: false)
        b.bytes += [UInt8](repeating: 0, count: 32)
        expectCorrupt(b.bytes, at: offset, containing: "block length 0")
    }

    @Test func blockLengthNotMultipleOfFour() {
        var b = PcapNGBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1)
        let offset = b.bytes.count
        b.bytes.put32(6, bigEndian: false)
        b.bytes.put32(33, bigEndian: false)
        b.bytes += [UInt8](repeating: 0, count: 40)
        expectCorrupt(b.bytes, at: offset, containing: "not a multiple of 4")
    }

    @Test func blockShorterThanItsTypeMinimum() {
        var b = PcapNGBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1)
        b.block(6, [0, 0, 0, 0])  // 16-byte EPB
        expectCorrupt(b.bytes, at: b.blocks[2].offset, containing: "shorter than its minimum of 32")
    }

    @Test func trailingLengthMismatch() {
        var b = PcapNGBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1)
        b.bytes[b.bytes.count - 4] ^= 0x04
        expectCorrupt(b.bytes, at: b.blocks[1].offset, containing: "trailing block length")
    }

    @Test func absurdBlockLength() {
        var b = PcapNGBuilder()
        b.section(bigEndian: false)
        let offset = b.bytes.count
        b.bytes.put32(6, bigEndian: false)
        b.bytes.put32(0xFFFF_FFF0, bigEndian: false)
        b.bytes += [UInt8](repeating: 0, count: 64)
        expectCorrupt(b.bytes, at: offset, containing: "absurd block length")
    }

    @Test func capturedLengthLargerThanBlock() {
        var b = PcapNGBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1)
        b.enhancedPacket(interface: 0, units: 1, data: payload(8, seed: 1))
        // Claim 64 captured bytes in a block holding 8.
        b.bytes[b.blocks[2].offset + 20] = 64
        expectCorrupt(b.bytes, at: b.blocks[2].offset, containing: "does not fit")
    }

    @Test func optionLengthPastBlockEnd() {
        var b = PcapNGBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1, options: [(2, Array("eth0".utf8))])
        // The if_name option's length field sits at block offset 16 + 2.
        b.bytes[b.blocks[1].offset + 18] = 200
        expectCorrupt(b.bytes, at: b.blocks[1].offset, containing: "runs past the end of the block")

        var e = PcapNGBuilder()
        e.section(bigEndian: true)
        e.interface(linkType: 1)
        e.enhancedPacket(interface: 0, units: 1, data: [1, 2, 3, 4], options: [(2, e.u32Bytes(1))])
        e.bytes[e.blocks[2].offset + 32 + 2] = 0x7F
        expectCorrupt(e.bytes, at: e.blocks[2].offset, containing: "runs past the end of the block")
    }

    @Test func unsupportedResolution() {
        var b = PcapNGBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1, options: [(9, [0x80 | 100])])
        expectCorrupt(
            b.bytes, at: b.blocks[1].offset, containing: "unsupported timestamp resolution")
    }

    @Test func badTimestampOffsetLength() {
        var b = PcapNGBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1, options: [(14, [1, 2, 3, 4])])
        expectCorrupt(b.bytes, at: b.blocks[1].offset, containing: "if_tsoffset")
    }

    @Test func laterSectionWithUnsupportedVersionOrBadMagic() {
        var b = PcapNGBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1)
        b.enhancedPacket(interface: 0, units: 1, data: [1])
        b.section(bigEndian: false)
        b.bytes[b.blocks[3].offset + 12] = 2  // major version 2
        expectCorrupt(
            b.bytes, at: b.blocks[3].offset, containing: "unsupported pcapng version 2.0",
            records: 1)

        var m = PcapNGBuilder()
        m.section(bigEndian: false)
        m.section(bigEndian: false)
        m.bytes[m.blocks[1].offset + 8] = 0x99
        expectCorrupt(m.bytes, at: m.blocks[1].offset, containing: "bad byte-order magic")
    }

    @Test func firstSectionWithUnsupportedVersionIsNotACapture() {
        var b = PcapNGBuilder()
        b.section(bigEndian: false)
        b.bytes[12] = 2
        let result = readAll(b.bytes)
        guard case .notACapture(_, let found) = result.error else {
            Issue.record("expected notACapture, got \(String(describing: result.error))")
            return
        }
        #expect(found.contains("unsupported pcapng version 2.0"))
    }

    @Test func blockLengthPastEndOfFileIsTruncation() {
        var b = PcapNGBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1)
        let offset = b.bytes.count
        b.bytes.put32(6, bigEndian: false)
        b.bytes.put32(4096, bigEndian: false)
        b.bytes += [UInt8](repeating: 0, count: 64)
        let result = readAll(b.bytes)
        guard case .truncated(_, let at, let reason) = result.error else {
            Issue.record("expected truncated, got \(String(describing: result.error))")
            return
        }
        #expect(at == Int64(offset))
        #expect(reason.contains("4096-byte Enhanced Packet Block"))
    }

    @Test func frameNumbersCountOnlyPacketBlocks() throws {
        var b = PcapNGBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1)
        for index in 0..<10 {
            b.block(5, [UInt8](repeating: 0, count: 12))
            if index % 3 == 0 { b.interface(linkType: 101) }
            b.enhancedPacket(interface: 0, units: UInt64(index), data: [UInt8(index)])
            b.block(4, [0, 0, 0, 0])
            b.simplePacket(data: [UInt8(index), 0xFF])
        }
        let result = readAll(b.bytes, chunkSize: 64)
        #expect(result.error == nil)
        #expect(result.records.map(\.frameNumber) == Array(1...20))
        #expect(
            result.data.enumerated().allSatisfy { index, data in data.first == UInt8(index / 2) })
    }

    /// A file with the non-packet blocks that Wireshark numbers as frames.
    static func wiresharkRecordsFile() -> PcapNGBuilder {
        var b = PcapNGBuilder()
        b.section(bigEndian: false)
        b.interface(linkType: 1)
        b.enhancedPacket(interface: 0, units: 1, data: payload(60, seed: 1))
        b.block(9, Array("__REALTIME_TIMESTAMP=1700000000000000\nMESSAGE=hi\n\n".utf8))
        b.enhancedPacket(interface: 0, units: 2, data: payload(60, seed: 2))
        var event: [UInt8] = []
        event.put16(0, bigEndian: false)  // CPU
        event.put64(1_700_000_000_000_000_000, bigEndian: false)  // timestamp
        event.put64(1, bigEndian: false)  // thread
        event.put32(1, bigEndian: false)  // event length
        event.put16(0, bigEndian: false)  // event type
        b.block(0x204, event)
        b.enhancedPacket(interface: 0, units: 3, data: payload(60, seed: 3))
        var custom: [UInt8] = []
        custom.put32(32473, bigEndian: false)  // PEN: example enterprise
        custom += Array("abcd".utf8)
        b.block(0x0BAD, custom)
        b.block(0x1234_5678, [1, 2, 3, 4])  // unknown: not numbered
        b.enhancedPacket(interface: 0, units: 4, data: payload(60, seed: 4))
        return b
    }

    @Test func nonPacketBlocksThatWiresharkNumbers() throws {
        let result = readAll(Self.wiresharkRecordsFile().bytes, chunkSize: 64)
        #expect(result.error == nil)
        #expect(result.records.map(\.frameNumber) == [1, 3, 5, 7])
    }
}
