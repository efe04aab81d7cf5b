import Testing
import VantageWire

@Suite struct ARPPacketTests {
    static let hostA = MACAddress("02:00:5e:10:00:01")!
    static let hostB = MACAddress("02:00:5e:10:00:02")!

    /// ARP part (after Ethernet) of frames checked with tshark 4.0 (its label in the comment).
    static func payload(_ frameHex: String) -> [UInt8] { Array(hexBytes(frameHex).dropFirst(14)) }

    /// A captured who-has with junk link padding: "Who has 24.166.173.159? Tell 24.166.172.1".
    static let capturedRequest = payload(
        "ffffffffffff00070daff4540806000108000604000100070daff45418a6ac0100000000000018a6ad9f"
            + "0604000100070daff45418a6ac0100000000")
    /// "Who has 10.0.0.50? (ARP Probe)".
    static let probe = payload(
        "ffffffffffff02005e1000010806000108000604000102005e100001000000000000000000000a000032"
            + "000000000000000000000000000000000000")
    /// "ARP Announcement for 10.0.0.50".
    static let announcement = payload(
        "ffffffffffff02005e1000010806000108000604000102005e1000010a0000320000000000000a000032"
            + "000000000000000000000000000000000000")
    /// "Gratuitous ARP for 10.0.0.100 (Request)", THA broadcast (keepalived).
    static let garpBroadcast = payload(
        "ffffffffffff02005e1000010806000108000604000102005e1000010a000064ffffffffffff0a000064"
            + "000000000000000000000000000000000000")
    /// "Gratuitous ARP for 10.0.0.100 (Request)", THA = SHA (ucarp).
    static let garpOwnMAC = payload(
        "ffffffffffff02005e1000010806000108000604000102005e1000010a00006402005e1000010a000064"
            + "000000000000000000000000000000000000")
    /// "Gratuitous ARP for 10.0.0.100 (Reply)" (arping -A).
    static let garpReply = payload(
        "ffffffffffff02005e1000010806000108000604000202005e1000010a00006402005e1000010a000064"
            + "000000000000000000000000000000000000")
    /// "10.0.0.1 is at 02:00:5e:10:00:01".
    static let reply = payload(
        "02005e10000202005e1000010806000108000604000202005e1000010a00000102005e1000020a000002"
            + "000000000000000000000000000000000000")
    /// arping 2.23 style: 58-octet frame, "ARP length 44" (the ARP payload itself padded).
    static let arpingPadded = payload(
        "ffffffffffff02005e1000010806000108000604000102005e1000010a000002ffffffffffff0a000001"
            + "00000000000000000000000000000000")

    @Test func parsesCapturedRequest() throws {
        let arp = try ARPPacket.parse(Self.capturedRequest.span)
        #expect(arp.hardwareType == .ethernet && arp.protocolType == .ipv4)
        #expect(arp.hardwareLength == 6 && arp.protocolLength == 4)
        #expect(arp.operation == .request)
        #expect(arp.senderMAC == MACAddress("00:07:0d:af:f4:54"))
        #expect(arp.senderIP == IPv4Address(24, 166, 172, 1))
        #expect(arp.targetMAC == .zero)
        #expect(arp.targetIP == IPv4Address(24, 166, 173, 159))
        #expect(arp.isEthernetIPv4 && arp.length == 28 && arp.addressesRange == 8..<28)
        #expect(arp.variant == .request)
        #expect(arp.description == "ARP, Request who-has 24.166.173.159 tell 24.166.172.1")
    }

    @Test func classifiesTheFiveVariantsOfTheTable() throws {
        let cases: [([UInt8], ARPVariant, String)] = [
            (Self.probe, .probe, "ARP, Request who-has 10.0.0.50 tell 0.0.0.0 (probe)"),
            (Self.announcement, .announcement, "ARP, Request who-has 10.0.0.50 tell 10.0.0.50 (announcement)"),
            (
                Self.garpBroadcast, .gratuitousRequest,
                "ARP, Request who-has 10.0.0.100 (ff:ff:ff:ff:ff:ff) tell 10.0.0.100 (gratuitous)"
            ),
            (
                Self.garpOwnMAC, .gratuitousRequest,
                "ARP, Request who-has 10.0.0.100 (02:00:5e:10:00:01) tell 10.0.0.100 (gratuitous)"
            ),
            (Self.garpReply, .gratuitousReply, "ARP, Reply 10.0.0.100 is-at 02:00:5e:10:00:01 (gratuitous)"),
            (Self.reply, .reply, "ARP, Reply 10.0.0.1 is-at 02:00:5e:10:00:01"),
        ]
        for (bytes, variant, text) in cases {
            let arp = try ARPPacket.parse(bytes.span)
            #expect(arp.variant == variant, "\(text)")
            #expect(arp.description == text)
            #expect(arp.variant.isGratuitous == (variant == .gratuitousRequest || variant == .gratuitousReply))
        }
    }

