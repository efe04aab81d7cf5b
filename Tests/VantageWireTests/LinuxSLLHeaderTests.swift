import Testing
import VantageWire

@Suite struct LinuxSLLHeaderTests {
    /// LINKTYPE_LINUX_SLL, outgoing ARP request (tcpdump: "Out 02:00:5e:10:00:01 ethertype ARP").
    static let outgoingARP = hexBytes(
        "0004 0001 0006 02005e1000010000 0806 000108000604000102005e1000010a0000020000000000000a000001")

    @Test func parsesCookedHeader() throws {
        let header = try LinuxSLLHeader.parse(Self.outgoingARP.span)
        #expect(header.packetType == .outgoing)
        #expect(header.hardwareType == .ethernet)
        #expect(header.addressLength == 6)
        #expect(header.address == MACAddress("02:00:5e:10:00:01"))
        #expect(header.addressRange == 6..<12)
        #expect(header.protocolType == .arp)
        #expect(header.payloadOffset == 16)
        #expect(header.description == "Out 02:00:5e:10:00:01 ethertype ARP (0x0806)")
        let arp = try ARPPacket.parse(Self.outgoingARP.span.extracting(16..<Self.outgoingARP.count))
        #expect(arp.variant == .request)
    }

    @Test func keepsOddAddressLengthsAndSpecialProtocols() throws {
        // Loopback (ARPHRD 772), no address, protocol 0x0004 (802.2 LLC follows); halen 10 (> 8).
        let bytes = hexBytes("0000 0304 0000 0000000000000000 0004")
        let header = try LinuxSLLHeader.parse(bytes.span)
        #expect(header.address == nil && header.addressLength == 0 && header.addressRange.isEmpty)
        #expect(header.hardwareType == .loopback && header.protocolType == LinuxSLLHeader.protocolLLC)
        #expect(header.packetType == .host)
        let long = try LinuxSLLHeader.parse(hexBytes("0003 0020 000a 0102030405060708 86dd").span)
        #expect(long.address == nil && long.addressLength == 10 && long.addressRange == 6..<14)
        #expect(long.packetType == .otherHost && long.hardwareType == .infiniband)
        let unknown = try LinuxSLLHeader.parse(hexBytes("0007 ffff 0006 0102030405060000 0800").span)
        #expect(unknown.packetType.rawValue == 7 && unknown.packetType.description == "pkttype-7")
        #expect(unknown.hardwareType == .void)
    }

    @Test func emitsAndRoundTrips() throws {
        let header = LinuxSLLHeader(packetType: .outgoing, address: MACAddress("02:00:5e:10:00:01"), protocolType: .arp)
        var out: [UInt8] = []
        header.emit(into: &out)
        #expect(out == Array(Self.outgoingARP[0..<16]))
        #expect(try LinuxSLLHeader.parse(out.span) == header)
        for packetType in [LinuxPacketType.host, .broadcast, .multicast, .otherHost, .outgoing] {
            let noAddress = LinuxSLLHeader(
                packetType: packetType, hardwareType: .none, address: nil, protocolType: .ipv4)
            out = []
            noAddress.emit(into: &out)
            #expect(try LinuxSLLHeader.parse(out.span) == noAddress)
        }
    }

    @Test func truncationAtEveryLength() {
        expectTruncatedBelow(16, of: Self.outgoingARP, layer: .linuxSLL) { try LinuxSLLHeader.parse($0) }
        expectParsesFrom(16, of: Self.outgoingARP) { try LinuxSLLHeader.parse($0) }
    }

    @Test func noiseNeverTraps() {
        expectNoTrapOnNoise(
            seeds: [Self.outgoingARP], parse: { try LinuxSLLHeader.parse($0) }, ranges: { [$0.addressRange] })
    }
}
