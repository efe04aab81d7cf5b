import Testing
import VantageWire

@Suite struct VRRPTests {
    /// keepalived 2.2.7 VRRPv2 advert [protocols.md §3.2, LAB]: vrid 51, prio 150, 10.99.0.100.
    static let keepalived = Upper.bytes("21 33 96 01 00 01 3e 03 | 0a 63 00 64 | 00 00 00 00 00 00 00 00")
    static let master = IPv4Address(10, 99, 0, 1)
    static let group = IPv4Address(224, 0, 0, 18)
    /// VRRPv3 IPv4, vrid 51, prio 100, 100 cs, 10.99.0.100; checksum with the pseudo-header
    /// 10.99.0.1 > 224.0.0.18 (keepalived's default), computed independently.
    static let v3Pseudo = Upper.bytes("31 33 64 01 00 64 74 ad 0a 63 00 64")
    /// The same advert with the "v3 checksum as v2" (no pseudo-header).
    static let v3Plain = Upper.bytes("31 33 64 01 00 64 5f a0 0a 63 00 64")

    @Test func decodesKeepalivedV2() throws {
        let bytes = Self.keepalived
        let advert = try VRRPAdvertisement.parse(bytes.span)
        #expect(advert.version == 2)
        #expect(advert.type == .advertisement)
        #expect(advert.vrid == 51)
        #expect(advert.priority == 150)
        #expect(advert.addressCount == 1)
        #expect(advert.authType == VRRPAuthType.none)
        #expect(advert.advertisementIntervalCentiseconds == 100)
        #expect(advert.checksum == 0x3E03)
        #expect(advert.addressFamily == .ipv4)
        #expect(advert.addressesRange == 8..<12)
        #expect(advert.address(0, in: bytes.span) == IPv4Address(10, 99, 0, 100))
        #expect(advert.firstIPv4Address == IPv4Address(10, 99, 0, 100))
        #expect(advert.authData == 0)
        #expect(advert.length == 20 && advert.trailingByteCount == 0)
        #expect(advert.checksumKind(bytes.span) == .plain)
        #expect(advert.description == "VRRPv2, vrid 51, prio 150, authtype none, intvl 1s, addrs: 10.99.0.100")
    }

    @Test func emitsKeepalivedV2() throws {
        let advert = VRRPAdvertisement(vrid: 51, priority: 150)
        var out: [UInt8] = []
        advert.emit(addresses: [IPv4Address(10, 99, 0, 100)], into: &out)
        #expect(out == Self.keepalived)
        let parsed = try VRRPAdvertisement.parse(out.span)
        var again: [UInt8] = []
        parsed.emit(addresses: [parsed.address(0, in: out.span)], into: &again)
        #expect(again == out)
    }

    @Test func v3AcceptsBothChecksumsAndSaysWhich() throws {
        let pseudo = PseudoHeader.ipv4(source: Self.master, destination: Self.group)
        let withPseudo = try VRRPAdvertisement.parse(Self.v3Pseudo.span)
        #expect(withPseudo.version == 3)
        #expect(withPseudo.authType == nil && withPseudo.authData == nil)
        #expect(withPseudo.advertisementIntervalCentiseconds == 100)
        #expect(withPseudo.length == 12)
        #expect(withPseudo.checksumKind(Self.v3Pseudo.span, pseudo: pseudo) == .pseudoHeader)
        #expect(withPseudo.description == "VRRPv3, vrid 51, prio 100, intvl 100cs, addrs: 10.99.0.100")

        let plain = try VRRPAdvertisement.parse(Self.v3Plain.span)
        #expect(plain.checksumKind(Self.v3Plain.span, pseudo: pseudo) == .plain)

        var corrupted = Self.v3Pseudo
        corrupted[7] ^= 1
        #expect(withPseudo.checksumKind(corrupted.span, pseudo: pseudo) == .invalid)
        let otherSource = PseudoHeader.ipv4(source: IPv4Address(10, 99, 0, 2), destination: Self.group)
        #expect(withPseudo.checksumKind(Self.v3Pseudo.span, pseudo: otherSource) == .invalid)

        // emit builds both variants.
        var built: [UInt8] = []
        withPseudo.emit(addresses: [IPv4Address(10, 99, 0, 100)], pseudo: pseudo, into: &built)
        #expect(built == Self.v3Pseudo)
        var asV2: [UInt8] = []
        withPseudo.emit(addresses: [IPv4Address(10, 99, 0, 100)], into: &asV2)
        #expect(asV2 == Self.v3Plain)
    }

