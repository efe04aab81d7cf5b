//  ICMP for IPv6 (RFC 4443), next header 58.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     Type      |     Code      |          Checksum             |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                         Message Body                          |
//  +                                                               +
//
//  The checksum covers the IPv6 pseudo-header (RFC 8200 §8.1) and the whole message.
//  Types 133–137 are Neighbor Discovery (see NeighborDiscovery.swift); 130–132 and 143 MLD.

/// An ICMPv6 message type (open: unknown values round-trip).
///
/// Integer literals and ranges work too: `(133...137).contains(message.type)`.
public struct ICMPv6Type: RawRepresentable, Hashable, Comparable, ExpressibleByIntegerLiteral, Sendable,
    CustomStringConvertible, Codable
{
    /// The type value.
    public var rawValue: UInt8
    /// A type from its value.
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// A type from an integer literal.
    @inlinable public init(integerLiteral value: UInt8) { rawValue = value }

    /// Orders types by value.
    @inlinable public static func < (lhs: ICMPv6Type, rhs: ICMPv6Type) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Destination unreachable (1).
    public static let destinationUnreachable = ICMPv6Type(rawValue: 1)
    /// Packet too big (2).
    public static let packetTooBig = ICMPv6Type(rawValue: 2)
    /// Time exceeded (3).
    public static let timeExceeded = ICMPv6Type(rawValue: 3)
    /// Parameter problem (4).
    public static let parameterProblem = ICMPv6Type(rawValue: 4)
    /// Echo request (128).
    public static let echoRequest = ICMPv6Type(rawValue: 128)
    /// Echo reply (129).
    public static let echoReply = ICMPv6Type(rawValue: 129)
    /// Multicast listener query (130).
    public static let mldQuery = ICMPv6Type(rawValue: 130)
    /// MLDv1 report (131).
    public static let mldReport = ICMPv6Type(rawValue: 131)
    /// MLDv1 done (132).
    public static let mldDone = ICMPv6Type(rawValue: 132)
    /// Router solicitation (133).
    public static let routerSolicitation = ICMPv6Type(rawValue: 133)
    /// Router advertisement (134).
    public static let routerAdvertisement = ICMPv6Type(rawValue: 134)
    /// Neighbor solicitation (135).
    public static let neighborSolicitation = ICMPv6Type(rawValue: 135)
    /// Neighbor advertisement (136).
    public static let neighborAdvertisement = ICMPv6Type(rawValue: 136)
    /// Redirect (137).
    public static let redirect = ICMPv6Type(rawValue: 137)
    /// MLDv2 report (143).
    public static let mldv2Report = ICMPv6Type(rawValue: 143)

    /// Whether this is a Neighbor Discovery message (133–137).
    public var isNeighborDiscovery: Bool { (133...137).contains(rawValue) }
    /// Whether this is an error message (types below 128).
    public var isError: Bool { rawValue < 128 }

    /// tcpdump-like type names.
    public var description: String {
        switch self {
        case .destinationUnreachable: "destination unreachable"
        case .packetTooBig: "packet too big"
        case .timeExceeded: "time exceeded"
        case .parameterProblem: "parameter problem"
        case .echoRequest: "echo request"
        case .echoReply: "echo reply"
        case .mldQuery: "multicast listener query"
        case .mldReport: "multicast listener report"
        case .mldDone: "multicast listener done"
        case .routerSolicitation: "router solicitation"
        case .routerAdvertisement: "router advertisement"
        case .neighborSolicitation: "neighbor solicitation"
        case .neighborAdvertisement: "neighbor advertisement"
        case .redirect: "redirect"
        case .mldv2Report: "multicast listener report v2"
        default: "type-#\(rawValue)"
        }
    }
}