    @Test func classifiesBuiltVariantsAndEdgeCases() {
        let a = Self.hostA
        let vip = IPv4Address(10, 0, 0, 100)
        #expect(ARPPacket.probe(from: a, candidate: vip).variant == .probe)
        #expect(ARPPacket.announcement(from: a, address: vip).variant == .announcement)
        #expect(ARPPacket.gratuitousRequest(from: a, address: vip).variant == .gratuitousRequest)
        #expect(ARPPacket.gratuitousRequest(from: a, address: vip, targetMAC: a).variant == .gratuitousRequest)
        #expect(ARPPacket.gratuitousReply(from: a, address: vip).variant == .gratuitousReply)
        #expect(ARPPacket.request(from: a, ip: IPv4Address(10, 0, 0, 2), whoHas: vip).variant == .request)
        // SPA = TPA but THA some other MAC: not gratuitous.
        var odd = ARPPacket.gratuitousRequest(from: a, address: vip, targetMAC: Self.hostB)
        #expect(odd.variant == .request)
        // A reply with SPA = TPA but THA ≠ SHA is a plain reply (Linux `arp_is_garp`).
        odd = ARPPacket.reply(from: a, ip: vip, to: Self.hostB, targetIP: vip)
        #expect(odd.variant == .reply)
        // A probe needs THA zero.
        odd = ARPPacket(
            operation: .request, senderMAC: a, senderIP: IPv4Address(0, 0, 0, 0), targetMAC: .broadcast, targetIP: vip)
        #expect(odd.variant == .request)
        let rarp = ARPPacket(
            operation: .rarpRequest, senderMAC: a, senderIP: .init(rawValue: 0), targetMAC: a,
            targetIP: .init(rawValue: 0))
        #expect(
            rarp.variant == .rarpRequest
                && rarp.description == "RARP, Reverse Request who-is 02:00:5e:10:00:01 tell 02:00:5e:10:00:01")
        #expect(ARPPacket(operation: .rarpReply, senderMAC: a, senderIP: vip, targetIP: vip).variant == .rarpReply)
        #expect(ARPPacket(operation: .inARPRequest, senderMAC: a, senderIP: vip, targetIP: vip).variant == .other)
        #expect(
            ARPPacket(operation: ARPOperation(rawValue: 77), senderMAC: a, senderIP: vip, targetIP: vip).variant
                == .other)
        #expect(ARPOperation(rawValue: 77).description == "Unknown (77)")
    }

    @Test func arpingPaddedRequestIgnoresPadding() throws {
        #expect(Self.arpingPadded.count == 44)
        let arp = try ARPPacket.parse(Self.arpingPadded.span)
        #expect(arp.length == 28)
        #expect(arp.senderIP == IPv4Address(10, 0, 0, 2) && arp.targetIP == IPv4Address(10, 0, 0, 1))
        #expect(arp.targetMAC == .broadcast)
        #expect(arp.variant == .request)
        #expect(arp.description == "ARP, Request who-has 10.0.0.1 (ff:ff:ff:ff:ff:ff) tell 10.0.0.2")
    }

    @Test func otherAddressSizesKeepOnlyTheRange() throws {
        // InfiniBand (h = 20) over IPv4: 8 + 40 + 8 = 56 octets.
        var bytes: [UInt8] = [0x00, 0x20, 0x08, 0x00, 20, 4, 0x00, 0x01]
        bytes += (0..<48).map { UInt8($0) }
        let arp = try ARPPacket.parse(bytes.span)
        #expect(!arp.isEthernetIPv4)
        #expect(arp.hardwareType == .infiniband && arp.hardwareLength == 20 && arp.protocolLength == 4)
        #expect(arp.length == 56 && arp.addressesRange == 8..<56)
        #expect(arp.senderMAC == .zero && arp.senderIP.rawValue == 0 && arp.targetIP.rawValue == 0)
        #expect(arp.variant == .request)
        #expect(!arp.senderMACDiffers(fromEthernetSource: Self.hostA))
        // Largest lengths: 8 + 510 + 510; one octet short is truncated, never a trap.
        let huge: [UInt8] = [0, 1, 8, 0, 255, 255, 0, 2] + [UInt8](repeating: 0xAB, count: 1020)
        #expect(try ARPPacket.parse(huge.span).length == 1028)
        #expect(throws: DecodeError.truncated(layer: .arp, needed: 1028, available: 1027)) {
            try ARPPacket.parse(Array(huge.dropLast()).span)
        }
        var out: [UInt8] = []
        arp.emit(into: &out)
        #expect(out.count == 56 && Array(out[0..<8]) == Array(bytes[0..<8]))
        #expect(try ARPPacket.parse(out.span) == arp)
    }

    @Test func senderMACMismatch() throws {
        let arp = try ARPPacket.parse(Self.reply.span)
        #expect(!arp.senderMACDiffers(fromEthernetSource: Self.hostA))
        #expect(arp.senderMACDiffers(fromEthernetSource: MACAddress("02:bf:0a:00:00:05")!))
    }

    @Test func emitsAndRoundTrips() throws {
        let garp = ARPPacket.gratuitousRequest(from: Self.hostA, address: IPv4Address(10, 0, 0, 100))
        var out: [UInt8] = []
        garp.emit(into: &out)
        #expect(out == Array(Self.garpBroadcast[0..<28]))
        #expect(try ARPPacket.parse(out.span) == garp)
        for bytes in [Self.capturedRequest, Self.probe, Self.announcement, Self.garpOwnMAC, Self.garpReply, Self.reply]
        {
            let arp = try ARPPacket.parse(bytes.span)
            out = []
            arp.emit(into: &out)
            #expect(out == Array(bytes[0..<28]))
            #expect(try ARPPacket.parse(out.span) == arp)
        }
    }

    @Test func truncationAtEveryLength() {
        expectTruncatedBelow(28, of: Self.capturedRequest, layer: .arp) { try ARPPacket.parse($0) }
        expectParsesFrom(28, of: Self.arpingPadded) { try ARPPacket.parse($0) }
    }

    @Test func noiseNeverTraps() {
        expectNoTrapOnNoise(
            seeds: [Self.capturedRequest, Self.garpReply, Self.arpingPadded], parse: { try ARPPacket.parse($0) },
            ranges: { [$0.addressesRange] })
    }
}
