import Testing
import VantageWire

/// PacketDecoder on every kind of frame FrameBuilder makes: each layer and its key fields,
/// VLAN scoping, the other link types, FCS trimming, anomalies, protocol 112 and HTTP ports.
@Suite struct PacketDecoderTests {
    typealias F = BuiltFrames
    static let decoder = PacketDecoder()

    static func decode(_ frame: [UInt8], _ linkType: LinkType = .ethernet, fcs: Int = 0) -> DecodedPacket {
        decoder.decode(frame.span, linkType: linkType, fcsLength: fcs)
    }

    // MARK: - ARP

    @Test func arpVariants() throws {
        let cases: [([UInt8], ARPVariant, ARPOperation, IPv4Address, MACAddress, IPv4Address)] = [
            (F.arpRequest, .request, .request, F.client, .zero, F.server),
            (F.arpReply, .reply, .reply, F.server, F.clientMAC, F.client),
            (F.garpKeepalived, .gratuitousRequest, .request, F.vip, .broadcast, F.vip),
            (F.garpUcarp, .gratuitousRequest, .request, F.vip, F.serverMAC, F.vip),
            (F.garpReply, .gratuitousReply, .reply, F.vip, F.serverMAC, F.vip),
            (F.arpProbe, .probe, .request, .any, .zero, IPv4Address(10, 0, 0, 50)),
            (F.arpAnnouncement, .announcement, .request, IPv4Address(10, 0, 0, 50), .zero, IPv4Address(10, 0, 0, 50)),
        ]
        for (frame, variant, operation, spa, tha, tpa) in cases {
            let packet = Self.decode(frame)
            guard case .ethernet(let ethernet) = packet.link else {
                Issue.record("no Ethernet header")
                continue
            }
            #expect(ethernet.typeOrLength == .arp)
            let arp = try #require(packet.arp)
            #expect(arp.variant == variant)
            #expect(arp.operation == operation)
            #expect(arp.senderMAC == ethernet.source)
            #expect(arp.senderIP == spa && arp.targetMAC == tha && arp.targetIP == tpa)
            #expect(packet.networkOffset == 14)
            #expect(packet.stop == nil && packet.anomalies.isEmpty)
            if case .none = packet.transport {} else { Issue.record("ARP has no transport layer") }
            #expect(packet.vlanID == nil)
        }
        #expect(Self.decode(F.arpReply).destinationMAC == F.clientMAC)
        #expect(Self.decode(F.arpRequest).destinationMAC == .broadcast)
    }

    // MARK: - IPv4

    @Test func tcpHandshakeFields() throws {
        let syn = Self.decode(F.tcpSYN)
        let ip = try #require(syn.ipv4)
        #expect(ip.source == F.client && ip.destination == F.server && ip.protocol == .tcp)
        #expect(ip.ttl == 64 && ip.dontFragment && ip.totalLength == 60 && ip.headerChecksumValid)
        #expect(syn.networkOffset == 14 && syn.transportOffset == 34)
        let tcp = try #require(syn.tcp)
        #expect(tcp.sourcePort == 40000 && tcp.destinationPort == 80)
        #expect(tcp.flags == [.syn] && tcp.sequence == TCPSequenceNumber(1000))
        #expect(tcp.window == 64240 && tcp.headerLength == 40 && tcp.optionsComplete)
        #expect(tcp.options.mss == 1460 && tcp.options.windowScale == 7 && tcp.options.sackPermitted)
        #expect(tcp.options.timestampValue == 1 && tcp.options.timestampEcho == 0)
        #expect(tcp.options.layout.description == "mss,sackOK,TS,nop,wscale")
        #expect(tcp.payloadRange.isEmpty)
        #expect(syn.sourceMAC == F.clientMAC && syn.destinationMAC == F.serverMAC)
        if case .none = syn.application {} else { Issue.record("a SYN has no application layer") }

        let synAck = try #require(Self.decode(F.tcpSYNACK).tcp)
        #expect(synAck.flags == [.syn, .ack] && synAck.acknowledgment == TCPSequenceNumber(1001))
        #expect(synAck.sequence == TCPSequenceNumber(5000) && synAck.options.timestampEcho == 1)
        let reset = Self.decode(F.tcpReset)
        #expect(reset.tcp?.flags == [.rst, .ack] && reset.tcp?.headerLength == 20)
        #expect(reset.ipv4?.totalLength == 40 && F.tcpReset.count == 60)  // 54 octets, padded
        #expect(reset.tcp?.payloadRange == 20..<20)  // padding is not payload
    }

    @Test func udpIcmpAndIgmp() throws {
        let udp = Self.decode(F.udpDNS)
        #expect(udp.udp?.sourcePort == 53000 && udp.udp?.destinationPort == 53)
        #expect(udp.udp?.length == 13 && udp.udp?.payloadRange == 8..<13)
        if case .none = udp.application {} else { Issue.record("DNS is not decoded") }

        let ping = Self.decode(F.pingRequest)
        guard case .icmp(let request) = ping.transport else {
            Issue.record("no ICMP")
            return
        }
        #expect(request.type == .echoRequest && request.identifier == 7 && request.sequence == 3)
        #expect(request.payloadRange == 8..<64 && request.checksumValid == true)
        guard case .icmp(let reply) = Self.decode(F.pingReply).transport else {
            Issue.record("no ICMP")
            return
        }
        #expect(reply.type == .echoReply && reply.identifier == 7)

        let report = Self.decode(F.igmpReport)
        #expect(report.ipv4?.headerLength == 24 && report.ipv4?.ttl == 1)
        guard case .igmp(let v2) = report.transport else {
            Issue.record("no IGMP")
            return
        }
        #expect(v2.type == .v2Report && v2.version == 2 && v2.groupAddress == IPv4Address(239, 1, 2, 3))
        #expect(v2.checksumValid == true)
        guard case .igmp(let v3) = Self.decode(F.igmpV3Report).transport else {
            Issue.record("no IGMP")
            return
        }
        #expect(v3.version == 3 && v3.recordCount == 1 && v3.firstRecordGroup == IPv4Address(239, 1, 2, 3))
        #expect(Self.decode(F.igmpV3Report).ipv4?.destination == IPv4Address(224, 0, 0, 22))
        let queryPacket = Self.decode(F.igmpV3Query)
        guard case .igmp(let query) = queryPacket.transport else {
            Issue.record("no IGMP")
            return
        }
        #expect(query.isQuery && query.version == 3 && query.sourceCount == 2 && query.robustness == 2)
        #expect(query.queryIntervalSeconds == 125 && query.sourcesRange == 12..<20)
        #expect(queryPacket.ipv4?.destination == IPv4Address(224, 0, 0, 1))
    }

