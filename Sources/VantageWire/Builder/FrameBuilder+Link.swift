//  FrameBuilder: the same network packet under other link types.
//
//    Ethernet frame  | dst | src | [TPID TCI]* | type | network packet | padding |
//      linuxSLL      | SLL header (16), protocol = type or first TPID | [TCI type]* | packet | padding |
//      linuxSLL2     | SLL2 header (20), likewise                                                   |
//      null / loop   | AF word (4) | IP packet |      (VLAN tags and padding dropped)
//      rawIP         | IP packet |
//
//  Cooked captures keep VLAN tags after the SLL header as libpcap re-inserts them (protocol
//  0x8100, then TCI and the inner type), and keep Ethernet padding as a receiving host sees it;
//  an 802.3 frame becomes protocol 0x0004 (LLC follows). The link-layer address is the
//  Ethernet source. NULL, LOOP and raw IP carry IPv4 and IPv6 only, cut to the IP length.

extension FrameBuilder {
    /// A link type a frame built here can be re-framed as, with its pcap ``linkType``.
    public enum LinkWrapping: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// The Ethernet frame itself (LINKTYPE_ETHERNET).
        case ethernet
        /// Linux cooked capture v1 (LINKTYPE_LINUX_SLL).
        case linuxSLL
        /// Linux cooked capture v2, `tcpdump -i any` (LINKTYPE_LINUX_SLL2).
        case linuxSLL2
        /// BSD loopback, little-endian address family (LINKTYPE_NULL).
        case null
        /// OpenBSD loopback, network-order address family (LINKTYPE_LOOP).
        case loop
        /// Raw IP (LINKTYPE_RAW).
        case raw

        /// The pcap link type of frames wrapped this way.
        public var linkType: LinkType {
            switch self {
            case .ethernet: .ethernet
            case .linuxSLL: .linuxSLL
            case .linuxSLL2: .linuxSLL2
            case .null: .null
            case .loop: .loop
            case .raw: .raw
            }
        }

        /// Whether the wrapping keeps the link layer's source address (Ethernet, SLL, SLL2).
        public var keepsSourceMAC: Bool { self == .ethernet || self == .linuxSLL || self == .linuxSLL2 }

        /// Whether `ethernetFrame` can be wrapped this way (NULL, LOOP, raw: IPv4 / IPv6 only).
        public func canWrap(_ ethernetFrame: [UInt8]) -> Bool {
            keepsSourceMAC || ipPacket(in: ethernetFrame) != nil
        }

        /// `ethernetFrame` re-framed for this link type.
        public func wrap(_ ethernetFrame: [UInt8]) -> [UInt8] {
            switch self {
            case .ethernet: ethernetFrame
            case .linuxSLL: FrameBuilder.linuxSLL(wrapping: ethernetFrame)
            case .linuxSLL2: FrameBuilder.linuxSLL2(wrapping: ethernetFrame)
            case .null: FrameBuilder.null(wrapping: ethernetFrame)
            case .loop: FrameBuilder.loop(wrapping: ethernetFrame)
            case .raw: FrameBuilder.rawIP(wrapping: ethernetFrame)
            }
        }

