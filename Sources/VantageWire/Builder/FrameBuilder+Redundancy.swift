//  FrameBuilder: first-hop redundancy and cluster heartbeats (protocols.md §3–§6).
//
//    VRRPv2 / VRRPv3 over IPv4   224.0.0.18, TTL 255, source 00:00:5e:00:01:{vrid}
//    VRRPv3 over IPv6            ff02::12, hop limit 255, source 00:00:5e:00:02:{vrid}
//    CARP (ucarp style)          224.0.0.18, TTL 255, source 00:00:5e:00:00:{vhid}
//    HSRP v1 / v2                UDP 1985 -> 1985, 224.0.0.2 / 224.0.0.102, TTL 1
//    Windows NLB heartbeat       EtherType 0x886F, masked source 02:{host}:{cluster IP} to the
//                                cluster MAC

extension FrameBuilder {
    /// 224.0.0.18, the VRRP / CARP group.
    public static let vrrpGroup = IPv4Address(224, 0, 0, 18)
    /// ff02::12, the VRRPv3 IPv6 group.
    public static let vrrpGroup6 = IPv6Address(high: 0xFF02_0000_0000_0000, low: 0x12)
    /// 224.0.0.2, the HSRPv1 group (all routers).
    public static let hsrpV1Group = IPv4Address(224, 0, 0, 2)
    /// 224.0.0.102, the HSRPv2 group.
    public static let hsrpV2Group = IPv4Address(224, 0, 0, 102)

    // MARK: - VRRP

    /// A VRRP advertisement over IPv4 from `source` (the master's real address) to 224.0.0.18.
    ///
    /// `version` 2 (RFC 3768: interval in whole seconds, `authType` / `authData` or a simple
    /// text `password` of up to 8 octets) or 3 (RFC 5798: interval in centiseconds, checksum
    /// over the pseudo-header unless `v3ChecksumIncludesPseudoHeader` is false, keepalived's
    /// `v3_checksum_as_v2`). The Ethernet source defaults to the virtual MAC 00:00:5e:00:01:{vrid}.
    public static func vrrpAdvert(
        vrid: UInt8, priority: UInt8 = 100, addresses: [IPv4Address], from source: IPv4Address, version: UInt8 = 2,
        intervalCentiseconds: UInt16 = 100, authType: VRRPAuthType = .none, authData: UInt64 = 0,
        password: String? = nil, v3ChecksumIncludesPseudoHeader: Bool = true, sourceMAC: MACAddress? = nil,
        ttl: UInt8 = 255, vlans: [VLAN] = [], padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        var type = authType
        var data = authData
        if let password {
            type = .simpleText
            data = 0
            for (index, octet) in password.utf8.prefix(8).enumerated() {
                data |= UInt64(octet) << UInt64(56 - 8 * index)
            }
        }
        let advert = VRRPAdvertisement(
            version: version, vrid: vrid, priority: priority, authType: version == 2 ? type : nil,
            advertisementIntervalCentiseconds: intervalCentiseconds, authData: version == 2 ? data : nil)
        var body: [UInt8] = []
        let pseudo = PseudoHeader.ipv4(source: source, destination: vrrpGroup)
        advert.emit(
            addresses: addresses, pseudo: version == 3 && v3ChecksumIncludesPseudoHeader ? pseudo : nil, into: &body)
        return ipv4(
            from: (sourceMAC ?? VRRPAdvertisement.virtualMAC(vrid: vrid), source), to: multicast(vrrpGroup),
            protocol: .vrrp, payload: body, ttl: ttl, vlans: vlans, padTo: minimumLength)
    }

    /// A VRRPv3 advertisement over IPv6 from `source` (the master's link-local address) to
    /// ff02::12; the Ethernet source defaults to 00:00:5e:00:02:{vrid}.
    public static func vrrpV6Advert(
        vrid: UInt8, priority: UInt8 = 100, addresses: [IPv6Address], from source: IPv6Address,
        intervalCentiseconds: UInt16 = 100, sourceMAC: MACAddress? = nil, hopLimit: UInt8 = 255,
        vlans: [VLAN] = [], padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        let advert = VRRPAdvertisement(
            version: 3, vrid: vrid, priority: priority, advertisementIntervalCentiseconds: intervalCentiseconds,
            addressFamily: .ipv6)
        var body: [UInt8] = []
        advert.emit(ipv6Addresses: addresses, pseudo: .ipv6(source: source, destination: vrrpGroup6), into: &body)
        return ipv6(
            from: (sourceMAC ?? VRRPAdvertisement.virtualMAC(vrid: vrid, ipv6: true), source),
            to: multicast(vrrpGroup6), nextHeader: .vrrp, payload: body, hopLimit: hopLimit, vlans: vlans,
            padTo: minimumLength)
    }