    // MARK: - Redundancy protocols

    @Test func vrrpAdverts() throws {
        let v2 = Self.decode(F.vrrpV2)
        #expect(v2.ipv4?.ttl == 255 && v2.ipv4?.destination == FrameBuilder.vrrpGroup)
        guard case .vrrp(let advert) = v2.transport else {
            Issue.record("not VRRP: \(v2.transport)")
            return
        }
        #expect(advert.version == 2 && advert.vrid == 51 && advert.priority == 150)
        #expect(advert.addressCount == 1 && advert.firstIPv4Address == F.vip)
        #expect(advert.advertisementIntervalCentiseconds == 100 && advert.trailingByteCount == 0)
        #expect(v2.sourceMAC == VRRPAdvertisement.virtualMAC(vrid: 51))
        #expect(v2.anomalies.isEmpty && v2.stop == nil)

        guard case .vrrp(let v3) = Self.decode(F.vrrpV3).transport else {
            Issue.record("not VRRP")
            return
        }
        #expect(v3.version == 3 && v3.authType == nil && v3.length == 12)
        #expect(Self.decode(F.vrrpV3).anomalies.isEmpty)

        let v6 = Self.decode(F.vrrpV6)
        guard case .vrrp(let advert6) = v6.transport else {
            Issue.record("not VRRP")
            return
        }
        #expect(advert6.version == 3 && advert6.addressFamily == .ipv6 && advert6.addressCount == 2)
        #expect(advert6.firstIPv6Address == F.global6)
        #expect(v6.ipv6?.hopLimit == 255 && v6.ipv6?.destination == FrameBuilder.vrrpGroup6)
        #expect(v6.anomalies.isEmpty && v6.stop == nil)
    }

    /// Protocol 112: a ucarp advert (36 octets, octet 3 = 7) is CARP; a VRRPv2 advert with five
    /// addresses (also 36 octets) is VRRP; Ethernet padding never changes the verdict.
    @Test func carpVersusVRRPOnProtocol112() throws {
        let carp = Self.decode(F.carp)
        guard case .carp(let advert) = carp.transport else {
            Issue.record("ucarp advert not CARP: \(carp.transport)")
            return
        }
        #expect(advert.vhid == 7 && advert.advskew == 100 && advert.advbase == 1 && advert.authLength == 7)
        #expect(advert.counter == 0x1122_3344_5566_7788 && advert.trailingByteCount == 0)
        #expect(carp.sourceMAC == CARPAdvertisement.ucarpSourceMAC(vhid: 7))
        #expect(carp.anomalies.isEmpty)
        #expect(F.carp.count == 70)

        let five = Self.decode(F.vrrpV2Five)
        guard case .vrrp(let vrrp) = five.transport else {
            Issue.record("VRRPv2 with five addresses not VRRP: \(five.transport)")
            return
        }
        #expect(vrrp.addressCount == 5 && vrrp.length == 36 && vrrp.vrid == 52)
        let fiveFrame = F.vrrpV2Five
        #expect(vrrp.description(in: fiveFrame.span.extracting(34...)).contains("10.0.1.5"))

        // Padded frames: a one-address VRRPv2 advert (54 -> 60 octets) is still VRRPv2, not
        // "unknown" with 6 trailing octets; a zero-address one (50 -> 60) too.
        for addresses in [[F.vip], []] {
            let frame = FrameBuilder.vrrpAdvert(vrid: 3, addresses: addresses, from: F.server)
            #expect(frame.count == 60)
            guard case .vrrp(let padded) = Self.decode(frame).transport else {
                Issue.record("padded VRRP not VRRP")
                continue
            }
            #expect(padded.trailingByteCount == 0 && padded.addressCount == addresses.count)
        }
        // A ucarp advert in a 64-octet padded VLAN frame is CARP all the same.
        let tagged = FrameBuilder.carpAdvert(vhid: 1, from: F.server, vlans: [10], padTo: 90)
        #expect(tagged.count == 90)
        guard case .carp = Self.decode(tagged).transport else {
            Issue.record("padded CARP not CARP")
            return
        }
        // The BSD kernel's source MAC: CARP, no VRRP source anomaly.
        let kernel = FrameBuilder.carpAdvert(vhid: 5, from: F.server, sourceMAC: CARPAdvertisement.virtualMAC(vhid: 5))
        #expect(Self.decode(kernel).anomalies.isEmpty)
    }

