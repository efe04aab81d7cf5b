//  IPv6 extension header chain (RFC 8200 §4; AH RFC 4302; Mobility RFC 6275).
//
//  Generic extension header (hop-by-hop 0, routing 43, destination options 60, mobility 135):
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Next Header  |  Hdr Ext Len  |  ... (Hdr Ext Len + 1) × 8 octets in all
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//  Fragment header (44), 8 octets:
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                         Identification                        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//  Authentication header (51): like the generic one but (Payload Len + 2) × 4 octets.
//  The walk stops at ESP (50, opaque), No Next Header (59), any upper-layer protocol, and after
//  the fragment header of a non-first fragment (what follows is fragment data, not a header).

/// The result of walking an IPv6 extension header chain to the upper-layer protocol.
public struct IPv6ExtensionWalk: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Most extension headers accepted before the chain is declared malformed.
    public static let maximumExtensionCount = 16

    /// The protocol after the last extension header (ESP and No Next Header included).
    public var upperProtocol: IPProtocol
    /// Whether a fragment header was present.
    public var hasFragmentHeader: Bool
    /// The M (more fragments) flag.
    public var moreFragments: Bool
    /// The fragment identification (0 without a fragment header).
    public var fragmentIdentification: UInt32
    /// Offset of the upper-layer header (or fragment data), relative to the walked bytes.
    public var upperOffset: Int
    /// Number of extension headers skipped.
    public var extensionCount: Int
    /// Fragment offset in octets (0 without a fragment header).
    public var fragmentOffset: Int

    /// A walk result from its fields (for tests and builders).
    public init(
        upperProtocol: IPProtocol, upperOffset: Int = 0, extensionCount: Int = 0, hasFragmentHeader: Bool = false,
        fragmentOffset: Int = 0, moreFragments: Bool = false, fragmentIdentification: UInt32 = 0
    ) {
        self.upperProtocol = upperProtocol
        self.upperOffset = upperOffset
        self.extensionCount = extensionCount
        self.hasFragmentHeader = hasFragmentHeader
        self.fragmentOffset = fragmentOffset
        self.moreFragments = moreFragments
        self.fragmentIdentification = fragmentIdentification
    }

    /// Whether this packet is a fragment (offset ≠ 0 or M set; an RFC 6946 atomic fragment is not).
    public var isFragment: Bool { fragmentOffset != 0 || moreFragments }
    /// Whether the fragment offset is 0: an unfragmented packet or the first fragment, so the
    /// upper-layer header is at ``upperOffset``. (A first fragment proper is
    /// `isFragment && isFirstFragment`.)
    public var isFirstFragment: Bool { fragmentOffset == 0 }
    /// Whether the upper-layer header is present at ``upperOffset`` (same as ``isFirstFragment``).
    public var carriesTransportHeader: Bool { fragmentOffset == 0 }

    /// Whether `proto` is an extension header this walk skips.
    public static func isExtension(_ proto: IPProtocol) -> Bool {
        switch proto {
        case .hopByHop, .routing, .fragment, .destinationOptions, .ah, .mobility: true
        default: false
        }
    }

    /// Walks the chain in `bytes` (the IPv6 payload) starting with header type `firstHeader`.
    public static func walk(_ bytes: Span<UInt8>, firstHeader: IPProtocol) throws(DecodeError) -> IPv6ExtensionWalk {
        var result = IPv6ExtensionWalk(upperProtocol: firstHeader)
        var offset = 0
        var current = firstHeader
        chain: while isExtension(current) {
            guard result.extensionCount < maximumExtensionCount else {
                throw .malformed(layer: .ipv6Extension, offset: offset, reason: "too many extension headers")
            }
            try bytes.require(offset + 2, for: .ipv6Extension)
            let next = IPProtocol(rawValue: bytes.u8(offset))
            let length: Int
            switch current {
            case .fragment: length = 8
            case .ah: length = (Int(bytes.u8(offset + 1)) + 2) * 4
            default: length = (Int(bytes.u8(offset + 1)) + 1) * 8
            }
            try bytes.require(offset + length, for: .ipv6Extension)
            result.extensionCount += 1
            if current == .fragment {
                let field = bytes.u16(offset + 2)
                if !result.hasFragmentHeader {
                    result.hasFragmentHeader = true
                    result.fragmentOffset = Int(field & 0xFFF8)
                    result.moreFragments = field & 0x0001 != 0
                    result.fragmentIdentification = bytes.u32(offset + 4)
                }
                offset += length
                current = next
                if field & 0xFFF8 != 0 { break chain }  // Fragment data follows, not another header.
            } else {
                offset += length
                current = next
            }
        }
        result.upperProtocol = current
        result.upperOffset = offset
        return result
    }

    /// Appends an 8-octet fragment header (`offset` in octets, a multiple of 8).
    public static func emitFragmentHeader(
        nextHeader: IPProtocol, offset: Int, moreFragments: Bool, identification: UInt32, into out: inout [UInt8]
    ) {
        out.append8(nextHeader.rawValue)
        out.append8(0)
        out.append16(UInt16(truncatingIfNeeded: offset) & 0xFFF8 | (moreFragments ? 1 : 0))
        out.append32(identification)
    }

    /// Appends a hop-by-hop or destination options header of `units` × 8 octets filled with
    /// PadN, or, with `routerAlert`, a router alert option (MLD) then padding.
    public static func emitOptionsHeader(
        nextHeader: IPProtocol, units: Int = 1, routerAlert: Bool = false, into out: inout [UInt8]
    ) {
        let total = max(1, units) * 8
        out.append8(nextHeader.rawValue)
        out.append8(UInt8(truncatingIfNeeded: total / 8 - 1))
        var left = total - 2
        if routerAlert {
            out.append(contentsOf: [0x05, 0x02, 0x00, 0x00])
            left -= 4
        }
        if left == 1 {
            out.append8(0)  // Pad1
        } else if left >= 2 {
            out.append8(1)  // PadN
            out.append8(UInt8(truncatingIfNeeded: left - 2))
            out.append(contentsOf: repeatElement(0, count: left - 2))
        }
    }

    /// Short text: `2 ext hdrs, frag id 0x12345678 offset 1448+, upper ICMPv6 at 16`.
    public var description: String {
        var parts: [String] = ["\(extensionCount) ext hdrs"]
        if hasFragmentHeader {
            parts.append(
                "frag id \(WireHex.format(fragmentIdentification, digits: 8)) offset \(fragmentOffset)"
                    + (moreFragments ? "+" : ""))
        }
        parts.append("upper \(upperProtocol) at \(upperOffset)")
        return parts.joined(separator: ", ")
    }
}