/// An ICMPv6 message: type, code, checksum and the range of its body.
public struct ICMPv6Message: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Length of type, code and checksum.
    public static let headerLength = 4

    /// Message type.
    public var type: ICMPv6Type
    /// Message code.
    public var code: UInt8
    /// Checksum as carried.
    public var checksum: UInt16
    /// The first body word (echo id/seq, MTU, pointer) or 0 when fewer than 8 octets.
    public var restOfHeader: UInt32
    /// The body's bounds in 32 bits (16 bytes for the whole message instead of 24: with it, a
    /// Neighbor Discovery message fits the 128 bytes of ``TransportLayer``).
    private var storedBodyLower: UInt32
    private var storedBodyUpper: UInt32

    /// The message body after the checksum, relative to the message start (`4..<count`).
    public var bodyRange: Range<Int> {
        get { Int(storedBodyLower)..<Int(storedBodyUpper) }
        set {
            storedBodyLower = UInt32(clamping: newValue.lowerBound)
            storedBodyUpper = max(storedBodyLower, UInt32(clamping: newValue.upperBound))
        }
    }

    private enum CodingKeys: String, CodingKey { case type, code, checksum, restOfHeader, bodyRange }

    /// Encodes the same keys as the plain stored properties did.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encode(code, forKey: .code)
        try container.encode(checksum, forKey: .checksum)
        try container.encode(restOfHeader, forKey: .restOfHeader)
        try container.encode(bodyRange, forKey: .bodyRange)
    }

    /// A message from its fields (`emit` computes the checksum).
    public init(
        type: ICMPv6Type, code: UInt8 = 0, checksum: UInt16 = 0, bodyLength: Int = 0, restOfHeader: UInt32 = 0
    ) {
        self.type = type
        self.code = code
        self.checksum = checksum
        self.restOfHeader = restOfHeader
        storedBodyLower = 0
        storedBodyUpper = 0
        bodyRange = Self.headerLength..<(Self.headerLength + max(0, bodyLength))
    }

    /// Whether this is an echo request or reply.
    public var isEcho: Bool { type == .echoRequest || type == .echoReply }
    /// Echo identifier (echo request/reply only).
    public var identifier: UInt16? { isEcho ? UInt16(truncatingIfNeeded: restOfHeader >> 16) : nil }
    /// Echo sequence number (echo request/reply only).
    public var sequence: UInt16? { isEcho ? UInt16(truncatingIfNeeded: restOfHeader) : nil }
    /// The MTU of a packet-too-big message.
    public var mtu: UInt32? { type == .packetTooBig ? restOfHeader : nil }
    /// Whether this is a Neighbor Discovery message (parse it with ``NDMessage``).
    public var isNeighborDiscovery: Bool { type.isNeighborDiscovery }

    /// Parses the message at the start of `bytes`, which must end where the IPv6 payload ends.
    public static func parse(_ bytes: Span<UInt8>) throws(DecodeError) -> ICMPv6Message {
        try bytes.require(headerLength, for: .icmpv6)
        return ICMPv6Message(
            type: ICMPv6Type(rawValue: bytes.u8(0)), code: bytes.u8(1), checksum: bytes.u16(2),
            bodyLength: bytes.count - headerLength, restOfHeader: bytes.count >= 8 ? bytes.u32(4) : 0)
    }

    /// Whether the whole message `bytes` (checksum included) verifies under `pseudo`.
    /// Only meaningful when the whole message was captured.
    public static func checksumValid(_ bytes: Span<UInt8>, pseudo: PseudoHeader) -> Bool {
        pseudo.verifies(bytes, protocol: .icmpv6)
    }

    /// Appends type, code, a checksum computed under `pseudo`, then `body`.
    public func emit(body: [UInt8], pseudo: PseudoHeader, into out: inout [UInt8]) {
        Self.emit(type: type, code: code, body: body, pseudo: pseudo, into: &out)
    }

    /// Appends an ICMPv6 message of `type`/`code` with `body` and a checksum under `pseudo`.
    public static func emit(
        type: ICMPv6Type, code: UInt8, body: [UInt8], pseudo: PseudoHeader, into out: inout [UInt8]
    ) {
        var message: [UInt8] = [type.rawValue, code, 0, 0]
        message.append(contentsOf: body)
        message.set16(pseudo.checksumValue(for: message, protocol: .icmpv6), at: 2)
        out.append(contentsOf: message)
    }

    /// tcpdump-like: `ICMP6, echo request, id 1, seq 2, length 64`.
    public var description: String {
        let length = ", length \(Self.headerLength + bodyRange.count)"
        if let identifier, let sequence {
            return "ICMP6, \(type), id \(identifier), seq \(sequence)\(length)"
        }
        if let mtu { return "ICMP6, \(type), mtu \(mtu)\(length)" }
        return "ICMP6, \(type)\(code == 0 ? "" : ", code \(code)")\(length)"
    }
}
