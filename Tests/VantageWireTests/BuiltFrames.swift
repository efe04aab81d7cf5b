import VantageWire

/// Addresses and a catalogue of frames made with ``FrameBuilder``, shared by the builder and
/// packet decoder tests.
enum BuiltFrames {
    static let clientMAC = MACAddress("02:00:5e:10:00:01")!
    static let serverMAC = MACAddress("02:00:5e:10:00:02")!
    static let routerMAC = MACAddress("02:00:5e:10:00:fe")!
    static let client = IPv4Address(10, 0, 0, 1)
    static let server = IPv4Address(10, 0, 0, 2)
    static let vip = IPv4Address(10, 0, 0, 100)
    static let client6 = IPv6Address("fe80::1")!
    static let server6 = IPv6Address("fe80::2")!
    static let global6 = IPv6Address("2001:db8::100")!
    static let prefix6 = IPv6Address("2001:db8::")!

    static let clientEndpoint: FrameBuilder.Endpoint = (clientMAC, client, 40000)
    static let serverEndpoint: FrameBuilder.Endpoint = (serverMAC, server, 80)
    static let clientHost6: FrameBuilder.Host6 = (clientMAC, client6)
    static let serverHost6: FrameBuilder.Host6 = (serverMAC, server6)

    // MARK: - The catalogue

    static let arpRequest = FrameBuilder.arpRequest(from: clientMAC, ip: client, asking: server)
    static let arpReply = FrameBuilder.arpReply(from: serverMAC, ip: server, to: clientMAC, targetIP: client)
    static let garpKeepalived = FrameBuilder.gratuitousARP(from: serverMAC, ip: vip, style: .keepalived)
    static let garpUcarp = FrameBuilder.gratuitousARP(from: serverMAC, ip: vip, style: .ucarp)
    static let garpReply = FrameBuilder.gratuitousARP(from: serverMAC, ip: vip, style: .reply)
    static let arpProbe = FrameBuilder.arpProbe(from: clientMAC, candidate: IPv4Address(10, 0, 0, 50))
    static let arpAnnouncement = FrameBuilder.arpAnnouncement(from: clientMAC, ip: IPv4Address(10, 0, 0, 50))
    static let tcpSYN = FrameBuilder.tcp(
        from: clientEndpoint, to: serverEndpoint, flags: [.syn], seq: 1000, options: FrameBuilder.linuxSYNOptions)
    static let tcpSYNACK = FrameBuilder.tcp(
        from: serverEndpoint, to: clientEndpoint, flags: [.syn, .ack], seq: 5000, ack: 1001,
        options: TCPOptions(mss: 1460, windowScale: 7, sackPermitted: true, timestampValue: 2, timestampEcho: 1))
    static let tcpReset = FrameBuilder.tcp(from: serverEndpoint, to: clientEndpoint, flags: [.rst, .ack], ack: 1001)
    static let udpDNS = FrameBuilder.udp(
        from: (clientMAC, client, 53000), to: (serverMAC, server, 53), payload: Array("query".utf8))
    static let pingRequest = FrameBuilder.icmpEchoRequest(
        from: (clientMAC, client), to: (serverMAC, server), identifier: 7, sequence: 3)
    static let pingReply = FrameBuilder.icmpEchoReply(
        from: (serverMAC, server), to: (clientMAC, client), identifier: 7, sequence: 3)
    static let igmpReport = FrameBuilder.igmp(.v2Report(group: IPv4Address(239, 1, 2, 3)), from: (clientMAC, client))
    static let igmpV3Report = FrameBuilder.igmp(.v3Report(group: IPv4Address(239, 1, 2, 3)), from: (clientMAC, client))
    static let igmpV3Query = FrameBuilder.igmp(
        IGMPMessage(type: .membershipQuery, version: 3, maxResponseCode: 100, robustness: 2, queryIntervalCode: 125),
        from: (routerMAC, IPv4Address(10, 0, 0, 254)), sources: [client, server])
    static let vrrpV2 = FrameBuilder.vrrpAdvert(vrid: 51, priority: 150, addresses: [vip], from: server)
    static let vrrpV2Five = FrameBuilder.vrrpAdvert(
        vrid: 52, addresses: (1...5).map { IPv4Address(10, 0, 1, $0) }, from: server)
    static let vrrpV3 = FrameBuilder.vrrpAdvert(vrid: 51, addresses: [vip], from: server, version: 3)
    static let carp = FrameBuilder.carpAdvert(vhid: 7, advskew: 100, counter: 0x1122_3344_5566_7788, from: server)
    static let hsrpV1 = FrameBuilder.hsrpHello(
        group: 1, priority: 110, virtualIP: vip, from: (HSRPMessage.virtualMACv1(group: 1), server))
    static let hsrpV2 = FrameBuilder.hsrpHello(
        version: 2, group: 300, priority: 120, state: .standby, virtualIP: vip, from: (serverMAC, server))
    static let nlb = FrameBuilder.nlbHeartbeat(hostID: 2, clusterIP: vip, dedicatedIP: server)
    static let httpRequest = FrameBuilder.httpRequest(
        from: clientEndpoint, to: serverEndpoint, target: "/health", host: "10.0.0.100")
    static let httpResponse = FrameBuilder.httpResponse(
        from: serverEndpoint, to: clientEndpoint, status: 503, reason: "Service Unavailable", body: Array("down".utf8))
    static let neighborSolicitation = FrameBuilder.neighborSolicitation(from: clientHost6, target: server6)
    static let dadProbe = FrameBuilder.dadProbe(mac: clientMAC, target: global6)
    static let neighborAdvertisement = FrameBuilder.neighborAdvertisement(from: serverHost6, target: global6)
    static let routerAdvertisement = FrameBuilder.routerAdvertisement(
        from: (routerMAC, IPv6Address("fe80::fe")!), prefix: prefix6, mtu: 1500)
    static let routerSolicitation = FrameBuilder.routerSolicitation(from: clientHost6)
    static let ping6Request = FrameBuilder.icmpv6EchoRequest(from: clientHost6, to: serverHost6, identifier: 9)
    static let vrrpV6 = FrameBuilder.vrrpV6Advert(
        vrid: 51, addresses: [global6, IPv6Address("fe80::100")!], from: server6)
    static let tcp6SYN = FrameBuilder.tcp6(
        from: (clientMAC, client6, 40000), to: (serverMAC, server6, 443), flags: [.syn], seq: 77,
        options: FrameBuilder.linuxSYNOptions)
    static let udp6 = FrameBuilder.udp6(
        from: (clientMAC, client6, 546), to: (serverMAC, server6, 547), payload: [1, 2, 3])
    /// UDP behind a hop-by-hop options header with a router alert (as MLD and RSVP use).
    static let hopByHopUDP: [UInt8] = {
        var payload: [UInt8] = []
        IPv6ExtensionWalk.emitOptionsHeader(nextHeader: .udp, routerAlert: true, into: &payload)
        payload += FrameBuilder.udpDatagram(
            sourcePort: 5000, destinationPort: 5001, payload: [1, 2, 3, 4],
            pseudo: .ipv6(source: client6, destination: server6))
        return FrameBuilder.ipv6(from: clientHost6, to: serverHost6, nextHeader: .hopByHop, payload: payload)
    }()
    static let stp = FrameBuilder.ieee8023(
        src: serverMAC, dst: MACAddress("01:80:c2:00:00:00")!, llc: LLCHeader(dsap: 0x42, ssap: 0x42),
        payload: [UInt8](repeating: 0, count: 35))
    static let vlanARP = FrameBuilder.arpRequest(from: clientMAC, ip: client, asking: server, vlans: [100])
    static let qinqTCP = FrameBuilder.tcp(
        from: clientEndpoint, to: serverEndpoint, flags: [.syn], seq: 1, vlans: [100, 200])
    static let vlanVRRP = FrameBuilder.vrrpAdvert(
        vrid: 9, addresses: [vip], from: server, vlans: [FrameBuilder.VLAN(42, priority: 6)])

