import Testing
import VantageWire

@Suite struct NullHeaderTests {
    /// LINKTYPE_NULL from a little-endian host: AF_INET, then an ICMP echo request.
    static let littleEndianIPv4 = hexBytes(
        "02000000 4500003c0000000040017cbf7f0000017f00000108004d5a00010001"
            + "6162636465666768696a6b6c6d6e6f7071727374757677616263646566676869")
    /// The same from a big-endian host.
    static let bigEndianIPv4 = hexBytes(
        "00000002 4500003c0000000040017cbf7f0000017f00000108004d5a00010001"
            + "6162636465666768696a6b6c6d6e6f7071727374757677616263646566676869")
    /// Darwin loopback (AF_INET6 = 30, little-endian) with an ICMPv6 echo request.
    static let darwinIPv6 = hexBytes(
        "1e000000 6000000000083a4000000000000000000000000000000001000000000000000000000000000000018000"
            + "7fb900010001")

    @Test func detectsBothByteOrders() throws {
        let little = try NullHeader.parse(Self.littleEndianIPv4.span)
        #expect(little.family == .inet && little.isLittleEndian && little.networkType == .ipv4)
        let big = try NullHeader.parse(Self.bigEndianIPv4.span)
        #expect(big.family == .inet && !big.isLittleEndian && big.networkType == .ipv4)
        #expect(little.description == "AF IPv4 (2)")
        let darwin = try NullHeader.parse(Self.darwinIPv6.span)
        #expect(darwin.family == .inet6Darwin && darwin.networkType == .ipv6)
        #expect(darwin.description == "AF IPv6 (30)")
        #expect(try IPv4Header.parse(Self.littleEndianIPv4.span.extracting(4..<64)).headerChecksumValid)
    }

    @Test func mapsEveryAFINET6ValueInBothOrders() throws {
        for (value, family) in [
            (10, AddressFamily.inet6Linux), (24, .inet6BSD), (28, .inet6FreeBSD), (30, .inet6Darwin),
        ] {
            for isLittleEndian in [true, false] {
                var bytes: [UInt8] = []
                if isLittleEndian { bytes.append32LE(UInt32(value)) } else { bytes.append32(UInt32(value)) }
                let header = try NullHeader.parse(bytes.span)
                #expect(header.family == family && header.family.isInet6, "AF \(value)")
                #expect(header.networkType == .ipv6, "AF \(value)")
                #expect(header.isLittleEndian == isLittleEndian, "AF \(value)")
                var out: [UInt8] = []
                header.emit(into: &out)
                #expect(out == bytes)
            }
        }
    }

    @Test func unknownFamiliesHaveNoNetworkType() throws {
        let ipx = try NullHeader.parse([23, 0, 0, 0].span)  // AF_IPX / Windows AF_INET6: not mapped
        #expect(ipx.networkType == nil && ipx.family.rawValue == 23)
        #expect(ipx.description == "AF family-23 (23)")
        let zero = try NullHeader.parse([0, 0, 0, 0].span)
        #expect(zero.family.rawValue == 0 && zero.isLittleEndian)
        let huge = try NullHeader.parse([0x12, 0x34, 0x56, 0x78].span)
        #expect(huge.family.rawValue == 0x1234_5678 && !huge.isLittleEndian)
    }

    @Test func loopIsNetworkOrder() throws {
        let bytes: [UInt8] = [0, 0, 0, 24]
        let loop = try NullHeader.parseLoop(bytes.span)
        #expect(loop.family == .inet6BSD && !loop.isLittleEndian && loop.networkType == .ipv6)
        #expect(try NullHeader.parse(bytes.span, linkType: .loop) == loop)
        #expect(try NullHeader.parse(bytes.span, networkByteOrder: true) == loop)
        #expect(try NullHeader.parse([2, 0, 0, 0].span, networkByteOrder: false).family == .inet)
        #expect(throws: DecodeError.truncated(layer: .loop, needed: 4, available: 2)) {
            try NullHeader.parse([0, 0].span, networkByteOrder: true)
        }
        // Read as LOOP, a little-endian AF_INET is a different (unknown) family: no guessing.
        let swapped = try NullHeader.parseLoop([2, 0, 0, 0].span)
        #expect(swapped.family.rawValue == 0x0200_0000 && swapped.networkType == nil)
        #expect(try NullHeader.parse([2, 0, 0, 0].span, linkType: .null).family == .inet)
        var out: [UInt8] = []
        loop.emit(into: &out)
        #expect(out == bytes)
    }

    @Test func emitsAndRoundTrips() throws {
        for header in [NullHeader(family: .inet), NullHeader(family: .inet6Darwin, isLittleEndian: false)] {
            var out: [UInt8] = []
            header.emit(into: &out)
            #expect(try NullHeader.parse(out.span) == header)
        }
        var out: [UInt8] = []
        NullHeader(family: .inet).emit(into: &out)
        #expect(out == Array(Self.littleEndianIPv4[0..<4]))
    }

    @Test func truncationAtEveryLength() {
        expectTruncatedBelow(4, of: Self.littleEndianIPv4, layer: .null) { try NullHeader.parse($0) }
        expectTruncatedBelow(4, of: Self.bigEndianIPv4, layer: .loop) { try NullHeader.parseLoop($0) }
        expectParsesFrom(4, of: Self.darwinIPv6) { try NullHeader.parse($0) }
    }

    @Test func noiseNeverTraps() {
        expectNoTrapOnNoise(seeds: [Self.littleEndianIPv4, Self.bigEndianIPv4], parse: { try NullHeader.parse($0) })
    }
}
