//  IEEE 802.2 LLC header, with the optional SNAP extension (IEEE 802 §10.3; RFC 1042).
//
//  +--------+--------+----------------+
//  |  DSAP  |  SSAP  | control (1|2)  |     U-frames (control & 0x03 == 0x03): 1 octet;
//  +--------+--------+----------------+     I- and S-frames: 2 octets.
//
//  SNAP, when DSAP = SSAP = 0xAA and control = 0x03 (UI):
//  +--------+--------+--------+--------+--------+--------+--------+--------+
//  |  0xAA  |  0xAA  |  0x03  |        OUI (3 octets)    |   EtherType     |
//  +--------+--------+--------+--------+--------+--------+--------+--------+
//
//  Follows an Ethernet header whose type field is an 802.3 length (≤ 1500), or a Linux SLL
//  header with protocol 0x0004. Spanning tree (DSAP 0x42) and NetBIOS (0xF0) are common here.

/// An IEEE 802.2 LLC header, with its SNAP extension when present.
public struct LLCHeader: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// The SAP value that announces a SNAP extension.
    public static let snapSAP: UInt8 = 0xAA
    /// The spanning-tree SAP.
    public static let spanningTreeSAP: UInt8 = 0x42

    /// Destination service access point (low bit: group address).
    public var dsap: UInt8
    /// Source service access point (low bit: response).
    public var ssap: UInt8
    /// The control field. A 2-octet control (I- and S-frames) keeps its first octet in the low
    /// byte, as IEEE 802.2 transmits it; U-frames have a 1-octet control with low bits `11`.
    public var control: UInt16
    /// The SNAP organisationally unique identifier, when a SNAP extension is present.
    public var snapOUI: UInt32?
    /// The SNAP protocol identifier (an EtherType when the OUI is 0), when SNAP is present.
    public var snapType: EtherType?

    /// A header from its fields; pass `snapOUI` and `snapType` together for a SNAP header.
    public init(dsap: UInt8, ssap: UInt8, control: UInt16 = 0x03, snapOUI: UInt32? = nil, snapType: EtherType? = nil) {
        self.dsap = dsap
        self.ssap = ssap
        self.control = control
        self.snapOUI = snapOUI
        self.snapType = snapType
    }

    /// An RFC 1042 SNAP header carrying `type` (OUI 00-00-00).
    public static func snap(_ type: EtherType) -> LLCHeader {
        LLCHeader(dsap: snapSAP, ssap: snapSAP, control: 0x03, snapOUI: 0, snapType: type)
    }

    /// Whether the control field is one octet (an unnumbered U-frame).
    public var isUnnumbered: Bool { control <= 0xFF && control & 0x03 == 0x03 }

    /// Whether a SNAP extension follows the LLC header.
    public var isSNAP: Bool { snapType != nil }

    /// Header length in octets (3 or 4, plus 5 with SNAP); the payload starts here.
    public var length: Int { (isUnnumbered ? 3 : 4) + (isSNAP ? 5 : 0) }

    /// Parses the header at the start of `bytes`.
    public static func parse(_ bytes: Span<UInt8>) throws(DecodeError) -> LLCHeader {
        try bytes.require(3, for: .llc)
        let dsap = bytes.u8(0)
        let ssap = bytes.u8(1)
        let first = bytes.u8(2)
        if first & 0x03 != 0x03 {
            try bytes.require(4, for: .llc)
            return LLCHeader(dsap: dsap, ssap: ssap, control: UInt16(bytes.u8(3)) << 8 | UInt16(first))
        }
        guard dsap == snapSAP, ssap == snapSAP, first == 0x03 else {
            return LLCHeader(dsap: dsap, ssap: ssap, control: UInt16(first))
        }
        try bytes.require(8, for: .llc)
        let oui = UInt32(bytes.u8(3)) << 16 | UInt32(bytes.u16(4))
        return LLCHeader(
            dsap: dsap, ssap: ssap, control: 0x03, snapOUI: oui, snapType: EtherType(rawValue: bytes.u16(6)))
    }

    /// Appends the header (3, 4 or 8 octets).
    public func emit(into out: inout [UInt8]) {
        out.append8(dsap)
        out.append8(ssap)
        out.append8(UInt8(truncatingIfNeeded: control))
        if !isUnnumbered { out.append8(UInt8(truncatingIfNeeded: control >> 8)) }
        if let snapType {
            let oui = snapOUI ?? 0
            out.append8(UInt8(truncatingIfNeeded: oui >> 16))
            out.append16(UInt16(truncatingIfNeeded: oui))
            out.append16(snapType.rawValue)
        }
    }

    /// tcpdump-like: `LLC, dsap 0x42, ssap 0x42, ctrl 0x03` or `LLC/SNAP, oui 0x000000, ethertype IPv4`.
    public var description: String {
        if let snapType {
            return "LLC/SNAP, oui \(WireHex.format(snapOUI ?? 0, digits: 6)), ethertype \(snapType)"
        }
        let width = isUnnumbered ? 2 : 4
        return "LLC, dsap \(WireHex.format(dsap, digits: 2)), ssap \(WireHex.format(ssap, digits: 2)), "
            + "ctrl \(WireHex.format(control, digits: width))"
    }
}
