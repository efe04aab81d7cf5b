import Testing
import VantageWire

@Suite struct NeighborDiscoveryTests {
    static let target = IPv6Address("fe80::aa:bbcc:ddee")!
    static let linkLocal1 = IPv6Address("fe80::1")!

    /// Linux DAD probe (enhanced_dad): NS :: > ff02::1:ffcc:ddee, no SLLA, nonce a1b2c3d4e5f6.
    static let dadProbe = hexBytes("8700a97f00000000 fe80000000000000000000aabbccddee 0e01a1b2c3d4e5f6")
    static let dadPseudo = PseudoHeader.ipv6(source: .unspecified, destination: IPv6Address("ff02::1:ffcc:ddee")!)
    /// Address-resolution NS from fe80::1 with SLLA 02:00:5e:10:00:01.
    static let solicitation = hexBytes("8700a36a00000000 fe80000000000000000000aabbccddee 010102005e100001")
    static let solicitationPseudo = PseudoHeader.ipv6(
        source: linkLocal1, destination: IPv6Address("ff02::1:ffcc:ddee")!)
    /// Unsolicited NA to ff02::1: S = 0, O = 1, TLLA 02:00:00:bb:cc:dd.
    static let unsolicitedNA = hexBytes("8800553a20000000 fe80000000000000000000aabbccddee 0201020000bbccdd")
    static let naPseudo = PseudoHeader.ipv6(source: target, destination: .allNodes)
    /// RA: hop limit 64, O set, lifetime 1800 s, reachable 30000 ms, retrans 1000 ms; SLLA, MTU 1500,
    /// prefix 2001:db8:1::/64 (L, A; valid 86400 s, preferred 14400 s).
    static let routerAdvertisement = hexBytes(
        "8600546e 40 40 0708 00007530 000003e8 | 010102005e100002 | 05010000000005dc"
            + "| 030440c0 00015180 00003840 00000000 20010db8000100000000000000000000")
    static let raPseudo = PseudoHeader.ipv6(source: linkLocal1, destination: .allNodes)
    /// RS from fe80::2 to ff02::2 with SLLA.
    static let routerSolicitation = hexBytes("85001c1b00000000 010102005e100001")
    /// Redirect from fe80::1 to fe80::2: 2001:db8::99 is better reached via fe80::3, TLLA.
    static let redirect = hexBytes(
        "890048b600000000 fe800000000000000000000000000003 20010db8000000000000000000000099 0201020000000003")

    @Test func parsesDADProbeWithNonce() throws {
        let nd = try NDMessage.parse(Self.dadProbe.span)
        #expect(nd.kind == .neighborSolicitation && nd.code == 0)
        #expect(nd.targetAddress == Self.target)
        #expect(nd.sourceLinkLayerAddress == nil && nd.targetLinkLayerAddress == nil)
        #expect(nd.nonce == 0xA1B2_C3D4_E5F6)
        #expect(nd.optionCount == 1 && nd.optionsRange == 24..<32)
        #expect(nd.isDADProbe(ipSource: .unspecified))
        #expect(!nd.isDADProbe(ipSource: Self.linkLocal1))
        #expect(nd.description == "ICMP6, neighbor solicitation, who has fe80::aa:bbcc:ddee, nonce 0xa1b2c3d4e5f6")
        #expect(ICMPv6Message.checksumValid(Self.dadProbe.span, pseudo: Self.dadPseudo) == true)
        #expect(Self.target.solicitedNodeGroup == IPv6Address("ff02::1:ffcc:ddee"))
    }

