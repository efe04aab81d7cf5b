//  FrameBuilder: ICMPv6 echo and Neighbor Discovery (RFC 4861; DAD RFC 4862 / nonce RFC 7527).
//
//  ND messages go out with hop limit 255 and their ICMPv6 checksum over the IPv6 pseudo-header.
//  `hopLimit:` and the link-layer address parameters let a test build the anomalies the
//  decoder reports (hop limit ≠ 255, SLLA / TLLA ≠ Ethernet source).

extension FrameBuilder {
    /// ff02::2, all routers.
    public static let allRouters = IPv6Address(high: 0xFF02_0000_0000_0000, low: 2)

    /// An ICMPv6 message (type, code, body) with its checksum, in an Ethernet + IPv6 frame.
    public static func icmpv6(
        type: ICMPv6Type, code: UInt8 = 0, body: [UInt8], from source: Host6, to destination: Host6,
        hopLimit: UInt8 = 64, vlans: [VLAN] = [], padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        var message: [UInt8] = []
        ICMPv6Message.emit(
            type: type, code: code, body: body, pseudo: .ipv6(source: source.ip, destination: destination.ip),
            into: &message)
        return ipv6(
            from: source, to: destination, nextHeader: .icmpv6, payload: message, hopLimit: hopLimit, vlans: vlans,
            padTo: minimumLength)
    }

    /// An ICMPv6 echo request (`ping -6`).
    public static func icmpv6EchoRequest(
        from source: Host6, to destination: Host6, identifier: UInt16 = 1, sequence: UInt16 = 1,
        payload: [UInt8] = pingPayload, hopLimit: UInt8 = 64, vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        icmpv6(
            type: .echoRequest, body: echoBody(identifier, sequence, payload), from: source, to: destination,
            hopLimit: hopLimit, vlans: vlans, padTo: minimumLength)
    }

    /// An ICMPv6 echo reply.
    public static func icmpv6EchoReply(
        from source: Host6, to destination: Host6, identifier: UInt16 = 1, sequence: UInt16 = 1,
        payload: [UInt8] = pingPayload, hopLimit: UInt8 = 64, vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        icmpv6(
            type: .echoReply, body: echoBody(identifier, sequence, payload), from: source, to: destination,
            hopLimit: hopLimit, vlans: vlans, padTo: minimumLength)
    }

    private static func echoBody(_ identifier: UInt16, _ sequence: UInt16, _ payload: [UInt8]) -> [UInt8] {
        var body: [UInt8] = []
        body.append16(identifier)
        body.append16(sequence)
        return body + payload
    }

    /// An ND message in an Ethernet + IPv6 frame from `source` (Ethernet source `source.mac`).
    public static func neighborDiscovery(
        _ message: NDMessage, from source: Host6, to destination: Host6, hopLimit: UInt8 = 255, vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        var bytes: [UInt8] = []
        message.emit(pseudo: .ipv6(source: source.ip, destination: destination.ip), into: &bytes)
        return ipv6(
            from: source, to: destination, nextHeader: .icmpv6, payload: bytes, hopLimit: hopLimit, vlans: vlans,
            padTo: minimumLength)
    }

    /// A neighbor solicitation for `target`: to its solicited-node group (address resolution)
    /// or, with `to`, unicast (reachability probe). Carries an SLLA option of
    /// `sourceLinkLayerAddress` (default `source.mac`) unless `includeSourceLinkLayerAddress`
    /// is false, and a nonce option when `nonce` is set.
    public static func neighborSolicitation(
        from source: Host6, target: IPv6Address, to destination: Host6? = nil,
        sourceLinkLayerAddress: MACAddress? = nil, includeSourceLinkLayerAddress: Bool = true,
        nonce: UInt64? = nil, hopLimit: UInt8 = 255, vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        let slla = includeSourceLinkLayerAddress ? (sourceLinkLayerAddress ?? source.mac) : nil
        return neighborDiscovery(
            .neighborSolicitation(target: target, sourceLinkLayerAddress: slla, nonce: nonce), from: source,
            to: destination ?? multicast(target.solicitedNodeGroup), hopLimit: hopLimit, vlans: vlans,
            padTo: minimumLength)
    }

