import Testing
import VantageWire

@Suite struct UDPHeaderTests {
    static let source = IPv4Address(10, 0, 0, 2)
    static let group = IPv4Address(224, 0, 0, 2)
    static var pseudo: PseudoHeader { .ipv4(source: source, destination: group) }

    static func datagram(payload: [UInt8] = [1, 2, 3, 4, 5]) -> [UInt8] {
        var out: [UInt8] = []
        UDPHeader(sourcePort: 1985, destinationPort: 1985).emit(payload: payload, pseudo: pseudo, into: &out)
        return out
    }

    @Test func decodesAndVerifies() throws {
        let bytes = Self.datagram()
        #expect(bytes.count == 13)
        #expect(Array(bytes[0..<6]) == [0x07, 0xC1, 0x07, 0xC1, 0x00, 0x0D])
        let header = try UDPHeader.parse(bytes.span)
        #expect(header.sourcePort == 1985 && header.destinationPort == 1985)
        #expect(header.length == 13)
        #expect(header.payloadRange == 8..<13)
        #expect(header.isComplete)
        #expect(header.description == "UDP 1985 > 1985, length 5")
        #expect(UDPHeader.checksumValid(bytes.span, pseudo: Self.pseudo) == true)
        var corrupted = bytes
        corrupted[12] ^= 0xFF
        #expect(UDPHeader.checksumValid(corrupted.span, pseudo: Self.pseudo) == false)
    }

    @Test func roundTrips() throws {
        let bytes = Self.datagram(payload: Array(0..<33))
        let header = try UDPHeader.parse(bytes.span)
        var again: [UInt8] = []
        header.emit(payload: Array(bytes[header.payloadRange]), pseudo: Self.pseudo, into: &again)
        #expect(again == bytes)
        var raw: [UInt8] = []
        header.emit(payload: Array(bytes[header.payloadRange]), into: &raw)
        #expect(raw == bytes)  // the parsed checksum is written back as is
    }

    @Test func paddingAndSnapLengthBoundThePayload() throws {
        let padded = Self.datagram() + [0, 0, 0, 0, 0, 0]
        let header = try UDPHeader.parse(padded.span)
        #expect(header.payloadRange == 8..<13)
        #expect(UDPHeader.checksumValid(padded.span, pseudo: Self.pseudo) == true)
        let cut = Array(Self.datagram()[0..<10])
        let partial = try UDPHeader.parse(cut.span)
        #expect(partial.payloadRange == 8..<10 && !partial.isComplete)
        #expect(UDPHeader.checksumValid(cut.span, pseudo: Self.pseudo) == nil)
    }

    @Test func zeroChecksumMeansNotComputedOverIPv4Only() {
        var bytes = Self.datagram()
        bytes[6] = 0
        bytes[7] = 0
        #expect(UDPHeader.checksumValid(bytes.span, pseudo: Self.pseudo) == nil)
        let v6 = PseudoHeader.ipv6(source: IPv6Address("fe80::1")!, destination: IPv6Address("ff02::66")!)
        #expect(UDPHeader.checksumValid(bytes.span, pseudo: v6) == false)
        var good: [UInt8] = []
        UDPHeader(sourcePort: 2029, destinationPort: 2029).emit(payload: [9, 9], pseudo: v6, into: &good)
        #expect(UDPHeader.checksumValid(good.span, pseudo: v6) == true)
    }

    @Test func lengthBelowEightIsMalformed() {
        var bytes = Self.datagram()
        bytes[4] = 0
        bytes[5] = 3
        #expect(throws: DecodeError.malformed(layer: .udp, offset: 4, reason: "length below 8")) {
            try UDPHeader.parse(bytes.span)
        }
    }

    @Test func truncationAtEveryLength() {
        Upper.expectTruncatedPrefixes(Self.datagram(), end: 8, layer: .udp) { bytes throws(DecodeError) in
            _ = try UDPHeader.parse(bytes)
        }
    }

    @Test func randomInputNeverTraps() {
        Upper.hammer(seeds: [Self.datagram()]) { bytes in
            if let header = try? UDPHeader.parse(bytes) {
                #expect(header.payloadRange.upperBound <= bytes.count)
                #expect(header.payloadRange.lowerBound == 8)
            }
            _ = UDPHeader.checksumValid(bytes, pseudo: Self.pseudo)
        }
    }
}
