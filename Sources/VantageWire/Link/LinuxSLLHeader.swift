//  Linux "cooked" capture header, LINKTYPE_LINUX_SLL (113), 16 octets (libpcap pcap/sll.h).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |       packet type (u16)       |   ARPHRD_ hardware type (u16) |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  link-layer address len (u16) |                               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
//  |          link-layer address (8 octets, zero-padded)           |
//  +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                               |        protocol (u16)         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//  The address is the *sender's* link-layer address. The protocol is an EtherType, except for
//  Linux special values: 0x0001 (Novell raw 802.3), 0x0004 (an 802.2 LLC header follows), and
//  for hatype netlink / IPGRE a netlink family / GRE protocol type. It is kept raw.

/// Linux `sll_pkttype`: which way a cooked-capture packet went (open: unknown values round-trip).
public struct LinuxPacketType: RawRepresentable, Hashable, Sendable, CustomStringConvertible, Codable {
    /// The value as stored in SLL (16 bits; SLL2 stores 8).
    public var rawValue: UInt16
    /// A packet type from its value.
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// PACKET_HOST (0): addressed to this host.
    public static let host = LinuxPacketType(rawValue: 0)
    /// PACKET_BROADCAST (1): link-layer broadcast.
    public static let broadcast = LinuxPacketType(rawValue: 1)
    /// PACKET_MULTICAST (2): link-layer multicast.
    public static let multicast = LinuxPacketType(rawValue: 2)
    /// PACKET_OTHERHOST (3): to another host, seen in promiscuous mode.
    public static let otherHost = LinuxPacketType(rawValue: 3)
    /// PACKET_OUTGOING (4): sent by this host.
    public static let outgoing = LinuxPacketType(rawValue: 4)

    /// tcpdump's words: `In`, `B`, `M`, `P`, `Out`.
    public var description: String {
        switch self {
        case .host: "In"
        case .broadcast: "B"
        case .multicast: "M"
        case .otherHost: "P"
        case .outgoing: "Out"
        default: "pkttype-\(rawValue)"
        }
    }
}

/// A Linux cooked-capture v1 header (LINKTYPE_LINUX_SLL, 16 octets).
public struct LinuxSLLHeader: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Header length in octets.
    public static let length = 16
    /// SLL protocol value: raw Novell 802.3 frame follows (no LLC).
    public static let protocolNovell8023 = EtherType(rawValue: 0x0001)
    /// SLL protocol value: an 802.2 LLC header follows.
    public static let protocolLLC = EtherType(rawValue: 0x0004)

    /// Direction of the packet relative to the capturing host.
    public var packetType: LinuxPacketType
    /// Link-layer device type (ARPHRD_*).
    public var hardwareType: ARPHardwareType
    /// Declared link-layer address length (may exceed the 8 stored octets).
    public var addressLength: Int
    /// The sender's MAC address, when `addressLength` is 6.
    public var address: MACAddress?
    /// The protocol field: an EtherType or a Linux special value, kept raw.
    public var protocolType: EtherType

    /// A header from its fields (`addressLength` defaults to 6 with an address, else 0).
    public init(
        packetType: LinuxPacketType, hardwareType: ARPHardwareType = .ethernet, address: MACAddress?,
        addressLength: Int? = nil, protocolType: EtherType
    ) {
        self.packetType = packetType
        self.hardwareType = hardwareType
        self.address = address
        self.addressLength = addressLength ?? (address == nil ? 0 : 6)
        self.protocolType = protocolType
    }

    /// Octets of the address field that hold the address, relative to the header start.
    public var addressRange: Range<Int> { 6..<(6 + min(max(addressLength, 0), 8)) }

    /// Offset of the payload, relative to the header start.
    public var payloadOffset: Int { Self.length }

    /// Parses the header at the start of `bytes`.
    public static func parse(_ bytes: Span<UInt8>) throws(DecodeError) -> LinuxSLLHeader {
        try bytes.require(length, for: .linuxSLL)
        let halen = Int(bytes.u16(4))
        return LinuxSLLHeader(
            packetType: LinuxPacketType(rawValue: bytes.u16(0)), hardwareType: ARPHardwareType(rawValue: bytes.u16(2)),
            address: halen == 6 ? bytes.mac(6) : nil, addressLength: halen,
            protocolType: EtherType(rawValue: bytes.u16(14)))
    }

    /// Appends the 16 header octets (a non-MAC address is written as zeros).
    public func emit(into out: inout [UInt8]) {
        out.append16(packetType.rawValue)
        out.append16(hardwareType.rawValue)
        out.append16(UInt16(truncatingIfNeeded: addressLength))
        out.append(address ?? .zero)
        out.append16(0)
        out.append16(protocolType.rawValue)
    }

    /// tcpdump-like: `Out 02:aa:bb:cc:dd:ee ethertype ARP (0x0806)`.
    public var description: String {
        let hex = WireHex.format(protocolType.rawValue, digits: 4)
        let addr = address.map { "\($0) " } ?? ""
        return "\(packetType) \(addr)ethertype \(protocolType) (\(hex))"
    }
}
