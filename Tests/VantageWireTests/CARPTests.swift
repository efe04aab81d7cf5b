import Testing
import VantageWire

@Suite struct CARPTests {
    /// ucarp-style advert: vhid 7, advskew 100, authlen 7, pad1 0, advbase 1, counter, HMAC 01…14.
    static let advert = Upper.bytes(
        """
        21 07 64 07 00 01 05 2d | 11 22 33 44 55 66 77 88 |
        01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14
        """)

    @Test func decodesUcarpAdvert() throws {
        let carp = try CARPAdvertisement.parse(Self.advert.span)
        #expect(carp.version == 2 && carp.type == .advertisement)
        #expect(carp.vhid == 7)
        #expect(carp.advskew == 100)
        #expect(carp.authLength == 7)
        #expect(carp.demote == 0)
        #expect(carp.advbase == 1)
        #expect(carp.checksum == 0x052D)
        #expect(carp.counter == 0x1122_3344_5566_7788)
        #expect(carp.hmacRange == 16..<36)
        #expect(Self.advert[carp.hmacRange].first == 0x01 && Self.advert[carp.hmacRange].last == 0x14)
        #expect(CARPAdvertisement.checksumValid(Self.advert.span) == true)
        #expect(carp.description == "CARPv2, vhid 7, advbase 1, advskew 100, demote 0")
    }

    @Test func emitRoundTrips() throws {
        let carp = try CARPAdvertisement.parse(Self.advert.span)
        var out: [UInt8] = []
        carp.emit(hmac: Array(Self.advert[carp.hmacRange]), into: &out)
        #expect(out == Self.advert)
        var built: [UInt8] = []
        CARPAdvertisement(vhid: 2, advskew: 150, demote: 3, counter: 42).emit(into: &built)
        let parsed = try CARPAdvertisement.parse(built.span)
        #expect(parsed.vhid == 2 && parsed.advskew == 150 && parsed.demote == 3 && parsed.counter == 42)
        #expect(CARPAdvertisement.checksumValid(built.span) == true)
    }

    @Test func checksumDetectsDamage() {
        var damaged = Self.advert
        damaged[20] ^= 0x40
        #expect(CARPAdvertisement.checksumValid(damaged.span) == false)
        #expect(CARPAdvertisement.checksumValid(Array(Self.advert[0..<35]).span) == false)
    }

    @Test func timing() throws {
        let carp = try CARPAdvertisement.parse(Self.advert.span)
        // LAB: advskew 100 → adverts every 1.39 s.
        #expect(carp.advertisementPeriod == 1.390625)
        #expect(CARPAdvertisement.masterDownTimeout(advbase: 1, advskew: 100) == 3.390625)
        let master = CARPAdvertisement(vhid: 2, advskew: 0)
        #expect(master.isMoreFrequent(than: carp) && !carp.isMoreFrequent(than: master))
        #expect(!master.isMoreFrequent(than: master))
        #expect(CARPAdvertisement.virtualMAC(vhid: 7) == MACAddress("00:00:5e:00:01:07"))
        #expect(CARPAdvertisement.ucarpSourceMAC(vhid: 7) == MACAddress("00:00:5e:00:00:07"))
    }

    @Test func truncationAndMalformation() {
        Upper.expectTruncatedPrefixes(Self.advert, layer: .carp) { bytes throws(DecodeError) in
            _ = try CARPAdvertisement.parse(bytes)
        }
        var v3 = Self.advert
        v3[0] = 0x31
        #expect(throws: DecodeError.malformed(layer: .carp, offset: 0, reason: "CARP version is not 2")) {
            try CARPAdvertisement.parse(v3.span)
        }
    }

    @Test func randomInputNeverTraps() {
        Upper.hammer(seeds: [Self.advert]) { bytes in
            _ = try? CARPAdvertisement.parse(bytes)
            _ = CARPAdvertisement.checksumValid(bytes)
        }
    }
}

@Suite struct Protocol112Tests {
    /// The IP payload of an Ethernet/IPv4 frame, bounded by the IPv4 total length.
    static func ipPayload(_ frame: [UInt8]) -> [UInt8] {
        let headerLength = Int(frame[14] & 0x0F) * 4
        let total = Int(frame[16]) << 8 | Int(frame[17])
        return Array(frame[(14 + headerLength)..<(14 + total)])
    }

