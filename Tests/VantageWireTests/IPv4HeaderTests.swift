import Testing
import VantageWire

@Suite struct IPv4HeaderTests {
    /// The worked checksum example header (UDP, 192.168.0.1 > 192.168.0.199, checksum 0xb861).
    static let udpHeader = hexBytes("4500 0073 0000 4000 4011 b861 c0a80001 c0a800c7")
    /// IGMPv2 report with a router-alert option (IHL 6), then 14 octets of Ethernet padding.
    static let igmpPacket = hexBytes(
        "46c00020000040000102ea140a000001ef010101 94040000 | 1600f9fcef010101 | 0000000000000000000000000000")
    /// ICMP port unreachable (ttl 64, id 0x9999).
    static let icmpPacket = hexBytes(
        "450000389999000040 01cd290a0000020a000001 03037a21000000004500002042420000011163890a0000010a000002"
            + "829a0035000c0000")

    @Test func parsesHeaderFields() throws {
        let payload = [UInt8](repeating: 0x5A, count: 95)
        let ip = try IPv4Header.parse((Self.udpHeader + payload).span)
        #expect(ip.version == 4 && ip.headerLength == 20 && ip.tos == 0 && ip.dscp == 0 && ip.ecn == 0)
        #expect(ip.totalLength == 115 && ip.identification == 0)
        #expect(ip.dontFragment && !ip.moreFragments && !ip.reservedFlag && ip.fragmentOffset == 0)
        #expect(!ip.isFragment && ip.isFirstFragment && ip.carriesTransportHeader)  // offset 0: transport follows
        #expect(ip.ttl == 64 && ip.protocol == .udp && ip.checksum == 0xB861)
        #expect(ip.source == IPv4Address(192, 168, 0, 1) && ip.destination == IPv4Address(192, 168, 0, 199))
        #expect(ip.optionsRange == 20..<20 && ip.payloadRange == 20..<115 && ip.payloadLength == 95)
        #expect(ip.headerChecksumValid && !ip.lengthExceedsCapture)
        #expect(ip.description == "IP 192.168.0.1 > 192.168.0.199: UDP, ttl 64, id 0, DF, length 115")
        #expect(ip.pseudoHeader == .ipv4(source: ip.source, destination: ip.destination))
    }

    @Test func payloadExcludesLinkPaddingAndFlagsShortCaptures() throws {
        let ip = try IPv4Header.parse(Self.igmpPacket.span)
        #expect(ip.headerLength == 24 && ip.optionsRange == 20..<24)
        #expect(ip.payloadRange == 24..<32)  // 14 octets of Ethernet padding left out
        #expect(ip.tos == 0xC0 && ip.dscp == 48 && ip.ttl == 1 && ip.protocol == .igmp)
        #expect(ip.headerChecksumValid && !ip.lengthExceedsCapture)
        // Cut by the snap length: the header parses, the payload is what was captured.
        let cut = try IPv4Header.parse(Array(Self.icmpPacket.prefix(30)).span)
        #expect(cut.payloadRange == 20..<30 && cut.lengthExceedsCapture && cut.headerChecksumValid)
        let header = try IPv4Header.parse(Self.udpHeader.span)
        #expect(header.payloadRange == 20..<20 && header.lengthExceedsCapture)
    }

