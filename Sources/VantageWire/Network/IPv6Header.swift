//  IPv6 fixed header (RFC 8200 §3).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |Version| Traffic Class |              Flow Label               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |        Payload Length         |  Next Header  |   Hop Limit   |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                 Source Address (16 octets)                    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |               Destination Address (16 octets)                 |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//  Payload Length excludes the 40-octet header and includes extension headers. A length of 0
//  with a hop-by-hop header is a jumbogram (RFC 2675; also Linux BIG TCP): the payload then
//  runs to the end of the capture. Extension headers are walked by IPv6ExtensionWalk.

/// An IPv6 fixed header.
public struct IPv6Header: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Header length in octets.
    public static let length = 40

    /// Traffic class (DSCP and ECN).
    public var trafficClass: UInt8
    /// The first extension header or the upper-layer protocol.
    public var nextHeader: IPProtocol
    /// Hop limit (255 for Neighbor Discovery and VRRPv3).
    public var hopLimit: UInt8
    /// Whether Payload Length claims more octets than were captured.
    public var lengthExceedsCapture: Bool
    /// Flow label (20 bits).
    public var flowLabel: UInt32
    /// Payload Length field in octets (extension headers included).
    public var payloadLength: Int
    /// Source address.
    public var source: IPv6Address
    /// Destination address.
    public var destination: IPv6Address
    /// Payload relative to the header start: `40 ..< min(40 + payloadLength, captured)`.
    public var payloadRange: Range<Int>

    /// A header from its fields, for building packets; the payload range assumes the whole
    /// packet is present.
    public init(
        source: IPv6Address, destination: IPv6Address, nextHeader: IPProtocol, payloadLength: Int = 0,
        hopLimit: UInt8 = 64, trafficClass: UInt8 = 0, flowLabel: UInt32 = 0
    ) {
        self.trafficClass = trafficClass
        self.flowLabel = flowLabel & 0xF_FFFF
        self.payloadLength = payloadLength
        self.nextHeader = nextHeader
        self.hopLimit = hopLimit
        self.source = source
        self.destination = destination
        payloadRange = Self.length..<(Self.length + max(0, payloadLength))
        lengthExceedsCapture = false
    }

    /// IP version (always 6).
    public var version: UInt8 { 6 }
    /// Whether this is a jumbogram (Payload Length 0 with a hop-by-hop header).
    public var isJumbogram: Bool { payloadLength == 0 && nextHeader == .hopByHop }

    /// Parses the header at the start of `bytes` (which runs to the end of the captured frame).
    public static func parse(_ bytes: Span<UInt8>) throws(DecodeError) -> IPv6Header {
        try bytes.require(length, for: .ipv6)
        let word = bytes.u32(0)
        guard word >> 28 == 6 else { throw .malformed(layer: .ipv6, offset: 0, reason: "version is not 6") }
        let payloadLength = Int(bytes.u16(4))
        let nextHeader = IPProtocol(rawValue: bytes.u8(6))
        var header = IPv6Header(
            source: bytes.ipv6(8), destination: bytes.ipv6(24), nextHeader: nextHeader, payloadLength: payloadLength,
            hopLimit: bytes.u8(7), trafficClass: UInt8(truncatingIfNeeded: word >> 20), flowLabel: word & 0xF_FFFF)
        let jumbo = payloadLength == 0 && nextHeader == .hopByHop
        let end = jumbo ? bytes.count : min(length + payloadLength, bytes.count)
        header.payloadRange = length..<end
        header.lengthExceedsCapture = length + payloadLength > bytes.count
        return header
    }

    /// Appends the 40 header octets with ``payloadLength`` as stored.
    public func emit(into out: inout [UInt8]) {
        emit(payloadLength: payloadLength, into: &out)
    }

    /// Appends the header with Payload Length = `payload.count`, then `payload`.
    public func emit(payload: [UInt8], into out: inout [UInt8]) {
        emit(payloadLength: payload.count, into: &out)
        out.append(contentsOf: payload)
    }

    private func emit(payloadLength: Int, into out: inout [UInt8]) {
        out.append32(6 << 28 | UInt32(trafficClass) << 20 | flowLabel & 0xF_FFFF)
        out.append16(UInt16(truncatingIfNeeded: payloadLength))
        out.append8(nextHeader.rawValue)
        out.append8(hopLimit)
        out.append(source)
        out.append(destination)
    }

    /// The pseudo-header for upper-layer checksums (RFC 8200 §8.1; no routing header assumed).
    public var pseudoHeader: PseudoHeader { .ipv6(source: source, destination: destination) }

    /// tcpdump-like: `IP6 fe80::1 > ff02::1: ICMPv6, hlim 255, payload length 32`.
    public var description: String {
        var text = "IP6 \(source) > \(destination): \(nextHeader), hlim \(hopLimit)"
        if flowLabel != 0 { text += ", flowlabel \(WireHex.format(flowLabel, digits: 5))" }
        return text + ", payload length \(payloadLength)"
    }
}