    /// A duplicate address detection probe (RFC 4862 §5.4.2): an NS for `target` from `::` to
    /// the target's solicited-node group, Ethernet source `mac`, no SLLA, and (as Linux with
    /// enhanced DAD sends it) a nonce option unless `nonce` is nil.
    public static func dadProbe(
        mac: MACAddress, target: IPv6Address, nonce: UInt64? = 0x1F2E_3D4C_5B6A, vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        neighborSolicitation(
            from: (mac, .unspecified), target: target, includeSourceLinkLayerAddress: false, nonce: nonce,
            vlans: vlans, padTo: minimumLength)
    }

    /// A neighbor advertisement for `target` (default `source.ip`): unsolicited to all nodes
    /// (ff02::1) unless `to` names the soliciting host. Carries a TLLA option of
    /// `targetLinkLayerAddress` (default `source.mac`) unless `includeTargetLinkLayerAddress`
    /// is false.
    public static func neighborAdvertisement(
        from source: Host6, target: IPv6Address? = nil, to destination: Host6? = nil, router: Bool = false,
        solicited: Bool = false, override: Bool = true, targetLinkLayerAddress: MACAddress? = nil,
        includeTargetLinkLayerAddress: Bool = true, hopLimit: UInt8 = 255, vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        let tlla = includeTargetLinkLayerAddress ? (targetLinkLayerAddress ?? source.mac) : nil
        return neighborDiscovery(
            .neighborAdvertisement(
                target: target ?? source.ip, router: router, solicited: solicited, override: override,
                targetLinkLayerAddress: tlla),
            from: source, to: destination ?? multicast(.allNodes), hopLimit: hopLimit, vlans: vlans,
            padTo: minimumLength)
    }

    /// A router advertisement to all nodes (or `to`), with an SLLA option (`source.mac`), an
    /// MTU option when `mtu` is set and a prefix information option when `prefix` is set.
    public static func routerAdvertisement(
        from source: Host6, prefix: IPv6Address? = nil, prefixLength: UInt8 = 64, routerLifetime: UInt16 = 1800,
        curHopLimit: UInt8 = 64, managed: Bool = false, other: Bool = false, reachableTime: UInt32 = 0,
        retransTimer: UInt32 = 0, mtu: UInt32? = nil, includeSourceLinkLayerAddress: Bool = true,
        to destination: Host6? = nil, hopLimit: UInt8 = 255, vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        let message = NDMessage(
            kind: .routerAdvertisement, curHopLimit: curHopLimit, managed: managed, other: other,
            routerLifetime: routerLifetime, reachableTime: reachableTime, retransTimer: retransTimer,
            sourceLinkLayerAddress: includeSourceLinkLayerAddress ? source.mac : nil, mtu: mtu, prefix: prefix,
            prefixLength: prefix == nil ? nil : prefixLength)
        return neighborDiscovery(
            message, from: source, to: destination ?? multicast(.allNodes), hopLimit: hopLimit, vlans: vlans,
            padTo: minimumLength)
    }

    /// A router solicitation to all routers (ff02::2), with an SLLA option unless the source
    /// is `::` or `includeSourceLinkLayerAddress` is false.
    public static func routerSolicitation(
        from source: Host6, includeSourceLinkLayerAddress: Bool = true, hopLimit: UInt8 = 255, vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        let slla = includeSourceLinkLayerAddress && !source.ip.isUnspecified ? source.mac : nil
        return neighborDiscovery(
            NDMessage(kind: .routerSolicitation, sourceLinkLayerAddress: slla), from: source,
            to: multicast(allRouters), hopLimit: hopLimit, vlans: vlans, padTo: minimumLength)
    }
}
