import Testing
import VantageWire

/// FrameIdentity: the same frame captured on both sides of a router keeps its key; any field
/// that tells two frames of a flow apart changes it.
@Suite struct FrameIdentityTests {
    private static let clientMAC = MACAddress("02:00:5e:10:00:01")!
    private static let routerInMAC = MACAddress("02:00:5e:10:00:fe")!
    private static let routerOutMAC = MACAddress("02:00:5e:20:00:fe")!
    private static let serverMAC = MACAddress("02:00:5e:20:00:02")!
    private static let client = IPv4Address(10, 0, 0, 1)
    private static let server = IPv4Address(10, 0, 1, 2)

    private func key(_ frame: [UInt8], _ linkType: LinkType = .ethernet) -> FrameIdentity? {
        FrameIdentity.of(frame.span, linkType: linkType)
    }

    /// A SYN as the client sends it (to the router) or as the router forwards it (TTL 63, new MACs).
    private func syn(
        hop: Int, identification: UInt16 = 0x1234, seq: UInt32 = 1000, vlans: [FrameBuilder.VLAN] = [],
        payload: [UInt8] = []
    ) -> [UInt8] {
        let (src, dst) = hop == 0 ? (Self.clientMAC, Self.routerInMAC) : (Self.routerOutMAC, Self.serverMAC)
        return FrameBuilder.tcp(
            from: (src, Self.client, 40000), to: (dst, Self.server, 80), flags: [.syn], seq: seq,
            options: FrameBuilder.linuxSYNOptions, payload: payload, ttl: UInt8(64 - hop), identification: identification,
            vlans: vlans)
    }

    @Test func routedCopyKeepsItsKey() throws {
        let sent = try #require(key(syn(hop: 0)))
        let forwarded = try #require(key(syn(hop: 1)))
        #expect(sent == forwarded, "TTL, IP checksum and both MACs differ; the key must not")
        #expect(syn(hop: 0) != syn(hop: 1), "the bytes really differ")
    }

    @Test func linkFramingDoesNotMatter() throws {
        let plain = try #require(key(syn(hop: 0)))
        #expect(key(syn(hop: 0, vlans: [100])) == plain)
        #expect(key(syn(hop: 0, vlans: [100, 200])) == plain)
        #expect(key(FrameBuilder.linuxSLL(wrapping: syn(hop: 0)), .linuxSLL) == plain)
        #expect(key(FrameBuilder.linuxSLL2(wrapping: syn(hop: 0)), .linuxSLL2) == plain)
        #expect(key(FrameBuilder.rawIP(wrapping: syn(hop: 0)), .raw) == plain)
    }

    @Test func differentFramesOfOneFlowDiffer() throws {
        let base = try #require(key(syn(hop: 0)))
        #expect(key(syn(hop: 0, identification: 0x1235)) != base, "another IP identification is another frame")
        #expect(key(syn(hop: 0, seq: 1001)) != base, "another sequence number is another frame")
        #expect(key(syn(hop: 0, payload: Array("GET /a".utf8))) != key(syn(hop: 0, payload: Array("GET /b".utf8))))
        let request = FrameBuilder.icmpEchoRequest(from: (Self.clientMAC, Self.client), to: (Self.routerInMAC, Self.server), sequence: 3)
        let reply = FrameBuilder.icmpEchoReply(from: (Self.routerInMAC, Self.server), to: (Self.clientMAC, Self.client), sequence: 3)
        let next = FrameBuilder.icmpEchoRequest(from: (Self.clientMAC, Self.client), to: (Self.routerInMAC, Self.server), sequence: 4)
        #expect(Set([key(request), key(reply), key(next)]).count == 3)
    }

    @Test func arpIsKeyedByItsBody() throws {
        let request = FrameBuilder.arpRequest(from: Self.clientMAC, ip: Self.client, asking: IPv4Address(10, 0, 0, 9))
        var bridged = request
        bridged[6] ^= 0x02  // a different Ethernet source (the ARP body is unchanged)
        #expect(key(request) != nil)
        #expect(key(request) == key(bridged))
        let other = FrameBuilder.arpRequest(from: Self.clientMAC, ip: Self.client, asking: IPv4Address(10, 0, 0, 8))
        #expect(key(other) != key(request))
    }

    @Test func ipv6IgnoresHopLimitButNotFlowLabel() throws {
        let a = IPv6Address("2001:db8::1")!
        let b = IPv6Address("2001:db8:1::2")!
        func ping(hopLimit: UInt8, flowLabel: UInt32, mac: MACAddress) -> [UInt8] {
            var body: [UInt8] = [0, 7, 0, 1]
            body += FrameBuilder.pingPayload
            let message = [128, 0, 0, 0] + body
            return FrameBuilder.ipv6(
                from: (mac, a), to: (Self.serverMAC, b), nextHeader: .icmpv6, payload: message, hopLimit: hopLimit,
                flowLabel: flowLabel)
        }
        let sent = try #require(key(ping(hopLimit: 64, flowLabel: 5, mac: Self.clientMAC)))
        #expect(key(ping(hopLimit: 63, flowLabel: 5, mac: Self.routerOutMAC)) == sent)
        #expect(key(ping(hopLimit: 64, flowLabel: 6, mac: Self.clientMAC)) != sent)
    }

    @Test func clockAnchorsSkipBulkTCPBeforeHashing() {
        let data = FrameBuilder.tcp(
            from: (Self.clientMAC, Self.client, 40000), to: (Self.routerInMAC, Self.server, 80), flags: [.ack, .psh], seq: 7,
            payload: Array("GET / HTTP/1.1".utf8))
        let ack = FrameBuilder.tcp(from: (Self.clientMAC, Self.client, 40000), to: (Self.routerInMAC, Self.server, 80), flags: [.ack])
        let fin = FrameBuilder.tcp(from: (Self.clientMAC, Self.client, 40000), to: (Self.routerInMAC, Self.server, 80), flags: [.fin, .ack])
        let arp = FrameBuilder.arpRequest(from: Self.clientMAC, ip: Self.client, asking: Self.server)
        let ping = FrameBuilder.icmpEchoRequest(from: (Self.clientMAC, Self.client), to: (Self.routerInMAC, Self.server))
        #expect(FrameIdentity.anchor(data.span, linkType: .ethernet) == nil)
        #expect(FrameIdentity.anchor(ack.span, linkType: .ethernet) == nil)
        for frame in [syn(hop: 0), fin, arp, ping] {
            let anchor = FrameIdentity.anchor(frame.span, linkType: .ethernet)
            #expect(anchor != nil && anchor == key(frame), "an anchor's key is the frame's identity")
        }
    }

    @Test func framesWithoutIPOrARPHaveNoKey() {
        let local = FrameBuilder.ethernet(
            src: Self.clientMAC, dst: Self.serverMAC, type: EtherType(rawValue: 0x88B5), payload: [1, 2, 3, 4])
        #expect(key(local) == nil)
        #expect(key([UInt8](repeating: 0, count: 10)) == nil)
    }

    @Test func everyTruncationIsSafe() {
        for frame in [syn(hop: 0, vlans: [100]), FrameBuilder.arpRequest(from: Self.clientMAC, ip: Self.client, asking: Self.server)] {
            for length in 0...frame.count {
                _ = key(Array(frame.prefix(length)))
            }
        }
        // A frame cut inside the payload still has a key (the prefix that is there).
        let long = syn(hop: 0, payload: [UInt8](repeating: 7, count: 100))
        #expect(key(Array(long.prefix(60))) != nil)
    }
}
