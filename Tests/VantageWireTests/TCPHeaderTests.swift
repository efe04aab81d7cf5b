import Testing
import VantageWire

@Suite struct TCPHeaderTests {
    // From seeds/001 (CARP backup sees the SYN-ACK): 192.168.0.17.30892 > 192.168.80.2.80.
    static let client = IPv4Address(192, 168, 0, 17)
    static let server = IPv4Address(192, 168, 80, 2)
    static let syn = Upper.bytes(
        """
        78 ac 00 50 52 16 e3 76 00 00 00 00 a0 02 ff ff d9 aa 00 00
        02 04 05 b4 01 03 03 06 04 02 08 0a 16 22 d8 46 00 00 00 00
        """)
    static let synAck = Upper.bytes("00 50 78 ac 3e cf da 79 52 16 e3 77 60 12 00 00 fe de 00 00 02 04 05 b4")

    @Test func decodesTheSeedSYN() throws {
        let header = try TCPHeader.parse(Self.syn.span)
        #expect(header.sourcePort == 30892)
        #expect(header.destinationPort == 80)
        #expect(header.sequence == TCPSequenceNumber(1_377_231_734))
        #expect(header.flags == .syn)
        #expect(header.window == 65535)
        #expect(header.dataOffset == 10 && header.headerLength == 40)
        #expect(header.optionsComplete)
        #expect(header.optionsRange == 20..<40)
        #expect(header.payloadRange == 40..<40)
        let options = header.options
        #expect(options.mss == 1460)
        #expect(options.windowScale == 6)
        #expect(options.sackPermitted)
        #expect(options.timestampValue == 371_382_342)
        #expect(options.timestampEcho == 0)
        #expect(!options.malformed && !options.truncated)
        #expect(options.layout.description == "mss,nop,wscale,sackOK,TS")
        #expect(options.description == "[mss 1460,nop,wscale 6,sackOK,TS val 371382342 ecr 0]")
        #expect(
            header.description
                == "Flags [S], seq 1377231734, win 65535, options [mss 1460,nop,wscale 6,sackOK,TS val 371382342 ecr 0], length 0"
        )
        #expect(
            TCPHeader.checksumValid(Self.syn.span, pseudo: .ipv4(source: Self.client, destination: Self.server)) == true
        )
    }

    @Test func decodesTheSeedSYNACK() throws {
        let header = try TCPHeader.parse(Self.synAck.span)
        #expect(header.flags == [.syn, .ack])
        #expect(header.acknowledgment == TCPSequenceNumber(1_377_231_735))
        #expect(header.description == "Flags [S.], seq 1053809273, ack 1377231735, win 0, options [mss 1460], length 0")
        #expect(
            TCPHeader.checksumValid(Self.synAck.span, pseudo: .ipv4(source: Self.server, destination: Self.client))
                == true)
        // The backup CARP node's own address is not in the pseudo-header the server summed.
        let backup = IPv4Address(192, 168, 80, 252)
        #expect(
            TCPHeader.checksumValid(Self.synAck.span, pseudo: .ipv4(source: Self.server, destination: backup)) == false)
    }

    @Test func emitReproducesTheWireBytes() throws {
        let header = try TCPHeader.parse(Self.syn.span)
        var out: [UInt8] = []
        header.emit(pseudo: .ipv4(source: Self.client, destination: Self.server), into: &out)
        #expect(out == Self.syn)

        let built = TCPHeader(
            sourcePort: 80, destinationPort: 30892, sequence: .init(1_053_809_273),
            acknowledgment: .init(1_377_231_735), flags: [.syn, .ack], window: 0, options: TCPOptions(mss: 1460))
        var synAck: [UInt8] = []
        built.emit(pseudo: .ipv4(source: Self.server, destination: Self.client), into: &synAck)
        #expect(synAck == Self.synAck)
    }

    @Test func roundTripsWithPayloadAndSACK() throws {
        let pseudo = PseudoHeader.ipv6(source: IPv6Address("fe80::1")!, destination: IPv6Address("fe80::2")!)
        let header = TCPHeader(
            sourcePort: 443, destinationPort: 50000, sequence: .init(0xFFFF_FFF0), acknowledgment: .init(7),
            flags: [.ack, .psh, .ece, .ae], window: 512,
            options: TCPOptions(sackBlockCount: 2, timestampValue: 9, timestampEcho: 8))
        let blocks = [
            TCPSACKBlock(left: .init(100), right: .init(200)), TCPSACKBlock(left: .init(300), right: .init(400)),
        ]
        var bytes: [UInt8] = []
        header.emit(payload: Array("hello".utf8), pseudo: pseudo, sackBlocks: blocks, into: &bytes)
        let parsed = try TCPHeader.parse(bytes.span)
        #expect(parsed.flags == [.ack, .psh, .ece, .ae])
        #expect(parsed.flags.description == "P.Ee")
        #expect(parsed.options.layout.description == "nop,nop,TS,nop,nop,sack")
        #expect(parsed.options.sackBlockCount == 2)
        #expect(parsed.sackBlock(1, in: bytes.span) == blocks[1])
        #expect(parsed.sackBlock(2, in: bytes.span) == nil)
        #expect(parsed.payloadRange.count == 5)
        #expect(TCPHeader.checksumValid(bytes.span, pseudo: pseudo) == true)
        var again: [UInt8] = []
        parsed.emit(payload: Array(bytes[parsed.payloadRange]), pseudo: pseudo, sackBlocks: blocks, into: &again)
        #expect(again == bytes)
    }

    @Test func truncationAtEveryLength() throws {
        Upper.expectTruncatedPrefixes(Self.syn, end: 20, layer: .tcp) { bytes throws(DecodeError) in
            _ = try TCPHeader.parse(bytes)
        }
        // A snap length inside the options area still yields the fixed header.
        for length in 20..<Self.syn.count {
            let header = try TCPHeader.parse(Array(Self.syn[0..<length]).span)
            #expect(!header.optionsComplete)
            #expect(header.sequence == TCPSequenceNumber(1_377_231_734))
            #expect(header.payloadRange == length..<length)
            #expect(!header.options.malformed, "cut at \(length)")
            #expect(header.options.truncated, "cut at \(length)")
            #expect(header.description.hasSuffix("[|tcp]"))
        }
        #expect(
            TCPHeader.checksumValid(
                Array(Self.syn[0..<30]).span, pseudo: .ipv4(source: Self.client, destination: Self.server),
                segmentLength: 40) == nil)
    }

    @Test func dataOffsetBelowFiveIsMalformed() {
        var bytes = Self.syn
        bytes[12] = 0x40
        #expect(throws: DecodeError.malformed(layer: .tcp, offset: 12, reason: "data offset below 5")) {
            try TCPHeader.parse(bytes.span)
        }
    }

    @Test func optionLengthZeroSetsMalformed() throws {
        var bytes = Self.syn
        bytes[21] = 0  // MSS length 0
        let header = try TCPHeader.parse(bytes.span)
        #expect(header.options.malformed)
        #expect(header.options.mss == nil)
        #expect(header.optionsComplete)

        var pastEnd = Self.syn
        pastEnd[31] = 12  // TS length runs past the options area
        let cut = try TCPHeader.parse(pastEnd.span)
        #expect(cut.options.malformed && !cut.options.truncated)
        #expect(cut.options.description.contains("bad opt"))

        var wrongSize = Self.syn
        wrongSize[25] = 4  // wscale with length 4 eats the sackOK kind
        #expect(try TCPHeader.parse(wrongSize.span).options.malformed)
    }

    @Test func optionWalkIsBoundedAndEndsAtEOL() {
        let nops = [UInt8](repeating: 1, count: 40)
        let many = TCPOptions.parse(nops.span)
        #expect(many.layout.count == TCPOptionLayout.capacity && many.layout.overflowed)
        #expect(!many.malformed)
        let eol = TCPOptions.parse([2, 4, 5, 0xB4, 0, 2, 4, 0].span)
        #expect(eol.mss == 1460 && eol.layout.description == "mss,eol")
        let lone = TCPOptions.parse([1, 1, 2].span)
        #expect(lone.malformed)
        let truncated = TCPOptions.parse([2, 4, 5].span, declaredLength: 4)
        #expect(truncated.truncated && !truncated.malformed)
    }

    @Test func optionsEmitPadsToFourBytes() {
        var out: [UInt8] = []
        TCPOptions(mss: 1460, layout: TCPOptionLayout([.maximumSegmentSize, .noOperation])).emit(into: &out)
        #expect(out == [2, 4, 5, 0xB4, 1, 0, 0, 0])
        var linux: [UInt8] = []
        TCPOptions(mss: 1460, windowScale: 7, sackPermitted: true, timestampValue: 1).emit(into: &linux)
        #expect(TCPOptions.parse(linux.span).layout.description == "mss,sackOK,TS,nop,wscale")
        #expect(linux.count == 20)
    }

    @Test func sequenceNumbersWrap() {
        let high = TCPSequenceNumber(0xFFFF_FFF0)
        let low = high + 0x20
        #expect(low == TCPSequenceNumber(0x10))
        #expect(high < low && low > high && !(low < high))
        #expect(high.distance(to: low) == 32 && low.distance(to: high) == -32)
        #expect(low - high == 32)
        #expect(low - 0x20 == high)
        #expect(high <= high && high >= high)
        #expect(TCPSequenceNumber(5) + 1 == TCPSequenceNumber(6))
    }

    @Test func randomInputNeverTraps() {
        Upper.hammer(seeds: [Self.syn, Self.synAck]) { bytes in
            if let header = try? TCPHeader.parse(bytes) {
                #expect(header.payloadRange.upperBound <= bytes.count)
                #expect(header.optionsRange.upperBound <= bytes.count)
                _ = header.description
                _ = header.sackBlock(0, in: bytes)
            }
            _ = TCPHeader.checksumValid(bytes, pseudo: .ipv4(source: Self.client, destination: Self.server))
        }
    }
}