    @Test func parsesSolicitationAndAdvertisement() throws {
        let ns = try NDMessage.parse(Self.solicitation.span)
        #expect(ns.sourceLinkLayerAddress == MACAddress("02:00:5e:10:00:01") && ns.nonce == nil)
        #expect(ns.announcedLinkLayerAddress == ns.sourceLinkLayerAddress)
        #expect(!ns.isDADProbe(ipSource: Self.linkLocal1))
        let na = try NDMessage.parse(Self.unsolicitedNA.span)
        #expect(na.kind == .neighborAdvertisement && na.targetAddress == Self.target)
        #expect(!na.router && !na.solicited && na.override && na.isUnsolicitedAdvertisement)
        #expect(na.targetLinkLayerAddress == MACAddress("02:00:00:bb:cc:dd"))
        #expect(na.announcedLinkLayerAddress == na.targetLinkLayerAddress)
        #expect(
            na.description
                == "ICMP6, neighbor advertisement, tgt is fe80::aa:bbcc:ddee, Flags [override], "
                + "target link-address 02:00:00:bb:cc:dd")
        var solicitedRouter = Self.unsolicitedNA
        solicitedRouter[4] = 0xE0
        let flags = try NDMessage.parse(solicitedRouter.span)
        #expect(flags.router && flags.solicited && flags.override && !flags.isUnsolicitedAdvertisement)
    }

    @Test func parsesRouterMessages() throws {
        let ra = try NDMessage.parse(Self.routerAdvertisement.span)
        #expect(ra.kind == .routerAdvertisement)
        #expect(ra.curHopLimit == 64 && !ra.managed && ra.other)
        #expect(ra.routerLifetime == 1800 && ra.reachableTime == 30000 && ra.retransTimer == 1000)
        #expect(ra.sourceLinkLayerAddress == MACAddress("02:00:5e:10:00:02") && ra.mtu == 1500)
        #expect(ra.prefixCount == 1 && ra.prefix == IPv6Address("2001:db8:1::") && ra.prefixLength == 64)
        #expect(ra.prefixFlags == 0xC0 && ra.prefixValidLifetime == 86400 && ra.prefixPreferredLifetime == 14400)
        #expect(ra.optionCount == 3 && ra.optionsRange == 16..<64 && ra.targetAddress == nil)
        #expect(ra.description.hasPrefix("ICMP6, router advertisement, hop limit 64, Flags [other stateful]"))
        let rs = try NDMessage.parse(Self.routerSolicitation.span)
        #expect(rs.kind == .routerSolicitation && rs.sourceLinkLayerAddress == MACAddress("02:00:5e:10:00:01"))
        #expect(rs.optionsRange == 8..<16)
        let redirect = try NDMessage.parse(Self.redirect.span)
        #expect(redirect.kind == .redirect)
        #expect(
            redirect.targetAddress == IPv6Address("fe80::3")
                && redirect.destinationAddress == IPv6Address("2001:db8::99"))
        #expect(redirect.targetLinkLayerAddress == MACAddress("02:00:00:00:00:03"))
        #expect(
            redirect.description == "ICMP6, redirect, 2001:db8::99 to fe80::3, target link-address 02:00:00:00:00:03")
    }

    @Test func skipsUnknownAndNonMACOptions() throws {
        // SLLA of length 2 (a non-Ethernet address), an unknown option 25 (RDNSS), a second prefix.
        var bytes = Array(Self.routerAdvertisement)
        bytes += [1, 2] + [UInt8](repeating: 0xEE, count: 14)
        bytes += [25, 3] + [UInt8](repeating: 0, count: 22)
        bytes += Array(Self.routerAdvertisement[32..<64])
        let ra = try NDMessage.parse(bytes.span)
        #expect(ra.optionCount == 6 && ra.prefixCount == 2 && ra.optionsRange == 16..<bytes.count)
        #expect(ra.sourceLinkLayerAddress == MACAddress("02:00:5e:10:00:02"))
        let onlyLong = try NDMessage.parse(
            (Array(Self.solicitation[0..<24]) + [1, 2] + [UInt8](repeating: 1, count: 14)).span)
        #expect(onlyLong.sourceLinkLayerAddress == nil && onlyLong.optionCount == 1)
    }

    @Test func rejectsMalformedOptions() throws {
        var zero = Self.dadProbe
        zero[25] = 0
        #expect(throws: DecodeError.malformed(layer: .neighborDiscovery, offset: 25, reason: "option length 0")) {
            try NDMessage.parse(zero.span)
        }
        var many = Array(Self.solicitation[0..<24])
        for _ in 0..<NDMessage.maximumOptionCount { many += [99, 1, 0, 0, 0, 0, 0, 0] }
        #expect(try NDMessage.parse(many.span).optionCount == 64)
        many += [99, 1, 0, 0, 0, 0, 0, 0]
        #expect(
            throws: DecodeError.malformed(layer: .neighborDiscovery, offset: 24 + 64 * 8, reason: "too many options")
        ) {
            try NDMessage.parse(many.span)
        }
        #expect(
            throws: DecodeError.malformed(layer: .neighborDiscovery, offset: 0, reason: "not a Neighbor Discovery type")
        ) {
            try NDMessage.parse(hexBytes("8000293f1c2d000770696e67").span)
        }
        // An option that claims more than was captured is a truncation.
        var long = Self.solicitation
        long[25] = 2
        #expect(throws: DecodeError.truncated(layer: .neighborDiscovery, needed: 40, available: 32)) {
            try NDMessage.parse(long.span)
        }
    }

    @Test func emitsExactBytes() {
        let cases: [(NDMessage, PseudoHeader, [UInt8])] = [
            (
                NDMessage.neighborSolicitation(target: Self.target, nonce: 0xA1B2_C3D4_E5F6), Self.dadPseudo,
                Self.dadProbe
            ),
            (
                NDMessage.neighborSolicitation(
                    target: Self.target, sourceLinkLayerAddress: MACAddress("02:00:5e:10:00:01")),
                Self.solicitationPseudo, Self.solicitation
            ),
            (
                NDMessage.neighborAdvertisement(
                    target: Self.target, solicited: false, override: true,
                    targetLinkLayerAddress: MACAddress("02:00:00:bb:cc:dd")),
                Self.naPseudo, Self.unsolicitedNA
            ),
            (
                NDMessage(
                    kind: .routerAdvertisement, curHopLimit: 64, other: true, routerLifetime: 1800,
                    reachableTime: 30000,
                    retransTimer: 1000, sourceLinkLayerAddress: MACAddress("02:00:5e:10:00:02"), mtu: 1500,
                    prefix: IPv6Address("2001:db8:1::"), prefixLength: 64, prefixValidLifetime: 86400,
                    prefixPreferredLifetime: 14400),
                Self.raPseudo, Self.routerAdvertisement
            ),
            (
                NDMessage(kind: .routerSolicitation, sourceLinkLayerAddress: MACAddress("02:00:5e:10:00:01")),
                PseudoHeader.ipv6(source: IPv6Address("fe80::2")!, destination: IPv6Address("ff02::2")!),
                Self.routerSolicitation
            ),
            (
                NDMessage(
                    kind: .redirect, targetAddress: IPv6Address("fe80::3"),
                    destinationAddress: IPv6Address("2001:db8::99"),
                    targetLinkLayerAddress: MACAddress("02:00:00:00:00:03")),
                PseudoHeader.ipv6(source: Self.linkLocal1, destination: IPv6Address("fe80::2")!), Self.redirect
            ),
        ]
        for (message, pseudo, expected) in cases {
            var out: [UInt8] = []
            message.emit(pseudo: pseudo, into: &out)
            #expect(out == expected, "\(message.kind)")
            #expect((try? NDMessage.parse(out.span)) == message, "\(message.kind)")
        }
    }

    @Test func roundTripsParsedMessages() throws {
        let pseudo = PseudoHeader.ipv6(source: Self.linkLocal1, destination: .allNodes)
        for bytes in [
            Self.dadProbe, Self.solicitation, Self.unsolicitedNA, Self.routerAdvertisement, Self.routerSolicitation,
            Self.redirect,
        ] {
            let nd = try NDMessage.parse(bytes.span)
            var out: [UInt8] = []
            nd.emit(pseudo: pseudo, into: &out)
            #expect(try NDMessage.parse(out.span) == nd)
            #expect(ICMPv6Message.checksumValid(out.span, pseudo: pseudo) == true)
        }
    }

    @Test func truncationAtEveryLength() {
        let cases: [([UInt8], Int)] = [
            (Self.dadProbe, 32), (Self.unsolicitedNA, 32), (Self.routerAdvertisement, 64),
            (Self.routerSolicitation, 16),
            (Self.redirect, 48),
        ]
        for (bytes, full) in cases {
            expectTruncatedBelow(8, of: bytes, layer: .neighborDiscovery) { try NDMessage.parse($0) }
            let fixed = try? NDMessage.parse(bytes.span).kind.fixedLength
            // Below the fixed part: truncated. Cuts inside the options: truncated, except on an
            // option boundary, where the message is whole as far as it goes.
            for length in 8..<full {
                let prefix = Array(bytes[0..<length])
                let result = Result { try NDMessage.parse(prefix.span) }
                switch result {
                case .success(let message):
                    #expect(length >= (fixed ?? 0) && message.optionsRange.upperBound == length, "length \(length)")
                case .failure(let error):
                    #expect((error as? DecodeError)?.isTruncation == true, "length \(length): \(error)")
                }
            }
        }
    }

    @Test func noiseNeverTraps() {
        expectNoTrapOnNoise(
            seeds: [Self.dadProbe, Self.unsolicitedNA, Self.routerAdvertisement, Self.redirect],
            parse: { try NDMessage.parse($0) }, ranges: { [$0.optionsRange] })
    }
}