    /// Every frame above, named.
    static let catalogue: [(name: String, frame: [UInt8])] = [
        ("arpRequest", arpRequest), ("arpReply", arpReply), ("garpKeepalived", garpKeepalived),
        ("garpUcarp", garpUcarp), ("garpReply", garpReply), ("arpProbe", arpProbe),
        ("arpAnnouncement", arpAnnouncement), ("tcpSYN", tcpSYN), ("tcpSYNACK", tcpSYNACK), ("tcpReset", tcpReset),
        ("udpDNS", udpDNS), ("pingRequest", pingRequest), ("pingReply", pingReply), ("igmpReport", igmpReport),
        ("igmpV3Report", igmpV3Report), ("igmpV3Query", igmpV3Query), ("vrrpV2", vrrpV2),
        ("vrrpV2Five", vrrpV2Five), ("vrrpV3", vrrpV3), ("carp", carp), ("hsrpV1", hsrpV1), ("hsrpV2", hsrpV2),
        ("nlb", nlb), ("httpRequest", httpRequest), ("httpResponse", httpResponse),
        ("neighborSolicitation", neighborSolicitation), ("dadProbe", dadProbe),
        ("neighborAdvertisement", neighborAdvertisement), ("routerAdvertisement", routerAdvertisement),
        ("routerSolicitation", routerSolicitation), ("ping6Request", ping6Request), ("vrrpV6", vrrpV6),
        ("tcp6SYN", tcp6SYN), ("udp6", udp6), ("hopByHopUDP", hopByHopUDP), ("stp", stp), ("vlanARP", vlanARP),
        ("qinqTCP", qinqTCP),
        ("vlanVRRP", vlanVRRP),
    ]
}
