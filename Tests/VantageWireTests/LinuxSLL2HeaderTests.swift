import Testing
import VantageWire

@Suite struct LinuxSLL2HeaderTests {
    /// LINKTYPE_LINUX_SLL2 as `tcpdump -i any` writes it: ARP in on ifindex 3.
    static let incomingARP = hexBytes(
        "0806 0000 00000003 0001 00 06 02005e1000010000 000108000604000102005e1000010a0000020000000000000a000001")

    @Test func parsesCookedV2Header() throws {
        let header = try LinuxSLL2Header.parse(Self.incomingARP.span)
        #expect(header.protocolType == .arp)
        #expect(header.reserved == 0)
        #expect(header.interfaceIndex == 3)
        #expect(header.hardwareType == .ethernet)
        #expect(header.packetType == .host)
        #expect(header.addressLength == 6 && header.address == MACAddress("02:00:5e:10:00:01"))
        #expect(header.addressRange == 12..<18)
        #expect(header.payloadOffset == 20)
        #expect(header.description == "ifindex 3 In 02:00:5e:10:00:01 ethertype ARP (0x0806)")
        let arp = try ARPPacket.parse(Self.incomingARP.span.extracting(20..<Self.incomingARP.count))
        #expect(arp.targetIP == IPv4Address(10, 0, 0, 1))
    }

    @Test func keepsNonMACAddresses() throws {
        // A tun device: ARPHRD_NONE, halen 0, outgoing IPv6.
        let header = try LinuxSLL2Header.parse(hexBytes("86dd 0000 0000000b fffe 04 00 0000000000000000").span)
        #expect(header.address == nil && header.addressLength == 0)
        #expect(header.hardwareType == .none && header.packetType == .outgoing && header.interfaceIndex == 11)
        let long = try LinuxSLL2Header.parse(hexBytes("0800 0000 ffffffff 0020 02 14 0102030405060708").span)
        #expect(long.addressLength == 20 && long.address == nil && long.addressRange == 12..<20)
        #expect(long.interfaceIndex == 0xFFFF_FFFF && long.packetType == .multicast)
    }

    @Test func emitsAndRoundTrips() throws {
        let header = LinuxSLL2Header(
            protocolType: .arp, interfaceIndex: 3, packetType: .host, address: MACAddress("02:00:5e:10:00:01"))
        var out: [UInt8] = []
        header.emit(into: &out)
        #expect(out == Array(Self.incomingARP[0..<20]))
        #expect(try LinuxSLL2Header.parse(out.span) == header)
        let reserved = LinuxSLL2Header(
            protocolType: .ipv4, interfaceIndex: 1, packetType: .broadcast, address: nil, reserved: 0xBEEF)
        out = []
        reserved.emit(into: &out)
        #expect(try LinuxSLL2Header.parse(out.span) == reserved)
    }

    @Test func truncationAtEveryLength() {
        expectTruncatedBelow(20, of: Self.incomingARP, layer: .linuxSLL2) { try LinuxSLL2Header.parse($0) }
        expectParsesFrom(20, of: Self.incomingARP) { try LinuxSLL2Header.parse($0) }
    }

    @Test func noiseNeverTraps() {
        expectNoTrapOnNoise(
            seeds: [Self.incomingARP], parse: { try LinuxSLL2Header.parse($0) }, ranges: { [$0.addressRange] })
    }
}
