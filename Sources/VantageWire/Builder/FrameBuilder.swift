//  Whole frames as bytes, for unit tests, scenario tests and detector tests.
//
//  Every layer is written by the `emit` function of its own decoder file (EthernetHeader,
//  VLANTag, IPv4Header, TCPHeader, VRRPAdvertisement, ...); this namespace only chooses
//  addresses, lengths and defaults and stacks the layers:
//
//     FrameBuilder.tcp(from:to:...)            Ethernet [+ 802.1Q / Q-in-Q] + IPv4 + TCP
//          |
//          +-- FrameBuilder.linuxSLL2(wrapping:)   the same network packet as `tcpdump -i any`
//          +-- FrameBuilder.rawIP(wrapping:)       ... as a raw-IP (tun, WireGuard) capture
//
//  Lengths and checksums are always right (IPv4 header; TCP, UDP, ICMPv6 and VRRPv3 with their
//  pseudo-headers; ICMP, IGMP, VRRPv2, CARP plain) unless a parameter asks for an anomaly
//  (a TTL that is not 255, an Ethernet source that differs from the ARP sender, ...).
//  tshark 4.x, with its IPv4 / TCP / UDP checksum checks on, finds every checksum of the seed
//  frames in Fuzz/corpus/decoder good (ICMP, ICMPv6, IGMP and VRRP included), and the ARP
//  variants match its labels byte for byte (FrameBuilderTests).
//
//  Ethernet frames are padded with zeros to 60 octets (the minimum frame without FCS, as a
//  receiving host captures it) unless `padTo:` says otherwise; pass `padTo: 0` for the unpadded
//  frame a sending host captures. Builders are for tests: they trap on impossible requests
//  (an IPv4 option area over 40 octets, wrapping a non-IP frame as raw IP).

/// Builds whole frames as `[UInt8]` from the `emit` functions of the VantageWire decoders.
///
/// Static factories with labelled parameters and defaults; Ethernet II is the default link,
/// `vlans:` adds 802.1Q or Q-in-Q tags, and the `wrapping` functions re-frame the same
/// network packet as Linux SLL / SLL2, BSD NULL / LOOP or raw IP:
///
/// ```swift
/// let syn = FrameBuilder.tcp(
///     from: (clientMAC, clientIP, 40000), to: (vipMAC, vip, 80), flags: [.syn],
///     seq: 1000, options: FrameBuilder.linuxSYNOptions, vlans: [100])
/// let cooked = FrameBuilder.linuxSLL2(wrapping: syn)
/// let decoded = PacketDecoder().decode(cooked.span, linkType: .linuxSLL2)
/// ```
public enum FrameBuilder {
    /// A station on an IPv4 link: its MAC and IPv4 address.
    public typealias Host = (mac: MACAddress, ip: IPv4Address)
    /// A TCP or UDP endpoint on an IPv4 link: MAC, IPv4 address and port.
    public typealias Endpoint = (mac: MACAddress, ip: IPv4Address, port: UInt16)
    /// A station on an IPv6 link: its MAC and IPv6 address.
    public typealias Host6 = (mac: MACAddress, ip: IPv6Address)
    /// A TCP or UDP endpoint on an IPv6 link: MAC, IPv6 address and port.
    public typealias Endpoint6 = (mac: MACAddress, ip: IPv6Address, port: UInt16)

    /// The minimum Ethernet frame without FCS (64 − 4): what a receiving host captures.
    public static let minimumFrameLength = 60

    /// One VLAN tag to insert after the Ethernet addresses.
    ///
    /// An integer literal is a tag with that VLAN id: `vlans: [100]` is an 802.1Q frame,
    /// `vlans: [100, 200]` a Q-in-Q frame with S-tag 100 (TPID 0x88A8) and C-tag 200 (0x8100).
    public struct VLAN: Sendable, Hashable, ExpressibleByIntegerLiteral {
        /// VLAN identifier (12 bits).
        public var id: UInt16
        /// Priority code point (3 bits).
        public var priority: UInt8
        /// Drop eligible indicator.
        public var dropEligible: Bool
        /// The TPID announcing this tag; nil = 0x8100 for the innermost tag, 0x88A8 for outer ones.
        public var tpid: EtherType?

        /// A tag with the given fields.
        public init(_ id: UInt16, priority: UInt8 = 0, dropEligible: Bool = false, tpid: EtherType? = nil) {
            self.id = id
            self.priority = priority
            self.dropEligible = dropEligible
            self.tpid = tpid
        }

        /// A tag with VLAN id `value` and default fields.
        public init(integerLiteral value: UInt16) { self.init(value) }
    }

    // MARK: - Ethernet

    /// An Ethernet II frame: `dst`, `src`, the VLAN tags, `type`, `payload`, then zero padding
    /// up to `padTo` octets (0 = no padding).
    public static func ethernet(
        src: MACAddress, dst: MACAddress, type: EtherType, payload: [UInt8], vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(max(minimumLength, EthernetHeader.length + 4 * vlans.count + payload.count))
        let tpids = vlans.indices.map { index in
            vlans[index].tpid ?? (index == vlans.count - 1 ? EtherType.vlan : EtherType.qinq)
        }
        EthernetHeader(destination: dst, source: src, typeOrLength: tpids.first ?? type).emit(into: &out)
        for (index, vlan) in vlans.enumerated() {
            let inner = index + 1 < vlans.count ? tpids[index + 1] : type
            VLANTag(
                tpid: tpids[index], priority: vlan.priority, dropEligible: vlan.dropEligible, id: vlan.id,
                innerType: inner
            ).emit(into: &out)
        }
        out += payload
        if out.count < minimumLength { out += repeatElement(0, count: minimumLength - out.count) }
        return out
    }

