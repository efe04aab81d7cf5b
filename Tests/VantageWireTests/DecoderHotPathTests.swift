import Testing
import VantageWire

/// The decode loop's shortcuts give the results of the plain code: a reused packet equals a
/// fresh one, the returned shape matches the layers, the TCP timestamps fast path equals the
/// option walk, and the inline port set answers like a set.
@Suite("Decoder hot path")
struct DecoderHotPathTests {
    /// Every stored field of `packet`, nested values included.
    static func fields(_ packet: DecodedPacket) -> String {
        var text = ""
        dump(packet, to: &text)
        return text
    }

    /// Frames of every kind, wrapped in every link type that can carry them, each cut at every
    /// length, plus mutated copies: one long, varied sequence.
    static func frames() -> [(frame: [UInt8], linkType: LinkType)] {
        var frames: [(frame: [UInt8], linkType: LinkType)] = []
        var random = WireNoiseGenerator(state: 0x5EED)
        for wrapping in FrameBuilder.LinkWrapping.allCases {
            for (_, seed) in BuiltFrames.catalogue where wrapping.canWrap(seed) {
                let frame = wrapping.wrap(seed)
                for length in stride(from: 0, through: frame.count, by: 3) {
                    frames.append((Array(frame[0..<length]), wrapping.linkType))
                }
                var mutated = frame
                for _ in 0..<3 {
                    mutated[Int.random(in: 0..<mutated.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
                frames.append((mutated, wrapping.linkType))
            }
        }
        // Shuffled, so that each frame follows frames of other kinds and lengths.
        frames.shuffle(using: &random)
        return frames
    }

    @Test(arguments: [PacketDecoder(), PacketDecoder(httpPorts: Array(0...1024), verifyTransportChecksums: true)])
    func reusedPacketEqualsAFreshOne(_ decoder: PacketDecoder) {
        var reused = DecodedPacket()
        for (index, (frame, linkType)) in Self.frames().enumerated() {
            let fcs = index % 5 == 0 ? 4 : 0
            let shape = decoder.decode(frame.span, linkType: linkType, fcsLength: fcs, into: &reused)
            let fresh = decoder.decode(frame.span, linkType: linkType, fcsLength: fcs)
            #expect(Self.fields(reused) == Self.fields(fresh), "frame \(index): \(frame)")
            #expect(shape == fresh.shape, "frame \(index): \(frame)")
        }
    }

    @Test func resetEmptiesAPacket() {
        let frame = BuiltFrames.httpRequest
        var packet = PacketDecoder().decode(frame.span, linkType: .ethernet)
        #expect(packet.shape.application == .httpRequest)
        packet.reset()
        #expect(Self.fields(packet) == Self.fields(DecodedPacket()))
        #expect(packet.shape == DecodedShape())
    }

    @Test func timestampsFastPathEqualsTheWalk() {
        let bytes: [UInt8] = [1, 1, 8, 10, 0, 0, 1, 2, 0xFF, 0, 0, 9]
        let options = TCPOptions.parse(bytes.span)
        #expect(
            options
                == TCPOptions(
                    timestampValue: 258, timestampEcho: 0xFF00_0009,
                    layout: TCPOptionLayout([.noOperation, .noOperation, .timestamp])))
        #expect(options.description == "[nop,nop,TS val 258 ecr 4278190089]")
        #expect(TCPOptions.parse(bytes.span, declaredLength: 12) == options)
        // Declared longer than captured: the walk decides (and marks the area truncated).
        let cut = TCPOptions.parse(bytes.span, declaredLength: 16)
        #expect(cut.truncated && cut.timestampValue == 258 && cut.layout.count == 3)
        // Not the NOP,NOP,TS layout: the walk again.
        let other: [UInt8] = [8, 10, 0, 0, 1, 2, 0, 0, 0, 9, 1, 1]
        #expect(TCPOptions.parse(other.span).layout.description == "TS,nop,nop")
    }

    @Test func portSets() {
        let small = PortSet([8080, 80, 443, 80])
        #expect(small.ports == [80, 443, 8080])
        for port in [80, 443, 8080] as [UInt16] { #expect(small.contains(port)) }
        for port in [0, 79, 81, 144, 8081, 65535] as [UInt16] { #expect(!small.contains(port)) }
        let range = PortSet(Array(1000...1100) + [7])
        #expect(range.ports == [7] + Array(1000...1100))
        #expect(range.contains(1000) && range.contains(1100) && range.contains(7))
        #expect(!range.contains(999) && !range.contains(1101) && !range.contains(8))
        let scattered = PortSet(stride(from: 3, to: 60000, by: 97).map(UInt16.init))
        for port in 0...UInt16.max {
            #expect(scattered.contains(port) == (port >= 3 && port < 60000 && (port - 3) % 97 == 0))
        }
        #expect(PortSet([]).ports.isEmpty && !PortSet([]).contains(0))
        #expect(PortSet([65535, 0]).contains(65535) && PortSet([65535, 0]).contains(0))
        #expect(PortSet([1, 2, 3]) == PortSet([3, 2, 1]))
        #expect(PortSet(stride(from: 3, to: 60000, by: 97).map(UInt16.init)) == scattered)
        #expect(PortSet([1, 2]) != PortSet([1, 3]))
    }
}
