//  ICMP for IPv4 (RFC 792), IP protocol 1.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     Type      |     Code      |          Checksum             |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                        Rest of header                         |
//  |   echo: Identifier | Sequence;  redirect: gateway address;    |
//  |   unreachable code 4: unused | next-hop MTU (RFC 1191)        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Data: echo payload, or the quoted IP header + 8 octets       |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//  The checksum covers the whole ICMP message (no pseudo-header); it is only checked when the
//  whole message was captured.

/// An ICMPv4 message type (open: unknown values round-trip).
///
/// Integer literals and ranges work too: `(133...137).contains(message.type)`.
public struct ICMPv4Type: RawRepresentable, Hashable, Comparable, ExpressibleByIntegerLiteral, Sendable,
    CustomStringConvertible, Codable
{
    /// The type value.
    public var rawValue: UInt8
    /// A type from its value.
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// A type from an integer literal.
    @inlinable public init(integerLiteral value: UInt8) { rawValue = value }

    /// Orders types by value.
    @inlinable public static func < (lhs: ICMPv4Type, rhs: ICMPv4Type) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Echo reply (0).
    public static let echoReply = ICMPv4Type(rawValue: 0)
    /// Destination unreachable (3).
    public static let destinationUnreachable = ICMPv4Type(rawValue: 3)
    /// Source quench (4, deprecated).
    public static let sourceQuench = ICMPv4Type(rawValue: 4)
    /// Redirect (5).
    public static let redirect = ICMPv4Type(rawValue: 5)
    /// Echo request (8).
    public static let echoRequest = ICMPv4Type(rawValue: 8)
    /// Router advertisement (9).
    public static let routerAdvertisement = ICMPv4Type(rawValue: 9)
    /// Router solicitation (10).
    public static let routerSolicitation = ICMPv4Type(rawValue: 10)
    /// Time exceeded (11).
    public static let timeExceeded = ICMPv4Type(rawValue: 11)
    /// Parameter problem (12).
    public static let parameterProblem = ICMPv4Type(rawValue: 12)
    /// Timestamp request (13).
    public static let timestamp = ICMPv4Type(rawValue: 13)
    /// Timestamp reply (14).
    public static let timestampReply = ICMPv4Type(rawValue: 14)

    /// Whether messages of this type quote the offending datagram (3, 4, 5, 11, 12).
    public var quotesDatagram: Bool {
        self == .destinationUnreachable || self == .sourceQuench || self == .redirect || self == .timeExceeded
            || self == .parameterProblem
    }

    /// tcpdump-like type names.
    public var description: String {
        switch self {
        case .echoReply: "echo reply"
        case .destinationUnreachable: "destination unreachable"
        case .sourceQuench: "source quench"
        case .redirect: "redirect"
        case .echoRequest: "echo request"
        case .routerAdvertisement: "router advertisement"
        case .routerSolicitation: "router solicitation"
        case .timeExceeded: "time exceeded"
        case .parameterProblem: "parameter problem"
        case .timestamp: "time stamp request"
        case .timestampReply: "time stamp reply"
        default: "type-#\(rawValue)"
        }
    }
}