    @Test func hsrpHellos() throws {
        let v1 = Self.decode(F.hsrpV1)
        guard case .hsrp(let hello) = v1.application else {
            Issue.record("no HSRP")
            return
        }
        #expect(hello.version == 1 && hello.opcode == .hello && hello.state == .active && hello.group == 1)
        #expect(hello.priority == 110 && hello.virtualIP == F.vip && hello.helloTimeMilliseconds == 3000)
        #expect(hello.authData == HSRPMessage.defaultAuthData)
        #expect(v1.applicationOffset == 42 && v1.udp?.destinationPort == 1985)
        #expect(v1.sourceMAC == HSRPMessage.virtualMACv1(group: 1))

        guard case .hsrp(let v2) = Self.decode(F.hsrpV2).application else {
            Issue.record("no HSRP")
            return
        }
        #expect(v2.version == 2 && v2.group == 300 && v2.state == .standby && v2.priority == 120)
        #expect(v2.identifier == F.serverMAC && v2.virtualIP == F.vip && v2.ipVersion == 4)
    }

    @Test func nlbHeartbeat() throws {
        let packet = Self.decode(F.nlb)
        guard case .nlbHeartbeat(let heartbeat) = packet.network else {
            Issue.record("no NLB heartbeat")
            return
        }
        #expect(heartbeat.signature == .heartbeat && heartbeat.uniqueHostID == 2)
        #expect(heartbeat.clusterIP == F.vip && heartbeat.dedicatedIP == F.server)
        #expect(heartbeat.myHostID == 2 && heartbeat.convergenceState == 1 && heartbeat.numberOfRules == 1)
        let source = try #require(packet.sourceMAC)
        #expect(NLBClusterMAC.maskedSource(source, clusterIP: F.vip)?.hostID == 2)
        #expect(NLBClusterMAC.classify(try #require(packet.destinationMAC))?.mode == .unicast)
        #expect(packet.stop == nil && packet.anomalies.isEmpty)
        // A short heartbeat: only the first 20 octets are needed.
        let short = FrameBuilder.nlbHeartbeat(hostID: 3, clusterIP: F.vip, dedicatedIP: F.client, length: 20)
        guard case .nlbHeartbeat(let minimal) = Self.decode(short).network else {
            Issue.record("no NLB heartbeat")
            return
        }
        #expect(minimal.uniqueHostID == 3)
    }

    // MARK: - HTTP

    @Test func httpHeadsOnConfiguredPortsOnly() throws {
        let requestFrame = F.httpRequest
        let responseFrame = F.httpResponse
        let request = Self.decode(requestFrame)
        guard case .http(.request(let head)) = request.application else {
            Issue.record("no HTTP request: \(request.application)")
            return
        }
        let payload = requestFrame.span.extracting(request.applicationOffset...)
        #expect(head.method == .get && head.version == .http11 && head.headersComplete)
        #expect(head.text(head.targetRange, in: payload) == "/health")
        #expect(head.hostRange.map { head.text($0, in: payload) } == "10.0.0.100")
        #expect(request.applicationOffset == 54 && request.tcp?.flags == [.psh, .ack])

        let response = Self.decode(F.httpResponse)
        guard case .http(.response(let status)) = response.application else {
            Issue.record("no HTTP response")
            return
        }
        #expect(status.statusCode == 503 && status.statusClass == 5)
        #expect(status.text(status.reasonRange, in: responseFrame.span.extracting(54...)) == "Service Unavailable")

        // Not on a port the decoder was not told about...
        let other = FrameBuilder.httpRequest(from: F.clientEndpoint, to: (F.serverMAC, F.server, 9000), target: "/x")
        if case .none = Self.decode(other).application {} else { Issue.record("HTTP decoded on port 9000") }
        // ...unless it was told, in either direction.
        let custom = PacketDecoder(httpPorts: [9000])
        if case .http = custom.decode(other.span, linkType: .ethernet).application {
        } else {
            Issue.record("HTTP not decoded on configured port 9000")
        }
        let back = FrameBuilder.httpResponse(from: (F.serverMAC, F.server, 9000), to: F.clientEndpoint)
        if case .http(.response) = custom.decode(back.span, linkType: .ethernet).application {
        } else {
            Issue.record("HTTP response from port 9000 not decoded")
        }
        if case .none = custom.decode(requestFrame.span, linkType: .ethernet).application {
        } else {
            Issue.record("HTTP decoded on port 80 with httpPorts [9000]")
        }

        // Only message heads: a body segment, or a payload that is not HTTP, is no error.
        for payload in [Array("{\"status\":\"ok\"}".utf8), Array("GETX / HTTP/1.1\r\n".utf8), [0x16, 0x03, 0x01]] {
            let frame = FrameBuilder.tcp(
                from: F.serverEndpoint, to: F.clientEndpoint, flags: [.ack, .psh], payload: payload)
            let packet = Self.decode(frame)
            if case .none = packet.application {} else { Issue.record("not a head, decoded as \(packet.application)") }
            #expect(packet.stop == nil && packet.tcp?.payloadRange.count == payload.count)
        }
        // A head over IPv6.
        var ready: [UInt8] = []
        HTTPMessage.emitRequest(target: "/ready", host: "[fe80::2]", into: &ready)
        let v6 = FrameBuilder.tcp6(
            from: (F.clientMAC, F.client6, 40000), to: (F.serverMAC, F.server6, 8080), flags: [.ack, .psh],
            payload: ready)
        if case .http(.request) = Self.decode(v6).application {} else { Issue.record("no HTTP over IPv6") }
    }

    // MARK: - IPv6