        /// The wrapping's name.
        public var description: String { rawValue }
    }

    /// The SLL protocol, SLL packet type and bytes after the Ethernet header of `frame`.
    private static func cooked(
        _ frame: [UInt8], packetType: LinuxPacketType?
    ) -> (header: EthernetHeader, packetType: LinuxPacketType, protocolType: EtherType, rest: ArraySlice<UInt8>) {
        guard let header = try? EthernetHeader.parse(frame.span) else {
            preconditionFailure("not an Ethernet frame: \(frame.count) octets")
        }
        let direction: LinuxPacketType =
            packetType
            ?? (header.destination.isBroadcast
                ? .broadcast : header.destination.isMulticast ? .multicast : .host)
        let type = header.isIEEE8023 ? LinuxSLLHeader.protocolLLC : header.typeOrLength
        return (header, direction, type, frame[EthernetHeader.length...])
    }

    /// `frame` (an Ethernet frame) as a Linux cooked capture v1 record.
    /// `packetType` defaults from the destination MAC: broadcast, multicast or host.
    public static func linuxSLL(wrapping frame: [UInt8], packetType: LinuxPacketType? = nil) -> [UInt8] {
        let parts = cooked(frame, packetType: packetType)
        var out: [UInt8] = []
        LinuxSLLHeader(packetType: parts.packetType, address: parts.header.source, protocolType: parts.protocolType)
            .emit(into: &out)
        return out + parts.rest
    }

    /// `frame` (an Ethernet frame) as a Linux cooked capture v2 record (`tcpdump -i any`).
    /// `packetType` defaults from the destination MAC: broadcast, multicast or host.
    public static func linuxSLL2(
        wrapping frame: [UInt8], interfaceIndex: UInt32 = 2, packetType: LinuxPacketType? = nil
    ) -> [UInt8] {
        let parts = cooked(frame, packetType: packetType)
        var out: [UInt8] = []
        LinuxSLL2Header(
            protocolType: parts.protocolType, interfaceIndex: interfaceIndex, packetType: parts.packetType,
            address: parts.header.source
        ).emit(into: &out)
        return out + parts.rest
    }

    /// The IP packet in an Ethernet frame (VLAN tags skipped, padding cut to the IP length),
    /// or nil when the frame does not carry IPv4 or IPv6.
    public static func ipPacket(in frame: [UInt8]) -> (type: EtherType, packet: [UInt8])? {
        guard let located = networkLayer(in: frame) else { return nil }
        let rest = Array(frame[located.offset...])
        switch located.type {
        case .ipv4:
            guard let header = try? IPv4Header.parse(rest.span) else { return nil }
            let end = header.totalLength == 0 ? rest.count : min(header.totalLength, rest.count)
            return (.ipv4, Array(rest[..<end]))
        case .ipv6:
            guard let header = try? IPv6Header.parse(rest.span) else { return nil }
            return (.ipv6, Array(rest[..<header.payloadRange.upperBound]))
        default:
            return nil
        }
    }

    /// The EtherType after the VLAN tags of an Ethernet frame and the offset of what it announces.
    public static func networkLayer(in frame: [UInt8]) -> (type: EtherType, offset: Int)? {
        guard let header = try? EthernetHeader.parse(frame.span) else { return nil }
        var type = header.typeOrLength
        var offset = EthernetHeader.length
        while type.isVLANTag {
            guard let tag = try? VLANTag.parse(frame.span.extracting(offset...), tpid: type) else { return nil }
            type = tag.innerType
            offset += VLANTag.length
        }
        return (type, offset)
    }

    private static func ipPacketOrTrap(_ frame: [UInt8]) -> (type: EtherType, packet: [UInt8]) {
        guard let found = ipPacket(in: frame) else { preconditionFailure("not an IPv4 or IPv6 frame") }
        return found
    }

    /// The IP packet of `frame` behind a LINKTYPE_NULL address-family word (little-endian by
    /// default, as x86 and ARM hosts write it). IPv6 uses `inet6Family` (Darwin's 30 by default).
    public static func null(
        wrapping frame: [UInt8], littleEndian: Bool = true, inet6Family: AddressFamily = .inet6Darwin
    ) -> [UInt8] {
        let found = ipPacketOrTrap(frame)
        var out: [UInt8] = []
        NullHeader(family: found.type == .ipv4 ? .inet : inet6Family, isLittleEndian: littleEndian).emit(into: &out)
        return out + found.packet
    }

    /// The IP packet of `frame` behind a LINKTYPE_LOOP address-family word (network order).
    /// IPv6 uses `inet6Family` (OpenBSD's 24 by default).
    public static func loop(wrapping frame: [UInt8], inet6Family: AddressFamily = .inet6BSD) -> [UInt8] {
        let found = ipPacketOrTrap(frame)
        var out: [UInt8] = []
        NullHeader(family: found.type == .ipv4 ? .inet : inet6Family, isLittleEndian: false).emit(into: &out)
        return out + found.packet
    }

    /// The IP packet of `frame` alone (LINKTYPE_RAW: tun devices, WireGuard, some VPN captures).
    public static func rawIP(wrapping frame: [UInt8]) -> [UInt8] {
        ipPacketOrTrap(frame).packet
    }

    // MARK: - Anomalies

    /// `frame` with its IPv4 header checksum made wrong (the header left as it was otherwise).
    public static func withBadIPv4Checksum(_ frame: [UInt8]) -> [UInt8] {
        guard let located = networkLayer(in: frame), located.type == .ipv4,
            frame.count >= located.offset + IPv4Header.minimumLength
        else { preconditionFailure("not an IPv4 frame") }
        var out = frame
        out[located.offset + 10] ^= 0x55
        out[located.offset + 11] ^= 0x55
        return out
    }
}
