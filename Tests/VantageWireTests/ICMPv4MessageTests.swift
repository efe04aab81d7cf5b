import Testing
import VantageWire

@Suite struct ICMPv4MessageTests {
    /// Windows-style echo request: id 1, seq 1, 32 octets "abcdefghijklmnopqrstuvwabcdefghi", checksum 0x4d5a.
    static let echoRequest = hexBytes(
        "08004d5a00010001 6162636465666768696a6b6c6d6e6f7071727374757677616263646566676869")
    /// Port unreachable quoting a UDP datagram 10.0.0.1:33434 > 10.0.0.2:53 (IP header + 8 octets).
    static let portUnreachable = hexBytes(
        "03037a2100000000 4500002042420000011163890a0000010a000002 829a0035000c0000")
    /// Fragmentation needed, next-hop MTU 1400 (RFC 1191).
    static let fragNeeded = hexBytes(
        "030474a800000578 4500002042420000011163890a0000010a000002 829a0035000c0000")

    @Test func parsesEchoRequest() throws {
        let icmp = try ICMPv4Message.parse(Self.echoRequest.span)
        #expect(icmp.type == .echoRequest && icmp.code == 0 && icmp.checksum == 0x4D5A)
        #expect(icmp.isEcho && icmp.identifier == 1 && icmp.sequence == 1 && icmp.restOfHeader == 0x0001_0001)
        #expect(icmp.payloadRange == 8..<40 && icmp.checksumValid == true)
        #expect(icmp.quotedDatagramRange == nil && icmp.gateway == nil && icmp.nextHopMTU == nil)
        #expect(icmp.description == "ICMP echo request, id 1, seq 1, length 40")
    }

    @Test func parsesErrorsWithQuotedDatagram() throws {
        let unreachable = try ICMPv4Message.parse(Self.portUnreachable.span)
        #expect(unreachable.type == .destinationUnreachable && unreachable.code == 3)
        #expect(unreachable.identifier == nil && unreachable.checksumValid == true)
        let quoted = try #require(unreachable.quotedDatagramRange)
        #expect(quoted == 8..<36)
        let inner = try IPv4Header.parse(Self.portUnreachable.span.extracting(quoted))
        #expect(inner.protocol == .udp && inner.destination == IPv4Address(10, 0, 0, 2) && inner.lengthExceedsCapture)
        #expect(unreachable.description == "ICMP destination unreachable (port unreachable), length 36")
        let fragNeeded = try ICMPv4Message.parse(Self.fragNeeded.span)
        #expect(fragNeeded.nextHopMTU == 1400 && fragNeeded.checksumValid == true)
        #expect(
            fragNeeded.description == "ICMP destination unreachable (need to frag unreachable, mtu 1400), length 36")
        var timeExceeded = ICMPv4Message(type: .timeExceeded)
        var out: [UInt8] = []
        timeExceeded.emit(payload: Array(Self.portUnreachable[8...]), into: &out)
        timeExceeded = try ICMPv4Message.parse(out.span)
        #expect(timeExceeded.quotedDatagramRange == 8..<36)
        #expect(timeExceeded.description == "ICMP time exceeded in-transit, length 36")
        let redirect = ICMPv4Message(type: .redirect, code: 1, restOfHeader: IPv4Address(10, 0, 0, 254).rawValue)
        #expect(redirect.gateway == IPv4Address(10, 0, 0, 254))
    }

    @Test func checksumOnlyWhenComplete() throws {
        var bad = Self.echoRequest
        bad[9] ^= 0xFF
        let corrupted = try ICMPv4Message.parse(bad.span)
        #expect(corrupted.checksumValid == false)
        #expect(corrupted.description.contains("bad cksum 0x4d5a"))
        let partial = try ICMPv4Message.parse(Array(Self.echoRequest.prefix(20)).span, isComplete: false)
        #expect(partial.checksumValid == nil && partial.payloadRange == 8..<20)
    }

    @Test func emitsAndRoundTrips() throws {
        var out: [UInt8] = []
        ICMPv4Message.echoRequest(identifier: 1, sequence: 1).emit(payload: Array(Self.echoRequest[8...]), into: &out)
        #expect(out == Self.echoRequest)
        for bytes in [Self.echoRequest, Self.portUnreachable, Self.fragNeeded] {
            let icmp = try ICMPv4Message.parse(bytes.span)
            out = []
            icmp.emit(payload: Array(bytes[icmp.payloadRange]), into: &out)
            #expect(out == bytes)
            #expect(try ICMPv4Message.parse(out.span) == icmp)
        }
        out = []
        ICMPv4Message.echoReply(identifier: 0xBEEF, sequence: 9).emit(into: &out)
        let reply = try ICMPv4Message.parse(out.span)
        #expect(
            reply.type == .echoReply && reply.identifier == 0xBEEF && reply.sequence == 9 && reply.checksumValid == true
        )
        #expect(ICMPv4Type(rawValue: 42).description == "type-#42")
    }

    @Test func truncationAtEveryLength() {
        expectTruncatedBelow(8, of: Self.echoRequest, layer: .icmp) { try ICMPv4Message.parse($0) }
        expectParsesFrom(8, of: Self.echoRequest) { try ICMPv4Message.parse($0, isComplete: false) }
    }

    @Test func noiseNeverTraps() {
        expectNoTrapOnNoise(
            seeds: [Self.echoRequest, Self.portUnreachable], parse: { try ICMPv4Message.parse($0) },
            ranges: { [$0.payloadRange] + ($0.quotedDatagramRange.map { [$0] } ?? []) })
    }
}
