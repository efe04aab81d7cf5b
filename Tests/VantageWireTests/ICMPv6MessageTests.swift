import Testing
import VantageWire

@Suite struct ICMPv6MessageTests {
    static let pseudo = PseudoHeader.ipv6(
        source: IPv6Address("2001:db8::1")!, destination: IPv6Address("2001:db8::2")!)
    /// Echo request id 0x1c2d, seq 7, data "ping" (checksum 0x293f under `pseudo`).
    static let echo = hexBytes("8000293f 1c2d0007 70696e67")

    @Test func parsesEcho() throws {
        let icmp = try ICMPv6Message.parse(Self.echo.span)
        #expect(icmp.type == .echoRequest && icmp.code == 0 && icmp.checksum == 0x293F)
        #expect(icmp.bodyRange == 4..<12 && icmp.identifier == 0x1C2D && icmp.sequence == 7)
        #expect(!icmp.isNeighborDiscovery && !icmp.type.isError && icmp.mtu == nil)
        #expect(icmp.description == "ICMP6, echo request, id 7213, seq 7, length 12")
    }

    @Test func verifiesChecksumWithPseudoHeader() {
        #expect(ICMPv6Message.checksumValid(Self.echo.span, pseudo: Self.pseudo) == true)
        var bad = Self.echo
        bad[11] ^= 1
        #expect(ICMPv6Message.checksumValid(bad.span, pseudo: Self.pseudo) == false)
        let swapped = PseudoHeader.ipv6(source: IPv6Address("2001:db8::3")!, destination: IPv6Address("2001:db8::2")!)
        #expect(ICMPv6Message.checksumValid(Self.echo.span, pseudo: swapped) == false)
    }

    @Test func recognisesTypes() throws {
        let ns = try ICMPv6Message.parse(hexBytes("8700a97f").span)
        #expect(ns.isNeighborDiscovery && ns.bodyRange == 4..<4 && ns.restOfHeader == 0)
        let tooBig = ICMPv6Message(type: .packetTooBig, restOfHeader: 1280)
        #expect(tooBig.mtu == 1280 && tooBig.type.isError)
        #expect(tooBig.description == "ICMP6, packet too big, mtu 1280, length 4")
        #expect(ICMPv6Type(rawValue: 200).description == "type-#200")
        for raw in UInt8(133)...137 { #expect(ICMPv6Type(rawValue: raw).isNeighborDiscovery) }
        // Literal ranges work on the code point (as the packet decoder writes them).
        #expect((133...137).contains(ns.type) && !(133...137).contains(ICMPv6Type.echoRequest))
        #expect(ns.type == 135 && ICMPv4Type.echoRequest == 8 && ICMPv4Type.echoReply < .echoRequest)
    }

    @Test func emitsAndRoundTrips() throws {
        let echo = ICMPv6Message(type: .echoRequest)
        var out: [UInt8] = []
        echo.emit(body: Array(Self.echo[4...]), pseudo: Self.pseudo, into: &out)
        #expect(out == Self.echo)
        let parsed = try ICMPv6Message.parse(out.span)
        out = []
        parsed.emit(body: Array(Self.echo[parsed.bodyRange]), pseudo: Self.pseudo, into: &out)
        #expect(try ICMPv6Message.parse(out.span) == parsed)
        #expect(ICMPv6Message.checksumValid(out.span, pseudo: Self.pseudo) == true)
    }

    @Test func truncationAtEveryLength() {
        expectTruncatedBelow(4, of: Self.echo, layer: .icmpv6) { try ICMPv6Message.parse($0) }
        expectParsesFrom(4, of: Self.echo) { try ICMPv6Message.parse($0) }
    }

    @Test func noiseNeverTraps() {
        expectNoTrapOnNoise(seeds: [Self.echo], parse: { try ICMPv6Message.parse($0) }, ranges: { [$0.bodyRange] })
    }
}
