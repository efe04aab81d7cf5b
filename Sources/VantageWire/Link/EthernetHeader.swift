//  Ethernet II / IEEE 802.3 MAC header (IEEE 802.3 §3.2; RFC 894).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                 Destination MAC (6 octets)                    |
//  +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                               |                               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
//  |                   Source MAC (6 octets)                       |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |   EtherType or 802.3 length   |  payload ...
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//  A type/length value <= 1500 is an IEEE 802.3 length: an 802.2 LLC header follows
//  (see LLCHeader). Values 0x0600 and up are EtherTypes. The FCS is normally not captured.

/// An Ethernet II or IEEE 802.3 MAC header (14 octets, FCS not included).
public struct EthernetHeader: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Header length in octets.
    public static let length = 14

    /// Destination MAC address.
    public var destination: MACAddress
    /// Source MAC address.
    public var source: MACAddress
    /// The EtherType, or an 802.3 length when ``isIEEE8023``.
    public var typeOrLength: EtherType

    /// A header from its fields.
    public init(destination: MACAddress, source: MACAddress, typeOrLength: EtherType) {
        self.destination = destination
        self.source = source
        self.typeOrLength = typeOrLength
    }

    /// Whether the type field is an 802.3 length (≤ 1500), so an 802.2 LLC header follows.
    public var isIEEE8023: Bool { typeOrLength.isLength }

    /// Offset of the payload (the byte after the header), relative to the header start.
    public var payloadOffset: Int { Self.length }

    /// Parses the header at the start of `bytes`.
    @inline(__always)
    public static func parse(_ bytes: Span<UInt8>) throws(DecodeError) -> EthernetHeader {
        try bytes.require(length, for: .ethernet)
        return EthernetHeader(
            destination: bytes.mac(0), source: bytes.mac(6), typeOrLength: EtherType(rawValue: bytes.u16(12)))
    }

    /// Appends the 14 header octets.
    public func emit(into out: inout [UInt8]) {
        out.append(destination)
        out.append(source)
        out.append16(typeOrLength.rawValue)
    }

    /// tcpdump `-e` style: `02:aa:.. > ff:ff:.., ethertype ARP (0x0806)`.
    public var description: String {
        if isIEEE8023 {
            return "\(source) > \(destination), 802.3, length \(typeOrLength.rawValue)"
        }
        let hex = WireHex.format(typeOrLength.rawValue, digits: 4)
        return "\(source) > \(destination), ethertype \(typeOrLength) (\(hex))"
    }
}