/// An ICMPv4 message: the 8-octet header and the range of its data.
public struct ICMPv4Message: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Header length in octets.
    public static let headerLength = 8

    /// Message type.
    public var type: ICMPv4Type
    /// Message code (meaning depends on the type).
    public var code: UInt8
    /// Checksum as carried.
    public var checksum: UInt16
    /// The 32-bit word after the checksum (identifier/sequence, gateway, MTU, pointer).
    public var restOfHeader: UInt32
    /// The data after the 8-octet header, relative to the message start.
    public var payloadRange: Range<Int>
    /// Whether the checksum verified; nil when the message was not wholly captured (or built).
    public var checksumValid: Bool?

    /// A message from its fields, for building packets (`emit` computes the checksum).
    public init(type: ICMPv4Type, code: UInt8 = 0, restOfHeader: UInt32 = 0, checksum: UInt16 = 0) {
        self.type = type
        self.code = code
        self.checksum = checksum
        self.restOfHeader = restOfHeader
        payloadRange = Self.headerLength..<Self.headerLength
        checksumValid = nil
    }

    /// An echo request.
    public static func echoRequest(identifier: UInt16, sequence: UInt16) -> ICMPv4Message {
        ICMPv4Message(type: .echoRequest, restOfHeader: UInt32(identifier) << 16 | UInt32(sequence))
    }

    /// An echo reply.
    public static func echoReply(identifier: UInt16, sequence: UInt16) -> ICMPv4Message {
        ICMPv4Message(type: .echoReply, restOfHeader: UInt32(identifier) << 16 | UInt32(sequence))
    }

    /// Whether this is an echo request or reply.
    public var isEcho: Bool { type == .echoRequest || type == .echoReply }
    /// Echo identifier (echo request/reply only).
    public var identifier: UInt16? { isEcho ? UInt16(truncatingIfNeeded: restOfHeader >> 16) : nil }
    /// Echo sequence number (echo request/reply only).
    public var sequence: UInt16? { isEcho ? UInt16(truncatingIfNeeded: restOfHeader) : nil }
    /// The quoted datagram (IP header + 8 octets) of an error message, relative to the message start.
    public var quotedDatagramRange: Range<Int>? { type.quotesDatagram ? payloadRange : nil }
    /// The better gateway of a redirect.
    public var gateway: IPv4Address? { type == .redirect ? IPv4Address(rawValue: restOfHeader) : nil }
    /// The next-hop MTU of a "fragmentation needed" unreachable (type 3 code 4), 0 if not set.
    public var nextHopMTU: UInt16? {
        type == .destinationUnreachable && code == 4 ? UInt16(truncatingIfNeeded: restOfHeader) : nil
    }

    /// Parses the message at the start of `bytes`, which must end where the IP payload ends
    /// (pass the IP header's `payloadRange`, so link padding is excluded). Pass
    /// `isComplete: false` when the IP length exceeded the capture: the checksum is then nil.
    public static func parse(_ bytes: Span<UInt8>, isComplete: Bool = true) throws(DecodeError) -> ICMPv4Message {
        try bytes.require(headerLength, for: .icmp)
        var message = ICMPv4Message(
            type: ICMPv4Type(rawValue: bytes.u8(0)), code: bytes.u8(1), restOfHeader: bytes.u32(4),
            checksum: bytes.u16(2))
        message.payloadRange = headerLength..<bytes.count
        if isComplete {
            var sum = InternetChecksum()
            sum.add(bytes)
            message.checksumValid = sum.isValid
        }
        return message
    }

    /// Appends the header with a computed checksum, then `payload`.
    public func emit(payload: [UInt8] = [], into out: inout [UInt8]) {
        let start = out.count
        out.append8(type.rawValue)
        out.append8(code)
        out.append16(0)
        out.append32(restOfHeader)
        out.append(contentsOf: payload)
        var sum = InternetChecksum()
        sum.add(out.span.extracting(start..<out.count))
        out.set16(sum.value, at: start + 2)
    }

    /// tcpdump-like: `ICMP echo request, id 1, seq 2, length 64`.
    public var description: String {
        let length = ", length \(Self.headerLength + payloadRange.count)"
        let bad = checksumValid == false ? ", bad cksum \(WireHex.format(checksum, digits: 4))" : ""
        if let identifier, let sequence {
            return "ICMP \(type), id \(identifier), seq \(sequence)\(bad)\(length)"
        }
        switch type {
        case .destinationUnreachable:
            let reasons = [
                0: "net", 1: "host", 2: "protocol", 3: "port", 4: "need to frag", 5: "source route failed",
                9: "net prohibited", 10: "host prohibited", 13: "administratively prohibited",
            ]
            var reason = reasons[Int(code)].map { "\($0) unreachable" } ?? "code \(code)"
            if let mtu = nextHopMTU { reason += ", mtu \(mtu)" }
            return "ICMP \(type) (\(reason))\(bad)\(length)"
        case .timeExceeded:
            return "ICMP \(type) \(code == 0 ? "in-transit" : code == 1 ? "reassembly" : "code \(code)")\(bad)\(length)"
        case .redirect:
            return "ICMP \(type) to \(IPv4Address(rawValue: restOfHeader)), code \(code)\(bad)\(length)"
        default:
            return "ICMP \(type), code \(code)\(bad)\(length)"
        }
    }
}
