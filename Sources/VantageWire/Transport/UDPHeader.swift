// UDP header (RFC 768; IPv6 rules RFC 8200 §8.1).
//
//     0      7 8     15 16    23 24    31
//    +--------+--------+--------+--------+
//  0 |   Source Port   |  Destination    |
//    |                 |     Port        |
//    +--------+--------+--------+--------+
//  4 |     Length      |    Checksum     |
//    +--------+--------+--------+--------+
//  8 |          data octets ...
//    +---------------- ...
//
// `Length` counts header and data (>= 8). `parse` takes the bytes from the UDP header to the
// end of the captured IP payload; the payload range stops at `Length` even when more bytes
// follow (Ethernet padding), and at the capture's end when the snap length cut the datagram.
// A length of 0 (IPv6 jumbograms, RFC 2675) is reported as malformed: jumbograms do not fit
// any link VantageWire reads.

/// A decoded UDP header with the payload's place in the input.
public struct UDPHeader: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Source port.
    public var sourcePort: UInt16
    /// Destination port.
    public var destinationPort: UInt16
    /// Header plus data length, as on the wire.
    public var length: UInt16
    /// Checksum as on the wire (0 over IPv4 = not computed).
    public var checksum: UInt16
    /// The captured payload: `8 ..< min(length, captured)`, relative to the start of the header.
    public var payloadRange: Range<Int>

    /// Whether the whole datagram (as long as ``length`` says) was captured.
    public var isComplete: Bool { payloadRange.upperBound == Int(length) }

    /// A header for building datagrams; ``emit(payload:pseudo:into:)`` recomputes the length.
    public init(
        sourcePort: UInt16, destinationPort: UInt16, length: UInt16 = 8, checksum: UInt16 = 0,
        payloadRange: Range<Int> = 8..<8
    ) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.length = length
        self.checksum = checksum
        self.payloadRange = payloadRange
    }

    // MARK: - Parse

    /// Decodes a UDP header; throws when fewer than 8 bytes were captured or the length is below 8.
    public static func parse(_ bytes: Span<UInt8>) throws(DecodeError) -> UDPHeader {
        try bytes.require(8, for: .udp)
        let length = bytes.u16(4)
        guard length >= 8 else {
            throw .malformed(layer: .udp, offset: 4, reason: "length below 8")
        }
        return UDPHeader(
            sourcePort: bytes.u16(0),
            destinationPort: bytes.u16(2),
            length: length,
            checksum: bytes.u16(6),
            payloadRange: 8..<min(Int(length), bytes.count)
        )
    }

    /// Whether the datagram's checksum verifies under `pseudo`.
    ///
    /// Returns nil when it cannot say: the checksum is 0 over IPv4 (sender did not compute
    /// one), the datagram is not fully captured, or the header is unusable. Over IPv6 a zero
    /// checksum is invalid (RFC 8200 §8.1) and yields `false`.
    public static func checksumValid(_ bytes: Span<UInt8>, pseudo: PseudoHeader) -> Bool? {
        guard bytes.count >= 8 else { return nil }
        let length = Int(bytes.u16(4))
        guard length >= 8, bytes.count >= length else { return nil }
        if bytes.u16(6) == 0 {
            if case .ipv4 = pseudo { return nil }
            return false
        }
        return pseudo.verifies(bytes.extracting(0..<length), protocol: .udp)
    }

    // MARK: - Emit

    /// Appends the header followed by `payload`; the length is 8 + payload count.
    ///
    /// With `pseudo`, the checksum is computed (a computed 0 is sent as 0xFFFF); without it,
    /// ``checksum`` is written as is (0 = none, IPv4 only).
    public func emit(payload: [UInt8] = [], pseudo: PseudoHeader? = nil, into out: inout [UInt8]) {
        var datagram: [UInt8] = []
        datagram.reserveCapacity(8 + payload.count)
        datagram.append16(sourcePort)
        datagram.append16(destinationPort)
        datagram.append16(UInt16(truncatingIfNeeded: 8 + payload.count))
        datagram.append16(pseudo == nil ? checksum : 0)
        datagram += payload
        if let pseudo {
            let sum = pseudo.checksumValue(for: datagram, protocol: .udp)
            datagram.set16(sum == 0 ? 0xFFFF : sum, at: 6)
        }
        out += datagram
    }

    // MARK: - Description

    /// tcpdump-like text: `UDP 1985 > 1985, length 20` (length of the data).
    public var description: String {
        "UDP \(sourcePort) > \(destinationPort), length \(Int(length) - 8)"
    }
}