    @Test func neighborDiscovery() throws {
        let ns = Self.decode(F.neighborSolicitation)
        guard case .neighborDiscovery(let icmp, let solicitation) = ns.transport else {
            Issue.record("no ND: \(ns.transport)")
            return
        }
        #expect(icmp.type == .neighborSolicitation && solicitation.kind == .neighborSolicitation)
        #expect(solicitation.targetAddress == F.server6 && solicitation.sourceLinkLayerAddress == F.clientMAC)
        #expect(solicitation.nonce == nil && !solicitation.isDADProbe(ipSource: F.client6))
        #expect(ns.anomalies.isEmpty && ns.ipv6?.hopLimit == 255)

        let dad = Self.decode(F.dadProbe)
        guard case .neighborDiscovery(_, let probe) = dad.transport else {
            Issue.record("no ND")
            return
        }
        #expect(probe.isDADProbe(ipSource: try #require(dad.ipv6).source))
        #expect(probe.nonce == 0x1F2E_3D4C_5B6A && probe.sourceLinkLayerAddress == nil)
        #expect(probe.targetAddress == F.global6 && dad.anomalies.isEmpty)

        let na = Self.decode(F.neighborAdvertisement)
        guard case .neighborDiscovery(_, let advert) = na.transport else {
            Issue.record("no ND")
            return
        }
        #expect(advert.kind == .neighborAdvertisement && advert.isUnsolicitedAdvertisement)
        #expect(advert.override && !advert.router && advert.targetAddress == F.global6)
        #expect(advert.targetLinkLayerAddress == F.serverMAC && na.anomalies.isEmpty)

        let solicitedNA = FrameBuilder.neighborAdvertisement(
            from: F.serverHost6, to: F.clientHost6, router: true, solicited: true, override: false)
        let solicited = Self.decode(solicitedNA)
        guard case .neighborDiscovery(_, let answer) = solicited.transport else {
            Issue.record("no ND")
            return
        }
        #expect(answer.router && answer.solicited && !answer.override && answer.targetAddress == F.server6)
        #expect(solicited.ipv6?.destination == F.client6 && solicited.destinationMAC == F.clientMAC)

        let ra = Self.decode(F.routerAdvertisement)
        guard case .neighborDiscovery(_, let router) = ra.transport else {
            Issue.record("no ND")
            return
        }
        #expect(router.kind == .routerAdvertisement && router.routerLifetime == 1800 && router.curHopLimit == 64)
        #expect(router.prefix == F.prefix6 && router.prefixLength == 64 && router.mtu == 1500)
        #expect(router.sourceLinkLayerAddress == F.routerMAC && router.optionCount == 3)

        guard case .neighborDiscovery(_, let rs) = Self.decode(F.routerSolicitation).transport else {
            Issue.record("no ND")
            return
        }
        #expect(rs.kind == .routerSolicitation && rs.sourceLinkLayerAddress == F.clientMAC)
    }

    @Test func icmpv6EchoAndTransportsOverIPv6() throws {
        let ping = Self.decode(F.ping6Request)
        guard case .icmpv6(let message) = ping.transport else {
            Issue.record("no ICMPv6")
            return
        }
        #expect(message.type == .echoRequest && message.identifier == 9 && message.sequence == 1)
        #expect(message.bodyRange == 4..<64)

        let syn = Self.decode(F.tcp6SYN)
        #expect(syn.ipv6?.nextHeader == .tcp && syn.transportOffset == 54)
        #expect(syn.tcp?.destinationPort == 443 && syn.tcp?.options.mss == 1460)
        let udp = Self.decode(F.udp6)
        #expect(udp.udp?.destinationPort == 547 && udp.udp?.payloadRange == 8..<11)
        let hop = Self.decode(F.hopByHopUDP)
        guard case .ipv6(let header, let walk) = hop.network else {
            Issue.record("no IPv6")
            return
        }
        #expect(header.nextHeader == .hopByHop && walk?.upperProtocol == .udp && walk?.extensionCount == 1)
        #expect(hop.transportOffset == 62 && hop.udp?.destinationPort == 5001 && hop.anomalies.isEmpty)
    }

    @Test func llcFramesAreRecognised() throws {
        let packet = Self.decode(F.stp)
        guard case .llc(let llc) = packet.network else {
            Issue.record("no LLC")
            return
        }
        #expect(llc.dsap == 0x42 && llc.ssap == 0x42 && llc.isUnnumbered)
        #expect(packet.stop == nil)
    }

    // MARK: - VLANs

    @Test func vlanAndQinQIDs() throws {
        let single = Self.decode(F.vlanARP)
        #expect(single.outerVLAN?.id == 100 && single.outerVLAN?.tpid == .vlan && single.innerVLAN == nil)
        #expect(single.vlanID == 100 && single.networkOffset == 18 && single.arp?.targetIP == F.server)

        let qinq = Self.decode(F.qinqTCP)
        #expect(qinq.outerVLAN?.id == 100 && qinq.outerVLAN?.tpid == .qinq)
        #expect(qinq.innerVLAN?.id == 200 && qinq.innerVLAN?.tpid == .vlan)
        #expect(qinq.vlanID == 200 && qinq.networkOffset == 22 && qinq.transportOffset == 42)
        #expect(qinq.tcp?.flags == [.syn] && qinq.extraVLANTags == 0)

        let priority = Self.decode(F.vlanVRRP)
        #expect(priority.outerVLAN?.priority == 6 && priority.outerVLAN?.id == 42)
        if case .vrrp = priority.transport {} else { Issue.record("no VRRP in VLAN 42") }

        // Three tags: two kept, one counted; the 0x9100 legacy outer TPID.
        let triple = FrameBuilder.udp(
            from: F.clientEndpoint, to: F.serverEndpoint, payload: [1],
            vlans: [FrameBuilder.VLAN(1, tpid: .qinqLegacy), 2, 3])
        let three = Self.decode(triple)
        #expect(three.outerVLAN?.tpid == .qinqLegacy && three.outerVLAN?.id == 1)
        #expect(three.innerVLAN?.id == 2 && three.extraVLANTags == 1 && three.udp?.payloadRange == 8..<9)

        // More than the maximum stack: malformed, with the outer layers kept.
        let deep = FrameBuilder.udp(
            from: F.clientEndpoint, to: F.serverEndpoint, vlans: (1...9).map { FrameBuilder.VLAN($0) })
        let tooDeep = Self.decode(deep)
        #expect(tooDeep.stop?.layer == .vlan && tooDeep.stop?.isTruncation == false)
        #expect(tooDeep.outerVLAN?.id == 1 && tooDeep.innerVLAN?.id == 2 && tooDeep.extraVLANTags == 6)
        #expect(tooDeep.sourceMAC == F.clientMAC)
    }