    @Test func rejectsImpossibleHeaders() {
        var ihl4 = Self.udpHeader
        ihl4[0] = 0x44
        #expect(throws: DecodeError.malformed(layer: .ipv4, offset: 0, reason: "IHL below 5")) {
            try IPv4Header.parse(ihl4.span)
        }
        var ihl0 = Self.udpHeader
        ihl0[0] = 0x40
        #expect(throws: DecodeError.malformed(layer: .ipv4, offset: 0, reason: "IHL below 5")) {
            try IPv4Header.parse(ihl0.span)
        }
        var version6 = Self.udpHeader
        version6[0] = 0x65
        #expect(throws: DecodeError.malformed(layer: .ipv4, offset: 0, reason: "version is not 4")) {
            try IPv4Header.parse(version6.span)
        }
        var short = Self.igmpPacket
        short[3] = 20  // total length 20 < header length 24
        #expect(throws: DecodeError.malformed(layer: .ipv4, offset: 2, reason: "total length shorter than the header"))
        {
            try IPv4Header.parse(short.span)
        }
    }

    @Test func zeroTotalLengthIsTSO() throws {
        var tso = Self.udpHeader + [UInt8](repeating: 1, count: 3000)
        tso[2] = 0
        tso[3] = 0
        let ip = try IPv4Header.parse(tso.span)
        #expect(ip.hasZeroTotalLength && ip.payloadRange == 20..<3020 && !ip.lengthExceedsCapture)
        #expect(!ip.headerChecksumValid)  // the checksum was computed for the real length
    }

    @Test func badChecksumIsAFactNotAnError() throws {
        var bytes = Self.udpHeader
        bytes[11] ^= 0x01
        let ip = try IPv4Header.parse(bytes.span)
        #expect(!ip.headerChecksumValid)
        #expect(ip.description.contains("bad cksum 0xb860"))
    }

    @Test func fragments() throws {
        let source = IPv4Address(10, 0, 0, 1)
        let destination = IPv4Address(10, 0, 0, 2)
        let first = IPv4Header(
            source: source, destination: destination, protocol: .udp, payloadLength: 1480, identification: 7,
            moreFragments: true)
        #expect(first.isFragment && first.isFirstFragment && first.carriesTransportHeader)
        let later = IPv4Header(
            source: source, destination: destination, protocol: .udp, payloadLength: 100, identification: 7,
            fragmentOffset: 1480)
        #expect(later.isFragment && !later.isFirstFragment && !later.carriesTransportHeader)
        #expect(later.description == "IP 10.0.0.1 > 10.0.0.2: UDP, ttl 64, id 7, frag 1480, length 120")
        for header in [first, later] {
            var out: [UInt8] = []
            header.emit(payload: [UInt8](repeating: 0, count: header.totalLength - 20), into: &out)
            #expect(try IPv4Header.parse(out.span) == header)
        }
        var out: [UInt8] = []
        later.emit(into: &out)
        #expect(Array(out[6..<8]) == [0x00, 0xB9])  // 1480 / 8 = 185
    }

    @Test func emitsExactBytes() throws {
        let udp = IPv4Header(
            source: IPv4Address(192, 168, 0, 1), destination: IPv4Address(192, 168, 0, 199), protocol: .udp,
            payloadLength: 95, dontFragment: true)
        #expect(udp.checksum == 0xB861)
        var out: [UInt8] = []
        udp.emit(into: &out)
        #expect(out == Self.udpHeader)
        let igmp = IPv4Header(
            source: IPv4Address(10, 0, 0, 1), destination: IPv4Address(239, 1, 1, 1), protocol: .igmp, ttl: 1,
            tos: 0xC0, dontFragment: true, headerLength: 24)
        out = []
        igmp.emit(options: [0x94, 0x04, 0x00, 0x00], payload: Array(Self.igmpPacket[24..<32]), into: &out)
        #expect(out == Array(Self.igmpPacket[0..<32]))
    }

    @Test func roundTrips() throws {
        for bytes in [Self.igmpPacket, Self.icmpPacket, Self.udpHeader + [UInt8](repeating: 0, count: 95)] {
            let ip = try IPv4Header.parse(bytes.span)
            var out: [UInt8] = []
            ip.emit(options: Array(bytes[ip.optionsRange]), payload: Array(bytes[ip.payloadRange]), into: &out)
            #expect(try IPv4Header.parse(out.span) == ip)
            #expect(out == Array(bytes[0..<ip.totalLength]))
        }
        let built = IPv4Header(
            source: IPv4Address(1, 2, 3, 4), destination: IPv4Address(5, 6, 7, 8), protocol: IPProtocol(rawValue: 253),
            payloadLength: 3, ttl: 255, tos: 0x2E, identification: 0xFFFF, reservedFlag: true)
        var out: [UInt8] = []
        built.emit(payload: [1, 2, 3], into: &out)
        #expect(try IPv4Header.parse(out.span) == built)
    }

    @Test func truncationAtEveryLength() {
        expectTruncatedBelow(20, of: Self.udpHeader, layer: .ipv4) { try IPv4Header.parse($0) }
        expectTruncatedBelow(24, of: Self.igmpPacket, layer: .ipv4) { try IPv4Header.parse($0) }
        expectParsesFrom(24, of: Self.igmpPacket) { try IPv4Header.parse($0) }
    }

    @Test func noiseNeverTraps() {
        expectNoTrapOnNoise(
            seeds: [Self.igmpPacket, Self.icmpPacket], parse: { try IPv4Header.parse($0) },
            ranges: { [$0.optionsRange, $0.payloadRange] })
    }
}
