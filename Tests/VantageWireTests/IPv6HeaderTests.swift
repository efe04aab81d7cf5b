import Testing
import VantageWire

@Suite struct IPv6HeaderTests {
    /// A Linux DAD probe: :: > ff02::1:ffcc:ddee, hop limit 255, NS with a nonce option.
    static let dadProbe = hexBytes(
        "6000000000203aff 00000000000000000000000000000000 ff0200000000000000000001ffccddee"
            + "8700a97f00000000fe80000000000000000000aabbccddee0e01a1b2c3d4e5f6")
    /// ICMPv6 echo request 2001:db8::1 > 2001:db8::2, hop limit 64.
    static let echo = hexBytes(
        "60000000000c3a40 20010db8000000000000000000000001 20010db8000000000000000000000002"
            + "8000293f1c2d000770696e67")

    @Test func parsesFixedHeader() throws {
        let ip = try IPv6Header.parse(Self.dadProbe.span)
        #expect(ip.version == 6 && ip.trafficClass == 0 && ip.flowLabel == 0)
        #expect(ip.payloadLength == 32 && ip.nextHeader == .icmpv6 && ip.hopLimit == 255)
        #expect(ip.source == .unspecified && ip.destination == IPv6Address("ff02::1:ffcc:ddee"))
        #expect(ip.payloadRange == 40..<72 && !ip.lengthExceedsCapture && !ip.isJumbogram)
        #expect(ip.description == "IP6 :: > ff02::1:ffcc:ddee: ICMPv6, hlim 255, payload length 32")
        #expect(ip.pseudoHeader == .ipv6(source: .unspecified, destination: ip.destination))
    }

    @Test func trafficClassAndFlowLabel() throws {
        var bytes = Self.echo
        bytes[0] = 0x6B
        bytes[1] = 0x8A
        bytes[2] = 0xBC
        bytes[3] = 0xDE
        let ip = try IPv6Header.parse(bytes.span)
        #expect(ip.trafficClass == 0xB8 && ip.flowLabel == 0xABCDE)
        #expect(ip.description.contains("flowlabel 0xabcde"))
        var out: [UInt8] = []
        ip.emit(into: &out)
        #expect(out == Array(bytes[0..<40]))
    }

    @Test func payloadRangeFollowsLengthAndCapture() throws {
        let padded = try IPv6Header.parse((Self.echo + [0, 0, 0, 0, 0, 0]).span)
        #expect(padded.payloadRange == 40..<52 && !padded.lengthExceedsCapture)
        let cut = try IPv6Header.parse(Array(Self.echo.prefix(45)).span)
        #expect(cut.payloadRange == 40..<45 && cut.lengthExceedsCapture)
        // Jumbogram (payload length 0 with hop-by-hop): to the end of the capture.
        var jumbo = Self.echo
        jumbo[4] = 0
        jumbo[5] = 0
        jumbo[6] = 0
        let parsed = try IPv6Header.parse(jumbo.span)
        #expect(parsed.isJumbogram && parsed.payloadRange == 40..<52 && !parsed.lengthExceedsCapture)
        // Payload length 0 otherwise: empty payload.
        jumbo[6] = 59
        #expect(try IPv6Header.parse(jumbo.span).payloadRange == 40..<40)
    }

    @Test func rejectsOtherVersions() {
        var bytes = Self.echo
        bytes[0] = 0x45
        #expect(throws: DecodeError.malformed(layer: .ipv6, offset: 0, reason: "version is not 6")) {
            try IPv6Header.parse(bytes.span)
        }
    }

    @Test func emitsAndRoundTrips() throws {
        let ip = IPv6Header(
            source: IPv6Address("2001:db8::1")!, destination: IPv6Address("2001:db8::2")!, nextHeader: .icmpv6)
        var out: [UInt8] = []
        ip.emit(payload: Array(Self.echo[40...]), into: &out)
        #expect(out == Self.echo)
        var expected = ip
        expected.payloadLength = 12
        expected.payloadRange = 40..<52
        #expect(try IPv6Header.parse(out.span) == expected)
        for bytes in [Self.dadProbe, Self.echo] {
            let parsed = try IPv6Header.parse(bytes.span)
            out = []
            parsed.emit(payload: Array(bytes[parsed.payloadRange]), into: &out)
            #expect(out == bytes)
            #expect(try IPv6Header.parse(out.span) == parsed)
        }
    }

    @Test func truncationAtEveryLength() {
        expectTruncatedBelow(40, of: Self.dadProbe, layer: .ipv6) { try IPv6Header.parse($0) }
        expectParsesFrom(40, of: Self.dadProbe) { try IPv6Header.parse($0) }
    }

    @Test func noiseNeverTraps() {
        expectNoTrapOnNoise(
            seeds: [Self.dadProbe, Self.echo], parse: { try IPv6Header.parse($0) }, ranges: { [$0.payloadRange] })
    }
}