    @Test func v3OverIPv6() throws {
        let pseudo = PseudoHeader.ipv6(source: IPv6Address("fe80::1")!, destination: IPv6Address("ff02::12")!)
        let advert = VRRPAdvertisement(version: 3, vrid: 51, addressFamily: .ipv6)
        let addresses = [IPv6Address("2001:db8::100")!, IPv6Address("fe80::100")!]
        var bytes: [UInt8] = []
        advert.emit(ipv6Addresses: addresses, pseudo: pseudo, into: &bytes)
        #expect(bytes.count == 40)
        #expect(bytes[6] == 0x3D && bytes[7] == 0xFD)  // computed independently
        let parsed = try VRRPAdvertisement.parse(bytes.span, isIPv6: true)
        #expect(parsed.addressFamily == .ipv6 && parsed.addressCount == 2)
        #expect(parsed.ipv6Address(1, in: bytes.span) == addresses[1])
        #expect(parsed.firstIPv6Address == addresses[0])
        #expect(parsed.checksumKind(bytes.span, pseudo: pseudo) == .pseudoHeader)
        #expect(parsed.description(in: bytes.span).hasSuffix("addrs(2): 2001:db8::100,fe80::100"))
        #expect(parsed.description.hasSuffix("addrs(2): 2001:db8::100,..."))
        // Read as IPv4 the same bytes claim 8 + 4·2 = 16 octets: parses, with 24 trailing.
        #expect(try VRRPAdvertisement.parse(bytes.span).trailingByteCount == 24)
    }

    @Test func truncationAtEveryLength() {
        let seven = VRRPAdvertisement(vrid: 9)
        var many: [UInt8] = []
        seven.emit(addresses: (1...7).map { IPv4Address(10, 0, 0, $0) }, into: &many)
        for bytes in [Self.keepalived, many, Self.v3Pseudo] {
            Upper.expectTruncatedPrefixes(bytes, layer: .vrrp) { span throws(DecodeError) in
                _ = try VRRPAdvertisement.parse(span)
            }
        }
    }

    @Test func lengthRules() throws {
        // The IP header says the payload is shorter than the count needs: malformed, not cut.
        #expect(throws: DecodeError.malformed(layer: .vrrp, offset: 3, reason: "address count exceeds the IP payload"))
        {
            try VRRPAdvertisement.parse(Self.keepalived.span, declaredLength: 16)
        }
        // A snap-length cut with the declared length known: truncated.
        #expect(throws: DecodeError.truncated(layer: .vrrp, needed: 20, available: 12)) {
            try VRRPAdvertisement.parse(Array(Self.keepalived[0..<12]).span, declaredLength: 20)
        }
        // Trailing octets (e.g. Ethernet padding passed by mistake) are counted, and zero
        // padding does not disturb the checksum over the message.
        let padded = Self.keepalived + [0, 0, 0, 0, 0, 0]
        let advert = try VRRPAdvertisement.parse(padded.span)
        #expect(advert.trailingByteCount == 6)
        #expect(advert.checksumKind(padded.span) == .plain)
        #expect(advert.description.hasSuffix("6 trailing bytes"))
    }

    @Test func malformedVersions() {
        var v4 = Self.keepalived
        v4[0] = 0x41
        #expect(throws: DecodeError.malformed(layer: .vrrp, offset: 0, reason: "version is not 2 or 3")) {
            try VRRPAdvertisement.parse(v4.span)
        }
        #expect(throws: DecodeError.malformed(layer: .vrrp, offset: 0, reason: "VRRPv2 over IPv6")) {
            try VRRPAdvertisement.parse(Self.keepalived.span, isIPv6: true)
        }
    }

    @Test func priorityAndTimers() throws {
        let advert = try VRRPAdvertisement.parse(Self.keepalived.span)
        #expect(!advert.isResigning && !advert.isAddressOwner)
        // LAB: backup prio 100, advert_int 1 took over 0.610 s after a priority-0 advert.
        #expect(advert.skewTime(backupPriority: 100) == 0.609375)
        #expect(advert.masterDownInterval(backupPriority: 100) == 3.609375)
        #expect(
            VRRPAdvertisement.masterDownInterval(priority: 100, version: 3, advertisementIntervalCentiseconds: 100)
                == 3.609375)
        #expect(
            VRRPAdvertisement.skewTime(priority: 100, version: 3, advertisementIntervalCentiseconds: 200) == 1.21875)
        var resign = Self.keepalived
        resign[2] = 0
        #expect(try VRRPAdvertisement.parse(resign.span).isResigning)
        resign[2] = 255
        #expect(try VRRPAdvertisement.parse(resign.span).isAddressOwner)
        #expect(VRRPAdvertisement.virtualMAC(vrid: 51) == MACAddress("00:00:5e:00:01:33"))
        #expect(VRRPAdvertisement.virtualMAC(vrid: 51, ipv6: true) == MACAddress("00:00:5e:00:02:33"))
    }

    @Test func simpleTextAuthIsShown() throws {
        let advert = VRRPAdvertisement(vrid: 1, authType: .simpleText, authData: 0x7365_6372_6574_0000)
        var bytes: [UInt8] = []
        advert.emit(addresses: [IPv4Address(192, 0, 2, 1)], into: &bytes)
        let parsed = try VRRPAdvertisement.parse(bytes.span)
        #expect(parsed.authType == .simpleText)
        #expect(parsed.description.contains("authtype simple, auth \"secret\""))
    }

    @Test func randomInputNeverTraps() {
        Upper.hammer(seeds: [Self.keepalived, Self.v3Pseudo]) { bytes in
            for isIPv6 in [false, true] {
                if let advert = try? VRRPAdvertisement.parse(bytes, isIPv6: isIPv6) {
                    #expect(advert.addressesRange.upperBound <= bytes.count)
                    _ = advert.description(in: bytes)
                    _ = advert.checksumKind(bytes, pseudo: .ipv4(source: Self.master, destination: Self.group))
                }
            }
        }
    }
}