    /// A ucarp advertisement frame as captured [LAB]: Ethernet source 00:00:5e:00:00:07,
    /// 224.0.0.18, TOS 0x10, DF, TTL 255, protocol 112.
    static let ucarpFrame =
        Upper.bytes(
            """
            01 00 5e 00 00 12 00 00 5e 00 00 07 08 00
            45 10 00 38 5a 1f 40 00 ff 70 00 00 0a 00 00 01 e0 00 00 12
            """) + CARPTests.advert

    static func vrrpV2(count: Int) -> [UInt8] {
        var out: [UInt8] = []
        VRRPAdvertisement(vrid: 7, priority: 100).emit(
            addresses: (0..<count).map { IPv4Address(10, 0, 0, UInt8($0 + 1)) }, into: &out)
        return out
    }

    @Test func tellsUcarpFromVRRP() throws {
        let payload = Self.ipPayload(Self.ucarpFrame)
        #expect(payload.count == 36)
        #expect(
            MACAddress(
                Self.ucarpFrame[6], Self.ucarpFrame[7], Self.ucarpFrame[8], Self.ucarpFrame[9], Self.ucarpFrame[10],
                Self.ucarpFrame[11]) == CARPAdvertisement.ucarpSourceMAC(vhid: 7))
        #expect(Protocol112.classify(payload.span) == .carp)
        #expect(Protocol112Kind.classify(payload.span) == .carp)
        // What tcpdump shows: read as VRRPv2 it "parses" with 7 bogus addresses from the HMAC,
        // because octet 3 (authlen 7) is taken for a count and 36 ≠ 16 + 28 is not checked.
        #expect(try CARPAdvertisement.parse(payload.span).vhid == 7)
    }

    @Test func thirtySixOctetVRRPv2StaysVRRP() {
        let five = Self.vrrpV2(count: 5)
        #expect(five.count == 36 && five[3] == 5)
        #expect(Protocol112.classify(five.span) == .vrrpV2)
        let seven = Self.vrrpV2(count: 7)
        #expect(seven.count == 44 && seven[3] == 7)
        #expect(Protocol112.classify(seven.span) == .vrrpV2)
        let keepalived = VRRPTests.keepalived
        #expect(Protocol112.classify(keepalived.span) == .vrrpV2)
    }

    @Test func versionThreeIsVRRPv3() {
        let v3 = VRRPTests.v3Pseudo
        #expect(Protocol112.classify(v3.span) == .vrrpV3)
        var v3seven = Self.vrrpV2(count: 7)
        v3seven[0] = 0x31
        #expect(Protocol112.classify(Array(v3seven[0..<36]).span) == .vrrpV3)
    }

    @Test func ethernetPaddingMustNotCount() {
        // A one-address VRRPv2 frame is 54 octets, padded to 60 on the wire.
        var frame =
            Upper.bytes(
                """
                01 00 5e 00 00 12 02 aa 00 00 00 01 08 00
                45 c0 00 28 00 00 00 00 ff 70 00 00 0a 63 00 01 e0 00 00 12
                """) + VRRPTests.keepalived
        frame += [0, 0, 0, 0, 0, 0]
        #expect(frame.count == 60)
        #expect(Protocol112.classify(Self.ipPayload(frame).span) == .vrrpV2)
        #expect(Protocol112.classify(Array(frame[34...]).span) == .unknown)  // the frame tail: wrong
    }

    @Test func snapLengthCutUsesTheDeclaredLength() {
        let cut = Array(CARPTests.advert[0..<20])
        #expect(Protocol112.classify(cut.span) == .unknown)
        #expect(Protocol112.classify(cut.span, declaredLength: 36) == .carp)
        #expect(Protocol112.classify(Array(VRRPTests.keepalived[0..<8]).span, declaredLength: 20) == .vrrpV2)
    }

    @Test func unknownPayloads() {
        #expect(Protocol112.classify([UInt8]().span) == .unknown)
        #expect(Protocol112.classify([0x21, 0x07].span) == .unknown)
        #expect(Protocol112.classify([0x11, 0x07, 0, 1, 0, 0, 0, 0].span) == .unknown)
        var wrongLength = Self.vrrpV2(count: 2)
        wrongLength.append(0)
        #expect(Protocol112.classify(wrongLength.span) == .unknown)
        #expect(Protocol112Kind.carp.description == "CARP")
    }
}
