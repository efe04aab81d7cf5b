import Testing
import VantageWire

/// FrameBuilder output against bytes checked with tshark (the vectors of the per-protocol
/// tests), plus lengths, checksums, padding, VLAN tags and the link wrappings.
@Suite struct FrameBuilderTests {
    static let hostA = MACAddress("02:00:5e:10:00:01")!
    static let hostB = MACAddress("02:00:5e:10:00:02")!
    static let padding = String(repeating: "00", count: 18)

    static func decode(_ frame: [UInt8]) -> DecodedPacket { PacketDecoder().decode(frame.span, linkType: .ethernet) }

    // MARK: - Golden frames

    /// The ARP frames of ARPPacketTests (tshark 4.0 labels), padded to 60 octets.
    @Test func arpVariantsMatchTsharkCheckedFrames() {
        let a = Self.hostA
        let cases: [([UInt8], String)] = [
            (
                FrameBuilder.arpProbe(from: a, candidate: IPv4Address(10, 0, 0, 50)),
                "ffffffffffff02005e1000010806000108000604000102005e100001000000000000000000000a000032"
            ),
            (
                FrameBuilder.arpAnnouncement(from: a, ip: IPv4Address(10, 0, 0, 50)),
                "ffffffffffff02005e1000010806000108000604000102005e1000010a0000320000000000000a000032"
            ),
            (
                FrameBuilder.gratuitousARP(from: a, ip: IPv4Address(10, 0, 0, 100)),
                "ffffffffffff02005e1000010806000108000604000102005e1000010a000064ffffffffffff0a000064"
            ),
            (
                FrameBuilder.gratuitousARP(from: a, ip: IPv4Address(10, 0, 0, 100), style: .ucarp),
                "ffffffffffff02005e1000010806000108000604000102005e1000010a00006402005e1000010a000064"
            ),
            (
                FrameBuilder.gratuitousARP(from: a, ip: IPv4Address(10, 0, 0, 100), style: .reply),
                "ffffffffffff02005e1000010806000108000604000202005e1000010a00006402005e1000010a000064"
            ),
            (
                FrameBuilder.arpReply(
                    from: a, ip: IPv4Address(10, 0, 0, 1), to: Self.hostB, targetIP: IPv4Address(10, 0, 0, 2)),
                "02005e10000202005e1000010806000108000604000202005e1000010a00000102005e1000020a000002"
            ),
        ]
        for (built, hex) in cases {
            #expect(built == hexBytes(hex + Self.padding))
        }
        // A sending host's capture: no padding.
        let unpadded = FrameBuilder.arpProbe(from: a, candidate: IPv4Address(10, 0, 0, 50), padTo: 0)
        #expect(
            unpadded == hexBytes("ffffffffffff02005e1000010806000108000604000102005e100001000000000000000000000a000032")
        )
    }

    /// The keepalived VRRPv2 advert of VRRPTests, in a full frame with a valid IPv4 header.
    @Test func vrrpAdvertCarriesTheKeepalivedMessage() throws {
        let master = IPv4Address(10, 99, 0, 1)
        let frame = FrameBuilder.vrrpAdvert(
            vrid: 51, priority: 150, addresses: [IPv4Address(10, 99, 0, 100)], from: master)
        #expect(frame.count == 60)  // 14 + 20 + 20 = 54, padded
        #expect(Array(frame[0..<14]) == hexBytes("01005e000012 00005e000133 0800"))
        let ip = try IPv4Header.parse(frame.span.extracting(14...))
        #expect(ip.headerChecksumValid && ip.ttl == 255 && ip.protocol == .vrrp)
        #expect(ip.source == master && ip.destination == FrameBuilder.vrrpGroup && ip.totalLength == 40)
        #expect(Array(frame[34..<54]) == Upper.bytes("21 33 96 01 00 01 3e 03 | 0a 63 00 64 | 00 00 00 00 00 00 00 00"))
        #expect(frame[54...].allSatisfy { $0 == 0 })

        let v3 = FrameBuilder.vrrpAdvert(
            vrid: 51, addresses: [IPv4Address(10, 99, 0, 100)], from: master, version: 3)
        #expect(Array(v3[34..<46]) == Upper.bytes("31 33 64 01 00 64 74 ad 0a 63 00 64"))
        let v3AsV2 = FrameBuilder.vrrpAdvert(
            vrid: 51, addresses: [IPv4Address(10, 99, 0, 100)], from: master, version: 3,
            v3ChecksumIncludesPseudoHeader: false)
        #expect(Array(v3AsV2[34..<46]) == Upper.bytes("31 33 64 01 00 64 5f a0 0a 63 00 64"))

        let password = FrameBuilder.vrrpAdvert(vrid: 1, addresses: [], from: master, password: "secret")
        let advert = try VRRPAdvertisement.parse(password.span.extracting(34..<50))
        #expect(advert.authType == .simpleText && advert.description.contains("auth \"secret\""))
    }

    /// The seed SYN of TCPHeaderTests (tshark-checked checksum 0xd9aa) rebuilt from its fields.
    @Test func tcpRebuildsTheSeedSYN() {
        let options = TCPOptions(
            mss: 1460, windowScale: 6, sackPermitted: true, timestampValue: 371_382_342, timestampEcho: 0,
            layout: TCPOptionLayout([.maximumSegmentSize, .noOperation, .windowScale, .sackPermitted, .timestamp]))
        let frame = FrameBuilder.tcp(
            from: (Self.hostA, IPv4Address(192, 168, 0, 17), 30892), to: (Self.hostB, IPv4Address(192, 168, 80, 2), 80),
            flags: [.syn], seq: 1_377_231_734, window: 65535, options: options)
        #expect(Array(frame[34...]) == TCPHeaderTests.syn)
    }

    /// CRC-32 check value: "123456789" -> 0xCBF43926, appended least significant octet first.
    @Test func fcsIsTheIEEECRC32() {
        let data = Array("123456789".utf8)
        #expect(FrameBuilder.appendingFCS(data) == data + [0x26, 0x39, 0xF4, 0xCB])
        // The residue property: the CRC over frame + FCS is the constant 0x2144DF1C.
        let frame = BuiltFrames.arpRequest
        let withFCS = FrameBuilder.appendingFCS(frame)
        #expect(FrameBuilder.appendingFCS(withFCS).suffix(4) == [0x1C, 0xDF, 0x44, 0x21])
    }

    // MARK: - Lengths and checksums

    /// Every catalogue frame decodes with no checksum or length anomaly, even when the decoder
    /// verifies the transport checksums.
    @Test func everyBuiltFrameHasCorrectLengthsAndChecksums() {
        let decoder = PacketDecoder(verifyTransportChecksums: true)
        for (name, frame) in BuiltFrames.catalogue {
            let packet = decoder.decode(frame.span, linkType: .ethernet)
            #expect(packet.stop == nil, "\(name): \(packet.stop.map { "\($0)" } ?? "")")
            #expect(
                packet.anomalies.isDisjoint(with: [
                    .ipv4BadChecksum, .transportBadChecksum, .redundancyBadChecksum, .ipLengthExceedsFrame,
                ]), "\(name): \(packet.anomalies)")
            #expect(frame.count >= FrameBuilder.minimumFrameLength, "\(name) is \(frame.count) octets")
            if let ipv4 = packet.ipv4 {
                #expect(packet.networkOffset + ipv4.totalLength <= frame.count, "\(name)")
                #expect(ipv4.headerChecksumValid, "\(name)")
            }
            if let ipv6 = packet.ipv6 {
                #expect(packet.networkOffset + 40 + ipv6.payloadLength <= frame.count, "\(name)")
            }
        }
    }

    @Test func vrrpV3ChecksumsUseThePseudoHeader() throws {
        for frame in [BuiltFrames.vrrpV3, BuiltFrames.vrrpV6] {
            let packet = PacketDecoder().decode(frame.span, linkType: .ethernet)
            guard case .vrrp(let advert) = packet.transport else {
                Issue.record("not VRRP")
                continue
            }
            let pseudo: PseudoHeader =
                if let ipv4 = packet.ipv4 { ipv4.pseudoHeader } else { try #require(packet.ipv6).pseudoHeader }
            let bytes = frame.span.extracting(packet.transportOffset..<(packet.transportOffset + advert.length))
            #expect(advert.checksumKind(bytes, pseudo: pseudo) == .pseudoHeader)
        }
    }

    @Test func udpWithoutChecksumSendsZero() throws {
        let frame = FrameBuilder.udp(
            from: BuiltFrames.clientEndpoint, to: BuiltFrames.serverEndpoint, payload: [1, 2], checksum: false)
        #expect(frame[40] == 0 && frame[41] == 0)
        let packet = PacketDecoder(verifyTransportChecksums: true).decode(frame.span, linkType: .ethernet)
        #expect(packet.udp?.checksum == 0 && !packet.anomalies.contains(.transportBadChecksum))
    }

    @Test func ipv4OptionsArePaddedAndCounted() throws {
        let frame = FrameBuilder.ipv4(
            from: (Self.hostA, BuiltFrames.client), to: (Self.hostB, BuiltFrames.server),
            protocol: IPProtocol(rawValue: 253),
            payload: [9, 9, 9], options: [0x01, 0x01, 0x01, 0x01, 0x01])
        let header = try IPv4Header.parse(frame.span.extracting(14...))
        #expect(header.headerLength == 28 && header.totalLength == 31 && header.headerChecksumValid)
        #expect(Array(frame[34..<42]) == [1, 1, 1, 1, 1, 0, 0, 0])
        #expect(Array(frame[42..<45]) == [9, 9, 9])
        let report = BuiltFrames.igmpReport
        let igmp = try IPv4Header.parse(report.span.extracting(14...))
        #expect(igmp.headerLength == 24 && igmp.ttl == 1 && igmp.destination == IPv4Address(239, 1, 2, 3))
        #expect(Array(BuiltFrames.igmpReport[34..<38]) == FrameBuilder.routerAlertOption)
        #expect(Array(BuiltFrames.igmpReport[0..<6]) == hexBytes("01005e010203"))
    }

    // MARK: - Ethernet, VLAN, padding

    @Test func vlanTagsAndQinQ() throws {
        let single = BuiltFrames.vlanARP
        #expect(Array(single[12..<18]) == hexBytes("8100 0064 0806"))
        let qinq = BuiltFrames.qinqTCP
        #expect(Array(qinq[12..<22]) == hexBytes("88a8 0064 8100 00c8 0800"))
        let priority = BuiltFrames.vlanVRRP
        #expect(Array(priority[12..<18]) == hexBytes("8100 c02a 0800"))
        let custom = FrameBuilder.ethernet(
            src: Self.hostA, dst: Self.hostB, type: .ipv4, payload: [],
            vlans: [FrameBuilder.VLAN(5, tpid: .qinqLegacy), FrameBuilder.VLAN(6, dropEligible: true)], padTo: 0)
        #expect(custom == hexBytes("02005e100002 02005e100001 9100 0005 8100 1006 0800"))
        let located = try #require(FrameBuilder.networkLayer(in: qinq))
        #expect(located.type == .ipv4 && located.offset == 22)
    }

    @Test func paddingIsZerosUpToTheMinimum() {
        let frame = FrameBuilder.ethernet(
            src: Self.hostA, dst: Self.hostB, type: EtherType(rawValue: 0x88B5), payload: [1])
        #expect(frame.count == 60 && frame[15...].allSatisfy { $0 == 0 })
        let long = FrameBuilder.ethernet(
            src: Self.hostA, dst: Self.hostB, type: EtherType(rawValue: 0x88B5),
            payload: [UInt8](repeating: 7, count: 100))
        #expect(long.count == 114)
        let custom = FrameBuilder.ethernet(
            src: Self.hostA, dst: Self.hostB, type: EtherType(rawValue: 0x88B5), payload: [1], padTo: 64)
        #expect(custom.count == 64)
    }

    @Test func ieee8023LengthCountsLLCAndPayload() throws {
        let frame = BuiltFrames.stp
        let header = try EthernetHeader.parse(frame.span)
        #expect(header.isIEEE8023 && header.typeOrLength.rawValue == 38)
        #expect(Array(frame[14..<17]) == [0x42, 0x42, 0x03])
    }

    // MARK: - Addresses chosen by the builders

    @Test func redundancyFramesUseTheProtocolAddresses() throws {
        let carpFrame = BuiltFrames.carp
        let carp = try EthernetHeader.parse(carpFrame.span)
        #expect(carp.source == CARPAdvertisement.ucarpSourceMAC(vhid: 7))
        #expect(carp.destination == MACAddress("01:00:5e:00:00:12"))
        let vrrp6Frame = BuiltFrames.vrrpV6
        let vrrp6 = try EthernetHeader.parse(vrrp6Frame.span)
        #expect(vrrp6.source == VRRPAdvertisement.virtualMAC(vrid: 51, ipv6: true))
        #expect(vrrp6.destination == MACAddress("33:33:00:00:00:12"))
        let hsrp = Self.decode(BuiltFrames.hsrpV2)
        #expect(hsrp.ipv4?.destination == FrameBuilder.hsrpV2Group && hsrp.ipv4?.ttl == 1)
        #expect(hsrp.udp?.sourcePort == 1985 && hsrp.udp?.destinationPort == 1985)
        let nlbFrame = BuiltFrames.nlb
        let nlb = try EthernetHeader.parse(nlbFrame.span)
        #expect(nlb.source == MACAddress("02:02:0a:00:00:64") && nlb.destination == MACAddress("02:bf:0a:00:00:64"))
        #expect(nlb.typeOrLength == .nlbHeartbeat && BuiltFrames.nlb.count == 14 + NLBHeartbeat.fullLength)
        let multicast = FrameBuilder.nlbHeartbeat(
            hostID: 1, clusterIP: BuiltFrames.vip, dedicatedIP: BuiltFrames.client, mode: .multicast, length: 40)
        #expect(try EthernetHeader.parse(multicast.span).destination == MACAddress("03:bf:0a:00:00:64"))
        #expect(multicast.count == 60)
    }

    @Test func neighborDiscoveryAddresses() throws {
        let ns = Self.decode(BuiltFrames.neighborSolicitation)
        #expect(ns.ipv6?.destination == IPv6Address("ff02::1:ff00:2") && ns.ipv6?.hopLimit == 255)
        #expect(ns.destinationMAC == MACAddress("33:33:ff:00:00:02"))
        let dad = Self.decode(BuiltFrames.dadProbe)
        #expect(dad.ipv6?.source == .unspecified && dad.ipv6?.destination == IPv6Address("ff02::1:ff00:100"))
        let na = Self.decode(BuiltFrames.neighborAdvertisement)
        #expect(na.ipv6?.destination == .allNodes && na.destinationMAC == MACAddress("33:33:00:00:00:01"))
        let rs = Self.decode(BuiltFrames.routerSolicitation)
        #expect(rs.ipv6?.destination == FrameBuilder.allRouters)
    }

    // MARK: - Wrappings

    @Test func wrappingsCarryTheSameNetworkPacket() throws {
        let frame = BuiltFrames.tcpSYN
        let packet = Array(frame[14...])
        #expect(FrameBuilder.rawIP(wrapping: frame) == packet)
        #expect(FrameBuilder.null(wrapping: frame) == [2, 0, 0, 0] + packet)
        #expect(FrameBuilder.loop(wrapping: frame) == [0, 0, 0, 2] + packet)
        let sll = FrameBuilder.linuxSLL(wrapping: frame)
        #expect(Array(sll[0..<16]) == hexBytes("0000 0001 0006 02005e100001 0000 0800"))
        #expect(Array(sll[16...]) == packet)
        let sll2 = FrameBuilder.linuxSLL2(wrapping: frame, interfaceIndex: 3, packetType: .outgoing)
        #expect(Array(sll2[0..<20]) == hexBytes("0800 0000 00000003 0001 04 06 02005e100001 0000"))
        #expect(Array(sll2[20...]) == packet)

        // Padding is dropped for layer-3 wrappings, kept for cooked ones; VLAN tags too.
        let padded = BuiltFrames.vrrpV2
        #expect(FrameBuilder.rawIP(wrapping: padded).count == 40)
        #expect(FrameBuilder.linuxSLL(wrapping: padded).count == 16 + 46)
        let tagged = BuiltFrames.qinqTCP
        #expect(FrameBuilder.rawIP(wrapping: tagged) == Array(tagged[22...]))
        let cooked = FrameBuilder.linuxSLL2(wrapping: tagged)
        #expect(Array(cooked[0..<2]) == [0x88, 0xA8] && Array(cooked[20...]) == Array(tagged[14...]))

        // IPv6 families, and the packet types chosen from the destination.
        #expect(Array(FrameBuilder.null(wrapping: BuiltFrames.tcp6SYN)[0..<4]) == [30, 0, 0, 0])
        #expect(Array(FrameBuilder.loop(wrapping: BuiltFrames.tcp6SYN)[0..<4]) == [0, 0, 0, 24])
        #expect(
            Array(
                FrameBuilder.null(wrapping: BuiltFrames.tcp6SYN, littleEndian: false, inet6Family: .inet6Linux)[0..<4])
                == [0, 0, 0, 10])
        #expect(Array(FrameBuilder.linuxSLL(wrapping: BuiltFrames.arpRequest)[0..<2]) == [0, 1])
        #expect(Array(FrameBuilder.linuxSLL(wrapping: BuiltFrames.vrrpV2)[0..<2]) == [0, 2])
        #expect(Array(FrameBuilder.linuxSLL(wrapping: BuiltFrames.stp)[14..<16]) == [0, 4])

        #expect(
            FrameBuilder.LinkWrapping.allCases.map(\.linkType) == [
                .ethernet, .linuxSLL, .linuxSLL2, .null, .loop, .raw,
            ])
        #expect(!FrameBuilder.LinkWrapping.raw.canWrap(BuiltFrames.arpRequest))
        #expect(FrameBuilder.LinkWrapping.raw.canWrap(BuiltFrames.vlanVRRP))
        #expect(FrameBuilder.LinkWrapping.linuxSLL2.canWrap(BuiltFrames.nlb))
    }

    @Test func badIPv4ChecksumOnlyChangesTheChecksum() throws {
        let frame = BuiltFrames.qinqTCP
        let bad = FrameBuilder.withBadIPv4Checksum(frame)
        #expect(bad.count == frame.count)
        #expect(zip(frame, bad).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset) == [32, 33])
        #expect(try !IPv4Header.parse(bad.span.extracting(22...)).headerChecksumValid)
    }
}