    // MARK: - CARP

    /// A CARP advertisement from `source` to 224.0.0.18 (36 octets, AuthLen 7, `hmac` zero-padded
    /// to 20 octets). The Ethernet source defaults to ucarp's 00:00:5e:00:00:{vhid}; pass
    /// ``CARPAdvertisement/virtualMAC(vhid:)`` for a BSD kernel's 00:00:5e:00:01:{vhid}.
    public static func carpAdvert(
        vhid: UInt8, advbase: UInt8 = 1, advskew: UInt8 = 0, demote: UInt8 = 0, counter: UInt64 = 0,
        hmac: [UInt8] = [], from source: IPv4Address, sourceMAC: MACAddress? = nil, ttl: UInt8 = 255,
        vlans: [VLAN] = [], padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        var body: [UInt8] = []
        CARPAdvertisement(vhid: vhid, advskew: advskew, demote: demote, advbase: advbase, counter: counter)
            .emit(hmac: hmac, into: &body)
        return ipv4(
            from: (sourceMAC ?? CARPAdvertisement.ucarpSourceMAC(vhid: vhid), source), to: multicast(vrrpGroup),
            protocol: .vrrp, payload: body, ttl: ttl, vlans: vlans, padTo: minimumLength)
    }

    // MARK: - HSRP

    /// An HSRP message over UDP 1985 → 1985 from `source` to 224.0.0.2 (v1) or 224.0.0.102 (v2),
    /// TTL 1. The active router sends from the virtual MAC: pass it as `source.mac`.
    public static func hsrp(
        _ message: HSRPMessage, from source: Host, ttl: UInt8 = 1, vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        var body: [UInt8] = []
        message.emit(into: &body)
        let group = message.version == 2 ? hsrpV2Group : hsrpV1Group
        let port = PacketDecoder.hsrpPorts.0
        return udp(
            from: (source.mac, source.ip, port), to: (group.multicastMAC, group, port), payload: body, ttl: ttl,
            vlans: vlans, padTo: minimumLength)
    }

    /// An HSRP hello for `group` announcing `virtualIP` (v2: with `source.mac` as identifier).
    public static func hsrpHello(
        version: UInt8 = 1, group: UInt16, priority: UInt32 = 100, state: HSRPState = .active,
        virtualIP: IPv4Address, from source: Host, helloTimeMilliseconds: UInt32 = 3000,
        holdTimeMilliseconds: UInt32 = 10000, vlans: [VLAN] = [], padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        let message = HSRPMessage(
            version: version, opcode: .hello, state: state, group: group, priority: priority,
            helloTimeMilliseconds: helloTimeMilliseconds, holdTimeMilliseconds: holdTimeMilliseconds,
            virtualIP: virtualIP, identifier: version == 2 ? source.mac : nil)
        return hsrp(message, from: source, vlans: vlans, padTo: minimumLength)
    }

    // MARK: - Windows NLB

    /// A Windows NLB heartbeat (EtherType 0x886F) of `length` octets from host `hostID`
    /// (priority 1–32) of the cluster `clusterIP`.
    ///
    /// The Ethernet source defaults to the masked 02:{hostID}:{cluster IP}, the destination to
    /// the cluster MAC of `mode` (unicast 02:bf:…, multicast 03:bf:…, IGMP 01:00:5e:7f:…).
    public static func nlbHeartbeat(
        hostID: UInt8, clusterIP: IPv4Address, dedicatedIP: IPv4Address, mode: NLBMode = .unicast,
        convergenceState: UInt16 = 1, numberOfRules: UInt16 = 1, packetsHandled: UInt32 = 0,
        length: Int = NLBHeartbeat.fullLength, sourceMAC: MACAddress? = nil, destinationMAC: MACAddress? = nil,
        vlans: [VLAN] = [], padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        let heartbeat = NLBHeartbeat(
            uniqueHostID: UInt32(hostID), clusterIP: clusterIP, dedicatedIP: dedicatedIP, myHostID: UInt16(hostID),
            defaultHostID: 1, convergenceState: convergenceState, numberOfRules: numberOfRules,
            uniqueHostCode: 0, packetsHandled: packetsHandled, teamingConfig: 0)
        var body: [UInt8] = []
        heartbeat.emit(length: length, into: &body)
        return ethernet(
            src: sourceMAC ?? NLBClusterMAC.maskedSourceMAC(hostID: hostID, clusterIP: clusterIP),
            dst: destinationMAC ?? NLBClusterMAC.mac(for: mode, clusterIP: clusterIP), type: .nlbHeartbeat,
            payload: body, vlans: vlans, padTo: minimumLength)
    }
}
