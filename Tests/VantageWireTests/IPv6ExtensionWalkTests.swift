import Testing
import VantageWire

@Suite struct IPv6ExtensionWalkTests {
    /// IPv6 payload of an MLDv2 report: hop-by-hop (router alert, PadN) then ICMPv6.
    static let hopByHopMLD = hexBytes(
        "3a00050200000100 8f00924d0000000104000000ff0200000000000000000001ffccddee")
    /// First fragment (M = 1, offset 0, id 0xdeadbeef) of an ICMPv6 echo request.
    static let firstFragment = hexBytes("3a000001deadbeef 8000293f1c2d000770696e67")
    /// A later fragment (offset 1448, M = 0): data, not headers, follows.
    static let laterFragment = hexBytes("3a0005a8deadbeef 3c007878787878787878787878787878")

    @Test func noExtensionHeaders() throws {
        let walk = try IPv6ExtensionWalk.walk(Self.firstFragment.span, firstHeader: .tcp)
        #expect(walk == IPv6ExtensionWalk(upperProtocol: .tcp))
        #expect(walk.upperOffset == 0 && walk.extensionCount == 0 && !walk.isFragment && walk.isFirstFragment)
        #expect(try IPv6ExtensionWalk.walk([UInt8]().span, firstHeader: .udp).upperProtocol == .udp)
    }

    @Test func skipsHopByHop() throws {
        let walk = try IPv6ExtensionWalk.walk(Self.hopByHopMLD.span, firstHeader: .hopByHop)
        #expect(walk.upperProtocol == .icmpv6 && walk.upperOffset == 8 && walk.extensionCount == 1)
        #expect(!walk.hasFragmentHeader && !walk.isFragment)
        #expect(walk.description == "1 ext hdrs, upper ICMPv6 at 8")
    }

    @Test func fragments() throws {
        let first = try IPv6ExtensionWalk.walk(Self.firstFragment.span, firstHeader: .fragment)
        #expect(first.upperProtocol == .icmpv6 && first.upperOffset == 8 && first.extensionCount == 1)
        #expect(first.hasFragmentHeader && first.moreFragments && first.fragmentOffset == 0)
        #expect(first.fragmentIdentification == 0xDEAD_BEEF)
        #expect(first.isFragment && first.isFirstFragment && first.carriesTransportHeader)
        let later = try IPv6ExtensionWalk.walk(Self.laterFragment.span, firstHeader: .fragment)
        #expect(later.upperProtocol == .icmpv6 && later.upperOffset == 8)
        #expect(later.fragmentOffset == 1448 && !later.moreFragments)
        #expect(later.isFragment && !later.isFirstFragment && !later.carriesTransportHeader)
        #expect(later.description == "1 ext hdrs, frag id 0xdeadbeef offset 1448, upper ICMPv6 at 8")
        // A non-first fragment whose next header is an extension: the walk still stops there.
        var chained = Self.laterFragment
        chained[0] = 60
        let stopped = try IPv6ExtensionWalk.walk(chained.span, firstHeader: .fragment)
        #expect(stopped.upperProtocol == .destinationOptions && stopped.upperOffset == 8 && stopped.extensionCount == 1)
        // An atomic fragment (offset 0, M = 0) is not a fragment.
        let atomic = try IPv6ExtensionWalk.walk(hexBytes("3a00000000000001 80").span, firstHeader: .fragment)
        #expect(atomic.hasFragmentHeader && !atomic.isFragment)
    }

    @Test func walksChainsIncludingAHAndStopsAtESP() throws {
        var bytes: [UInt8] = []
        IPv6ExtensionWalk.emitOptionsHeader(nextHeader: .routing, into: &bytes)  // 8
        bytes += [60, 1] + [UInt8](repeating: 0, count: 14)  // routing, 16 octets, next dest opts
        IPv6ExtensionWalk.emitOptionsHeader(nextHeader: .ah, units: 2, into: &bytes)  // 16
        bytes += [50, 4] + [UInt8](repeating: 0, count: 22)  // AH: (4 + 2) * 4 = 24, next ESP
        bytes += [0xDE, 0xAD, 0xBE, 0xEF, 0, 0, 0, 1]  // ESP SPI, sequence
        let walk = try IPv6ExtensionWalk.walk(bytes.span, firstHeader: .hopByHop)
        #expect(walk.upperProtocol == .esp && walk.upperOffset == 64 && walk.extensionCount == 4)
        let mobility = try IPv6ExtensionWalk.walk([59, 0, 1, 0, 0, 0, 0, 0].span, firstHeader: .mobility)
        #expect(mobility.upperProtocol == .noNextHeader && mobility.upperOffset == 8)
    }

    @Test func capsTheChain() throws {
        var sixteen: [UInt8] = []
        for index in 0..<16 {
            IPv6ExtensionWalk.emitOptionsHeader(nextHeader: index == 15 ? .udp : .destinationOptions, into: &sixteen)
        }
        let walk = try IPv6ExtensionWalk.walk(sixteen.span, firstHeader: .destinationOptions)
        #expect(walk.extensionCount == 16 && walk.upperProtocol == .udp && walk.upperOffset == 128)
        var loop: [UInt8] = []
        for _ in 0..<40 { IPv6ExtensionWalk.emitOptionsHeader(nextHeader: .destinationOptions, into: &loop) }
        #expect(throws: DecodeError.malformed(layer: .ipv6Extension, offset: 128, reason: "too many extension headers"))
        {
            try IPv6ExtensionWalk.walk(loop.span, firstHeader: .destinationOptions)
        }
    }

    @Test func emitHelpers() throws {
        var out: [UInt8] = []
        IPv6ExtensionWalk.emitFragmentHeader(
            nextHeader: .icmpv6, offset: 1448, moreFragments: false, identification: 0xDEAD_BEEF, into: &out)
        #expect(out == Array(Self.laterFragment[0..<8]))
        out = []
        IPv6ExtensionWalk.emitOptionsHeader(nextHeader: .icmpv6, routerAlert: true, into: &out)
        #expect(out == Array(Self.hopByHopMLD[0..<8]))
        out = []
        IPv6ExtensionWalk.emitOptionsHeader(nextHeader: .tcp, units: 3, into: &out)
        #expect(out.count == 24 && out[1] == 2 && out[2] == 1 && out[3] == 20)
    }

    @Test func truncationAtEveryLength() {
        expectTruncatedBelow(8, of: Self.hopByHopMLD, layer: .ipv6Extension) {
            try IPv6ExtensionWalk.walk($0, firstHeader: .hopByHop)
        }
        expectTruncatedBelow(8, of: Self.firstFragment, layer: .ipv6Extension) {
            try IPv6ExtensionWalk.walk($0, firstHeader: .fragment)
        }
        let ah: [UInt8] = [6, 4] + [UInt8](repeating: 0, count: 22)
        expectTruncatedBelow(24, of: ah, layer: .ipv6Extension) { try IPv6ExtensionWalk.walk($0, firstHeader: .ah) }
        expectParsesFrom(8, of: Self.hopByHopMLD) { try IPv6ExtensionWalk.walk($0, firstHeader: .hopByHop) }
    }

    @Test func noiseNeverTraps() {
        for first in [IPProtocol.hopByHop, .fragment, .ah, .routing, .destinationOptions, .mobility] {
            expectNoTrapOnNoise(
                seeds: [Self.hopByHopMLD, Self.firstFragment, Self.laterFragment], iterations: 800,
                parse: { try IPv6ExtensionWalk.walk($0, firstHeader: first) },
                ranges: { [$0.upperOffset..<$0.upperOffset] })
        }
    }
}
