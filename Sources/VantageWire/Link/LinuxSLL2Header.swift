//  Linux "cooked" capture header v2, LINKTYPE_LINUX_SLL2 (276), 20 octets (libpcap pcap/sll.h).
//  Written by `tcpdump -i any` on current libpcap.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |        protocol (u16)         |       reserved (u16)          |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                      interface index (u32)                    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |   ARPHRD_ hardware type (u16) | pkttype (u8)  | addr len (u8) |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |          link-layer address (8 octets, zero-padded)           |
//  +                                                               +
//  |                                                               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//  Protocol values as in LINKTYPE_LINUX_SLL (see LinuxSLLHeader), kept raw.

/// A Linux cooked-capture v2 header (LINKTYPE_LINUX_SLL2, 20 octets).
public struct LinuxSLL2Header: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Header length in octets.
    public static let length = 20

    /// The protocol field: an EtherType or a Linux special value, kept raw.
    public var protocolType: EtherType
    /// The reserved field (normally zero), kept for round trips.
    public var reserved: UInt16
    /// The capturing interface's index (identity of the interface within an `any` capture).
    public var interfaceIndex: UInt32
    /// Link-layer device type (ARPHRD_*).
    public var hardwareType: ARPHardwareType
    /// Direction of the packet relative to the capturing host.
    public var packetType: LinuxPacketType
    /// Declared link-layer address length (may exceed the 8 stored octets).
    public var addressLength: Int
    /// The sender's MAC address, when `addressLength` is 6.
    public var address: MACAddress?

    /// A header from its fields (`addressLength` defaults to 6 with an address, else 0).
    public init(
        protocolType: EtherType, interfaceIndex: UInt32, hardwareType: ARPHardwareType = .ethernet,
        packetType: LinuxPacketType, address: MACAddress?, addressLength: Int? = nil, reserved: UInt16 = 0
    ) {
        self.protocolType = protocolType
        self.reserved = reserved
        self.interfaceIndex = interfaceIndex
        self.hardwareType = hardwareType
        self.packetType = packetType
        self.addressLength = addressLength ?? (address == nil ? 0 : 6)
        self.address = address
    }

    /// Octets of the address field that hold the address, relative to the header start.
    public var addressRange: Range<Int> { 12..<(12 + min(max(addressLength, 0), 8)) }

    /// Offset of the payload, relative to the header start.
    public var payloadOffset: Int { Self.length }

    /// Parses the header at the start of `bytes`.
    public static func parse(_ bytes: Span<UInt8>) throws(DecodeError) -> LinuxSLL2Header {
        try bytes.require(length, for: .linuxSLL2)
        let halen = Int(bytes.u8(11))
        return LinuxSLL2Header(
            protocolType: EtherType(rawValue: bytes.u16(0)), interfaceIndex: bytes.u32(4),
            hardwareType: ARPHardwareType(rawValue: bytes.u16(8)),
            packetType: LinuxPacketType(rawValue: UInt16(bytes.u8(10))),
            address: halen == 6 ? bytes.mac(12) : nil, addressLength: halen, reserved: bytes.u16(2))
    }

    /// Appends the 20 header octets (a non-MAC address is written as zeros).
    public func emit(into out: inout [UInt8]) {
        out.append16(protocolType.rawValue)
        out.append16(reserved)
        out.append32(interfaceIndex)
        out.append16(hardwareType.rawValue)
        out.append8(UInt8(truncatingIfNeeded: packetType.rawValue))
        out.append8(UInt8(truncatingIfNeeded: addressLength))
        out.append(address ?? .zero)
        out.append16(0)
    }

    /// tcpdump-like: `ifindex 3 Out 02:aa:bb:cc:dd:ee ethertype ARP (0x0806)`.
    public var description: String {
        let hex = WireHex.format(protocolType.rawValue, digits: 4)
        let addr = address.map { "\($0) " } ?? ""
        return "ifindex \(interfaceIndex) \(packetType) \(addr)ethertype \(protocolType) (\(hex))"
    }
}