    // MARK: - Other link types

    /// Every catalogue frame decodes under SLL, SLL2 (and, when it is IP, NULL, LOOP and raw)
    /// to the same network, transport and application layers as its Ethernet form.
    @Test(arguments: FrameBuilder.LinkWrapping.allCases)
    func wrappingsDecodeToTheSameNetworkLayer(_ wrapping: FrameBuilder.LinkWrapping) throws {
        for (name, frame) in F.catalogue where wrapping.canWrap(frame) {
            let ethernet = Self.decode(frame)
            let wrapped = wrapping.wrap(frame)
            let packet = Self.decode(wrapped, wrapping.linkType)
            #expect(LayerText.network(packet) == LayerText.network(ethernet), "\(name) \(wrapping)")
            #expect(LayerText.transport(packet) == LayerText.transport(ethernet), "\(name) \(wrapping)")
            #expect(LayerText.application(packet) == LayerText.application(ethernet), "\(name) \(wrapping)")
            #expect(packet.stop == nil, "\(name) \(wrapping)")
            let shift = wrapped.count - frame.count
            if case .none = ethernet.transport {
            } else {
                // Layer-3 wrappings drop Ethernet padding: compare offsets from the network layer.
                #expect(
                    packet.transportOffset - packet.networkOffset == ethernet.transportOffset - ethernet.networkOffset,
                    "\(name) \(wrapping)")
            }
            switch wrapping {
            case .linuxSLL, .linuxSLL2:
                #expect(packet.networkOffset == ethernet.networkOffset + shift, "\(name) \(wrapping)")
                #expect(packet.sourceMAC == ethernet.sourceMAC && packet.destinationMAC == nil, "\(name)")
                #expect(packet.outerVLAN == ethernet.outerVLAN && packet.innerVLAN == ethernet.innerVLAN, "\(name)")
                #expect(packet.anomalies == ethernet.anomalies, "\(name) \(wrapping)")
            case .null, .loop, .raw:
                #expect(packet.sourceMAC == nil && packet.outerVLAN == nil, "\(name) \(wrapping)")
                // Without link addresses the MAC cross-checks cannot fire.
                let linkFree: PacketAnomalies = [.arpSenderMACMismatch, .vrrpSourceNotVirtualMAC, .ndLinkLayerMismatch]
                #expect(packet.anomalies == ethernet.anomalies.subtracting(linkFree), "\(name) \(wrapping)")
            case .ethernet:
                #expect(packet.networkOffset == ethernet.networkOffset)
            }
        }
    }

    @Test func linkHeadersOfTheWrappings() throws {
        let sll = Self.decode(FrameBuilder.linuxSLL(wrapping: F.arpRequest), .linuxSLL)
        guard case .linuxSLL(let header) = sll.link else {
            Issue.record("no SLL header")
            return
        }
        #expect(header.packetType == .broadcast && header.address == F.clientMAC && header.protocolType == .arp)
        #expect(sll.networkOffset == 16 && sll.arp?.variant == .request)

        let sll2 = Self.decode(
            FrameBuilder.linuxSLL2(wrapping: F.qinqTCP, interfaceIndex: 7, packetType: .outgoing), .linuxSLL2)
        guard case .linuxSLL2(let header2) = sll2.link else {
            Issue.record("no SLL2 header")
            return
        }
        #expect(header2.interfaceIndex == 7 && header2.packetType == .outgoing && header2.protocolType == .qinq)
        #expect(sll2.vlanID == 200 && sll2.networkOffset == 28 && sll2.tcp?.flags == [.syn])

        for (linkType, bytes) in [
            (LinkType.null, FrameBuilder.null(wrapping: F.tcp6SYN)),
            (.null, FrameBuilder.null(wrapping: F.tcp6SYN, littleEndian: false, inet6Family: .inet6FreeBSD)),
            (.loop, FrameBuilder.loop(wrapping: F.tcpSYN)),
            (.loop, FrameBuilder.loop(wrapping: F.tcp6SYN, inet6Family: .inet6Darwin)),
        ] {
            let packet = Self.decode(bytes, linkType)
            guard case .null(let null) = packet.link else {
                Issue.record("no NULL header")
                continue
            }
            #expect(null.networkType == (packet.ipv4 != nil ? .ipv4 : .ipv6))
            #expect(packet.networkOffset == 4 && packet.tcp?.flags == [.syn])
        }
        for linkType in [LinkType.raw, .rawDLT12, .rawDLT14, .ipv4] {
            let packet = Self.decode(FrameBuilder.rawIP(wrapping: F.tcpSYN), linkType)
            guard case .raw = packet.link else {
                Issue.record("not raw")
                continue
            }
            #expect(packet.networkOffset == 0 && packet.transportOffset == 20 && packet.tcp != nil)
        }
        let v6 = Self.decode(FrameBuilder.rawIP(wrapping: F.dadProbe), .ipv6)
        if case .neighborDiscovery = v6.transport {} else { Issue.record("no ND in raw IPv6") }
        // A NULL header of another family: link only.
        let ipx = Self.decode([23, 0, 0, 0, 1, 2, 3], .null)
        if case .none = ipx.network {} else { Issue.record("family 23 decoded") }
        #expect(ipx.stop == nil)
        // An unsupported link type: counted, not decoded.
        guard case .unsupported(let type) = Self.decode(F.arpRequest, LinkType(rawValue: 105)).link else {
            Issue.record("802.11 decoded")
            return
        }
        #expect(type.rawValue == 105)
    }

    // MARK: - FCS

    @Test func fcsIsTrimmed() throws {
        for (name, frame) in F.catalogue {
            let plain = Self.decode(frame)
            let withFCS = Self.decode(FrameBuilder.appendingFCS(frame), fcs: 4)
            #expect(LayerText.all(withFCS) == LayerText.all(plain), "\(name)")
        }
        // Where no length field bounds the payload, the FCS would otherwise become payload:
        // a TSO super-packet (IPv4 total length 0) captured on the sender...
        var tso = FrameBuilder.tcp(
            from: F.clientEndpoint, to: F.serverEndpoint, flags: [.ack], payload: [UInt8](repeating: 0x61, count: 100))
        tso[16] = 0
        tso[17] = 0
        let fcs = FrameBuilder.appendingFCS(tso)
        #expect(Self.decode(fcs, fcs: 4).tcp?.payloadRange == 20..<120)
        #expect(Self.decode(fcs).tcp?.payloadRange == 20..<124)
        // ...and an NLB heartbeat's length.
        let nlb = FrameBuilder.appendingFCS(F.nlb)
        #expect(Self.decode(nlb, fcs: 4).networkOffset == 14)
        // An FCS longer than the frame is ignored rather than trusted.
        #expect(Self.decode([1, 2], fcs: 4).stop == .truncated(layer: .ethernet, needed: 14, available: 2))
    }

    /// IPv4 total length 0 (a TSO super-packet captured on the sender): the payload runs to the
    /// end of the capture, and the protocols that check their length against the IP header
    /// (VRRP, CARP, IGMP) take that length too instead of a negative one.
    @Test func zeroTotalLengthUsesTheCapturedPayload() throws {
        func zeroed(_ frame: [UInt8]) -> [UInt8] {
            var out = frame
            out[16] = 0
            out[17] = 0
            return out
        }
        let vrrp = Self.decode(zeroed(FrameBuilder.vrrpAdvert(vrid: 4, addresses: [F.vip], from: F.server, padTo: 0)))
        #expect(vrrp.stop == nil)
        guard case .vrrp(let advert) = vrrp.transport else {
            Issue.record("VRRP with total length 0: \(vrrp.transport), \(String(describing: vrrp.stop))")
            return
        }
        #expect(advert.vrid == 4 && advert.trailingByteCount == 0)
        let carp = Self.decode(zeroed(FrameBuilder.carpAdvert(vhid: 2, from: F.server, padTo: 0)))
        if case .carp = carp.transport {} else { Issue.record("CARP with total length 0: \(carp.transport)") }
        let igmp = Self.decode(zeroed(F.igmpV3Query))
        if case .igmp(let query) = igmp.transport {
            #expect(query.version == 3 && query.sourceCount == 2)
        } else {
            Issue.record("IGMP with total length 0: \(igmp.transport)")
        }
        #expect(vrrp.ipv4?.hasZeroTotalLength == true && vrrp.anomalies.contains(.ipv4BadChecksum))
    }

    // MARK: - Anomalies

    @Test func arpSenderMACDifferentFromEthernetSource() throws {
        // Windows NLB unicast mode: the ARP reply maps the VIP to the cluster MAC while the
        // Ethernet source is the host's masked MAC.
        let clusterMAC = NLBClusterMAC.unicastMAC(clusterIP: F.vip)
        let masked = NLBClusterMAC.maskedSourceMAC(hostID: 1, clusterIP: F.vip)
        let frame = FrameBuilder.arpReply(
            from: clusterMAC, ip: F.vip, to: F.clientMAC, targetIP: F.client, ethernetSource: masked)
        let packet = Self.decode(frame)
        #expect(packet.anomalies == .arpSenderMACMismatch)
        #expect(packet.arp?.senderMAC == clusterMAC && packet.sourceMAC == masked)
        #expect(Self.decode(F.arpReply).anomalies.isEmpty)
        // Seen through SLL the address is the Ethernet source, so the mismatch stays visible.
        #expect(Self.decode(FrameBuilder.linuxSLL(wrapping: frame), .linuxSLL).anomalies == .arpSenderMACMismatch)
    }

    @Test func vrrpTTLAndSourceAnomalies() throws {
        let lowTTL = Self.decode(FrameBuilder.vrrpAdvert(vrid: 51, addresses: [F.vip], from: F.server, ttl: 64))
        #expect(lowTTL.anomalies == .redundancyTTLNot255)
        if case .vrrp = lowTTL.transport {} else { Issue.record("VRRP with TTL 64 not decoded") }

        let realMAC = Self.decode(
            FrameBuilder.vrrpAdvert(vrid: 51, addresses: [F.vip], from: F.server, sourceMAC: F.serverMAC))
        #expect(realMAC.anomalies == .vrrpSourceNotVirtualMAC)
        // The IPv6 virtual MAC is 00:00:5e:00:02:{vrid}; the IPv4 one is wrong there.
        let v6 = Self.decode(
            FrameBuilder.vrrpV6Advert(
                vrid: 51, addresses: [F.global6], from: F.server6, sourceMAC: VRRPAdvertisement.virtualMAC(vrid: 51),
                hopLimit: 1))
        #expect(v6.anomalies == [.vrrpSourceNotVirtualMAC, .redundancyTTLNot255])
        // CARP with TTL 1.
        let carp = Self.decode(FrameBuilder.carpAdvert(vhid: 7, from: F.server, ttl: 1))
        #expect(carp.anomalies == .redundancyTTLNot255)

        var corrupted = F.vrrpV2
        corrupted[40] ^= 0x01  // the VRRP checksum
        #expect(Self.decode(corrupted).anomalies == .redundancyBadChecksum)
    }

    @Test func badIPv4Checksum() throws {
        for frame in [F.tcpSYN, F.vrrpV2, F.qinqTCP, F.igmpReport] {
            let packet = Self.decode(FrameBuilder.withBadIPv4Checksum(frame))
            #expect(packet.anomalies.contains(.ipv4BadChecksum))
            #expect(packet.ipv4?.headerChecksumValid == false)
            // Decoding continues past the bad header.
            #expect(LayerText.transport(packet) == LayerText.transport(Self.decode(frame)))
        }
    }

    @Test func neighborDiscoveryAnomalies() throws {
        let lowHop = Self.decode(
            FrameBuilder.neighborSolicitation(from: F.clientHost6, target: F.server6, hopLimit: 64))
        #expect(lowHop.anomalies == .ndHopLimitNot255)
        let naHop = Self.decode(FrameBuilder.neighborAdvertisement(from: F.serverHost6, hopLimit: 1))
        #expect(naHop.anomalies == .ndHopLimitNot255)

        let otherSLLA = Self.decode(
            FrameBuilder.neighborSolicitation(
                from: F.clientHost6, target: F.server6, sourceLinkLayerAddress: F.routerMAC))
        #expect(otherSLLA.anomalies == .ndLinkLayerMismatch)
        let otherTLLA = Self.decode(
            FrameBuilder.neighborAdvertisement(from: F.serverHost6, targetLinkLayerAddress: F.routerMAC))
        #expect(otherTLLA.anomalies == .ndLinkLayerMismatch)
        // No link-layer option: nothing to compare.
        let bare = Self.decode(
            FrameBuilder.neighborAdvertisement(from: F.serverHost6, includeTargetLinkLayerAddress: false))
        #expect(bare.anomalies.isEmpty)

        var corrupted = F.neighborSolicitation
        corrupted[56] ^= 0x01  // the ICMPv6 checksum: always checked for ND
        #expect(Self.decode(corrupted).anomalies == .transportBadChecksum)
    }

    @Test func transportChecksumsOnlyWhenAsked() throws {
        var frame = F.tcpSYN
        frame[50] ^= 0x01  // the TCP checksum
        #expect(Self.decode(frame).anomalies.isEmpty)
        let checking = PacketDecoder(verifyTransportChecksums: true)
        #expect(checking.decode(frame.span, linkType: .ethernet).anomalies == .transportBadChecksum)
        var udp = F.udpDNS
        udp[40] ^= 0x01
        #expect(checking.decode(udp.span, linkType: .ethernet).anomalies == .transportBadChecksum)
        var ping = F.pingRequest
        ping[36] ^= 0x01
        #expect(checking.decode(ping.span, linkType: .ethernet).anomalies == .transportBadChecksum)
    }

    @Test func multicastSourceAndFragments() throws {
        let multicast = FrameBuilder.udp(
            from: (MACAddress("01:00:5e:00:00:01")!, F.client, 1), to: F.serverEndpoint, payload: [1])
        #expect(Self.decode(multicast).anomalies == .multicastSourceMAC)
        let fragment = FrameBuilder.ipv4(
            from: (F.clientMAC, F.client), to: (F.serverMAC, F.server), protocol: .udp,
            payload: [UInt8](repeating: 1, count: 16), fragmentOffset: 1480)
        let packet = Self.decode(fragment)
        #expect(packet.anomalies == .fragment)
        if case .none = packet.transport {} else { Issue.record("a non-first fragment has no transport header") }
        let first = Self.decode(
            FrameBuilder.ipv4(
                from: (F.clientMAC, F.client), to: (F.serverMAC, F.server), protocol: .udp,
                payload: FrameBuilder.udpDatagram(sourcePort: 1, destinationPort: 2, payload: [0, 0], pseudo: nil),
                moreFragments: true))
        #expect(first.anomalies == .fragment && first.udp?.destinationPort == 2)
    }

    // MARK: - Malformed inner layers keep the outer ones

    @Test func malformedInnerLayersKeepOuterLayers() throws {
        func malformed(_ frame: [UInt8], _ layer: ProtocolLayer, _ linkType: LinkType = .ethernet) -> DecodedPacket {
            let packet = Self.decode(frame, linkType)
            #expect(packet.stop?.layer == layer, "expected \(layer), got \(String(describing: packet.stop))")
            #expect(packet.stop?.isTruncation == false)
            return packet
        }
        // TCP data offset 4.
        var tcp = F.tcpSYN
        tcp[46] = 0x40
        let badTCP = malformed(tcp, .tcp)
        #expect(badTCP.ipv4?.source == F.client && badTCP.stopOffset == 34 && badTCP.sourceMAC == F.clientMAC)
        // UDP length 4.
        var udp = F.udpDNS
        udp[38] = 0
        udp[39] = 4
        #expect(malformed(udp, .udp).ipv4?.destination == F.server)
        // VRRP version 5.
        var vrrp = F.vrrpV2
        vrrp[34] = 0x51
        let badVRRP = malformed(vrrp, .vrrp)
        #expect(badVRRP.ipv4?.protocol == .vrrp && badVRRP.stopOffset == 34)
        // VRRP address count beyond the IP payload.
        var count = F.vrrpV3
        count[37] = 9
        #expect(malformed(count, .vrrp).ipv4 != nil)
        // CARP version 4: neither CARP nor VRRP; parsed as VRRP, which rejects the version.
        var carp = F.carp
        carp[34] = 0x41
        #expect(malformed(carp, .vrrp).ipv4 != nil)
        // ND option of length 0: the ICMPv6 header stays.
        var nd = F.neighborSolicitation
        nd[79] = 0
        let badND = malformed(nd, .neighborDiscovery)
        guard case .icmpv6(let icmp) = badND.transport else {
            Issue.record("ICMPv6 header lost: \(badND.transport)")
            return
        }
        #expect(icmp.type == .neighborSolicitation && badND.ipv6?.hopLimit == 255)
        // HSRP that is neither v1 nor v2: the UDP header stays.
        let junk = FrameBuilder.udp(
            from: (F.serverMAC, F.server, 1985), to: (F.routerMAC, FrameBuilder.hsrpV1Group, 1985),
            payload: [0x77, 0x01, 0x02, 0x03])
        let badHSRP = malformed(junk, .hsrp)
        #expect(badHSRP.udp?.destinationPort == 1985 && badHSRP.applicationOffset == 42)
        // IGMP query of 10 octets.
        let igmp = FrameBuilder.ipv4(
            from: (F.clientMAC, F.client), to: (F.routerMAC, IPv4Address(224, 0, 0, 1)), protocol: .igmp,
            payload: [0x11, 0x64, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(malformed(igmp, .igmp).ipv4 != nil)
        // IPv4 version 5 inside Ethernet, IPv6 version 4 inside SLL2: the link header stays.
        var v5 = F.pingRequest
        v5[14] = 0x55
        if case .ethernet = malformed(v5, .ipv4).link {} else { Issue.record("Ethernet header lost") }
        var v4in6 = FrameBuilder.linuxSLL2(wrapping: F.ping6Request)
        v4in6[20] = 0x45
        if case .linuxSLL2 = malformed(v4in6, .ipv6, .linuxSLL2).link {} else { Issue.record("SLL2 header lost") }
        // IPv4 total length below the header length.
        var short = F.tcpSYN
        short[17] = 10
        short[16] = 0
        #expect(malformed(short, .ipv4).outerVLAN == nil)
        // Too many IPv6 extension headers.
        var chain: [UInt8] = []
        for _ in 0..<17 { IPv6ExtensionWalk.emitOptionsHeader(nextHeader: .destinationOptions, into: &chain) }
        let ext = FrameBuilder.ipv6(
            from: F.clientHost6, to: F.serverHost6, nextHeader: .destinationOptions, payload: chain)
        let badExt = malformed(ext, .ipv6Extension)
        #expect(badExt.ipv6?.source == F.client6 && badExt.stopOffset == 54)
    }

    @Test func unknownProtocolsAreNamedNotDecoded() throws {
        let lldp = FrameBuilder.ethernet(
            src: F.serverMAC, dst: MACAddress("01:80:c2:00:00:0e")!, type: .lldp, payload: [0x02, 0x07, 0x04])
        guard case .other(let type) = Self.decode(lldp).network else {
            Issue.record("LLDP decoded")
            return
        }
        #expect(type == .lldp)
        let gre = FrameBuilder.ipv4(
            from: (F.clientMAC, F.client), to: (F.serverMAC, F.server), protocol: IPProtocol(rawValue: 47),
            payload: [0, 0, 8, 0])
        guard case .other(let proto) = Self.decode(gre).transport else {
            Issue.record("GRE decoded")
            return
        }
        #expect(proto.rawValue == 47 && Self.decode(gre).stop == nil)
    }

    // MARK: - Scenario: a Windows NLB cluster seen from a Linux host

    @Test func windowsNLBScenario() throws {
        let cluster = F.vip
        let clusterMAC = NLBClusterMAC.unicastMAC(clusterIP: cluster)
        let frames: [[UInt8]] = [
            FrameBuilder.nlbHeartbeat(hostID: 1, clusterIP: cluster, dedicatedIP: F.client),
            FrameBuilder.nlbHeartbeat(hostID: 2, clusterIP: cluster, dedicatedIP: F.server),
            FrameBuilder.arpRequest(from: F.routerMAC, ip: IPv4Address(10, 0, 0, 254), asking: cluster),
            FrameBuilder.arpReply(
                from: clusterMAC, ip: cluster, to: F.routerMAC, targetIP: IPv4Address(10, 0, 0, 254),
                ethernetSource: NLBClusterMAC.maskedSourceMAC(hostID: 2, clusterIP: cluster)),
            FrameBuilder.tcp(
                from: (F.routerMAC, IPv4Address(192, 0, 2, 7), 50000), to: (clusterMAC, cluster, 80), flags: [.syn],
                vlans: [20]),
        ]
        let packets = frames.map { Self.decode($0) }
        var hosts: [UInt32] = []
        for packet in packets {
            if case .nlbHeartbeat(let heartbeat) = packet.network { hosts.append(heartbeat.uniqueHostID) }
        }
        #expect(hosts == [1, 2])
        #expect(packets[3].anomalies == .arpSenderMACMismatch && packets[3].arp?.variant == .reply)
        #expect(NLBClusterMAC.classify(try #require(packets[4].destinationMAC), clusterIP: cluster)?.mode == .unicast)
        #expect(packets[4].vlanID == 20 && packets[4].tcp?.flags == [.syn])
    }
}

/// Text renderings of a decoded packet's layers, for comparing two decodes.
enum LayerText {
    static func link(_ packet: DecodedPacket) -> String {
        var text = "\(packet.link)"
        if let outer = packet.outerVLAN { text += " | \(outer)" }
        if let inner = packet.innerVLAN { text += " | \(inner)" }
        return text
    }

    static func network(_ packet: DecodedPacket) -> String {
        switch packet.network {
        case .ipv6(let header, let walk): "ipv6 \(header) \(walk.map { "\($0)" } ?? "-")"
        default: "\(packet.network)"
        }
    }

    static func transport(_ packet: DecodedPacket) -> String { "\(packet.transport)" }

    static func application(_ packet: DecodedPacket) -> String { "\(packet.application)" }

    static func all(_ packet: DecodedPacket) -> String {
        [
            link(packet), network(packet), transport(packet), application(packet), "\(packet.anomalies)",
            "\(packet.stop.map { "\($0)" } ?? "-")", "\(packet.networkOffset)/\(packet.transportOffset)",
        ].joined(separator: " || ")
    }
}
