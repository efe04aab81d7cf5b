//  IEEE 802.1Q VLAN tag (C-tag 0x8100), 802.1ad S-tag (0x88A8) and the legacy 0x9100 outer tag.
//
//  The TPID is the EtherType field of the header before the tag; the tag proper is:
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | PCP |D|        VLAN ID        |   inner EtherType / length    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//         ^ DEI (drop eligible)
//
//  Q-in-Q stacks tags: outer 0x88A8 (or 0x9100), inner 0x8100, then the payload EtherType.

/// One VLAN tag (TCI and the EtherType after it), as found after a TPID.
public struct VLANTag: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Octets after the TPID: TCI and inner EtherType.
    public static let length = 4

    /// The tag protocol identifier that introduced this tag (0x8100, 0x88A8 or 0x9100).
    public var tpid: EtherType
    /// Priority code point (3 bits, 0–7).
    public var priority: UInt8
    /// Drop eligible indicator (formerly CFI).
    public var dropEligible: Bool
    /// VLAN identifier (12 bits, 0–4095).
    public var id: UInt16
    /// The EtherType (or 802.3 length) after the tag; another TPID when tags are stacked.
    public var innerType: EtherType

    /// A tag from its fields; `priority` and `id` are masked to 3 and 12 bits.
    public init(
        tpid: EtherType = .vlan, priority: UInt8 = 0, dropEligible: Bool = false, id: UInt16, innerType: EtherType
    ) {
        self.tpid = tpid
        self.priority = priority & 0x07
        self.dropEligible = dropEligible
        self.id = id & 0x0FFF
        self.innerType = innerType
    }

    /// Parses a tag from `bytes` starting at the TCI (just after the TPID `tpid`).
    @inline(__always)
    public static func parse(_ bytes: Span<UInt8>, tpid: EtherType) throws(DecodeError) -> VLANTag {
        try bytes.require(length, for: .vlan)
        let tci = bytes.u16(0)
        return VLANTag(
            tpid: tpid, priority: UInt8(truncatingIfNeeded: tci >> 13), dropEligible: tci & 0x1000 != 0,
            id: tci & 0x0FFF, innerType: EtherType(rawValue: bytes.u16(2)))
    }

    /// The 16-bit tag control information.
    public var tci: UInt16 { UInt16(priority & 0x07) << 13 | (dropEligible ? 0x1000 : 0) | id & 0x0FFF }

    /// Appends the TCI and inner EtherType (4 octets; the TPID belongs to the previous header).
    public func emit(into out: inout [UInt8]) {
        out.append16(tci)
        out.append16(innerType.rawValue)
    }

    /// tcpdump-like: `vlan 100, p 0, ethertype ARP (0x0806)`.
    public var description: String {
        let dei = dropEligible ? ", DEI" : ""
        let hex = WireHex.format(innerType.rawValue, digits: 4)
        return "vlan \(id), p \(priority)\(dei), ethertype \(innerType) (\(hex))"
    }
}