    /// An IEEE 802.3 frame: the type field holds the length of `llc` + `payload`, as spanning
    /// tree, CDP and NetBIOS use (decoded as ``NetworkLayer/llc(_:)``).
    public static func ieee8023(
        src: MACAddress, dst: MACAddress, llc: LLCHeader, payload: [UInt8] = [], vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        var body: [UInt8] = []
        llc.emit(into: &body)
        body += payload
        return ethernet(
            src: src, dst: dst, type: EtherType(rawValue: UInt16(truncatingIfNeeded: body.count)), payload: body,
            vlans: vlans, padTo: minimumLength)
    }

    /// `frame` followed by its Ethernet FCS (CRC-32 of IEEE 802.3, least significant octet
    /// first), as captures with `fcsLength: 4` hold it.
    public static func appendingFCS(_ frame: [UInt8]) -> [UInt8] {
        var crc: UInt32 = 0xFFFF_FFFF
        for octet in frame {
            crc ^= UInt32(octet)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        crc = ~crc
        var out = frame
        out.append32LE(crc)
        return out
    }

    // MARK: - IPv4

    /// An IPv4 packet (no link header): header with computed length and checksum, then `payload`.
    /// `options` are zero-padded to a multiple of 4 octets (at most 40).
    public static func ipv4Packet(
        from source: IPv4Address, to destination: IPv4Address, protocol proto: IPProtocol, payload: [UInt8],
        ttl: UInt8 = 64, identification: UInt16 = 0, dontFragment: Bool = false, moreFragments: Bool = false,
        fragmentOffset: Int = 0, tos: UInt8 = 0, options: [UInt8] = []
    ) -> [UInt8] {
        let optionLength = (options.count + 3) / 4 * 4
        precondition(optionLength <= 40, "IPv4 options are at most 40 octets")
        let header = IPv4Header(
            source: source, destination: destination, protocol: proto, payloadLength: payload.count, ttl: ttl,
            tos: tos, identification: identification, dontFragment: dontFragment, moreFragments: moreFragments,
            fragmentOffset: fragmentOffset, headerLength: IPv4Header.minimumLength + optionLength)
        var out: [UInt8] = []
        header.emit(options: options, payload: payload, into: &out)
        return out
    }

    /// An Ethernet frame carrying an IPv4 packet from `source` to `destination` (give a
    /// multicast destination its group MAC: `(group.multicastMAC, group)`).
    public static func ipv4(
        from source: Host, to destination: Host, protocol proto: IPProtocol, payload: [UInt8], ttl: UInt8 = 64,
        identification: UInt16 = 0, dontFragment: Bool = false, moreFragments: Bool = false,
        fragmentOffset: Int = 0, tos: UInt8 = 0, options: [UInt8] = [], vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        let packet = ipv4Packet(
            from: source.ip, to: destination.ip, protocol: proto, payload: payload, ttl: ttl,
            identification: identification, dontFragment: dontFragment, moreFragments: moreFragments,
            fragmentOffset: fragmentOffset, tos: tos, options: options)
        return ethernet(
            src: source.mac, dst: destination.mac, type: .ipv4, payload: packet, vlans: vlans, padTo: minimumLength)
    }

    // MARK: - IPv6

    /// An IPv6 packet (no link header): the fixed header with Payload Length set, then `payload`
    /// (which starts with the header named by `nextHeader`).
    public static func ipv6Packet(
        from source: IPv6Address, to destination: IPv6Address, nextHeader: IPProtocol, payload: [UInt8],
        hopLimit: UInt8 = 64, trafficClass: UInt8 = 0, flowLabel: UInt32 = 0
    ) -> [UInt8] {
        var out: [UInt8] = []
        IPv6Header(
            source: source, destination: destination, nextHeader: nextHeader, hopLimit: hopLimit,
            trafficClass: trafficClass, flowLabel: flowLabel
        ).emit(payload: payload, into: &out)
        return out
    }

    /// An Ethernet frame carrying an IPv6 packet (give a multicast destination its MAC:
    /// `(group.multicastMAC, group)`).
    public static func ipv6(
        from source: Host6, to destination: Host6, nextHeader: IPProtocol, payload: [UInt8], hopLimit: UInt8 = 64,
        trafficClass: UInt8 = 0, flowLabel: UInt32 = 0, vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        let packet = ipv6Packet(
            from: source.ip, to: destination.ip, nextHeader: nextHeader, payload: payload, hopLimit: hopLimit,
            trafficClass: trafficClass, flowLabel: flowLabel)
        return ethernet(
            src: source.mac, dst: destination.mac, type: .ipv6, payload: packet, vlans: vlans, padTo: minimumLength)
    }

    /// `(group.multicastMAC, group)`: a multicast IPv4 destination with its Ethernet address.
    static func multicast(_ group: IPv4Address) -> Host { (group.multicastMAC, group) }

    /// `(group.multicastMAC, group)`: a multicast IPv6 destination with its Ethernet address.
    static func multicast(_ group: IPv6Address) -> Host6 { (group.multicastMAC, group) }
}
