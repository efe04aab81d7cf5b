/// The 16-bit one's-complement sum of RFC 1071, used by IPv4, ICMP, UDP, TCP, VRRP and CARP.
///
/// Accumulate with ``add(_:)`` over spans and pseudo-header words, then read ``value``.
/// A received header verifies when the sum over it (checksum field included) is `0xFFFF`,
/// which ``isValid`` reports.
public struct InternetChecksum: Sendable {
    private var sum: UInt64 = 0
    private var oddByte = false

    /// An empty sum.
    public init() {}

    /// Adds the bytes of `span`, continuing an odd-length previous span correctly.
    public mutating func add(_ span: Span<UInt8>) {
        var index = 0
        if oddByte, span.count > 0 {
            sum &+= UInt64(span[0])
            index = 1
            oddByte = false
        }
        while index &+ 1 < span.count {
            sum &+= UInt64(span[index]) << 8 | UInt64(span[index &+ 1])
            index &+= 2
        }
        if index < span.count {
            sum &+= UInt64(span[index]) << 8
            oddByte = true
        }
    }

    /// Adds one 16-bit word (for pseudo-headers).
    public mutating func add16(_ word: UInt16) { sum &+= UInt64(word) }

    /// Adds a 32-bit value as two words.
    public mutating func add32(_ value: UInt32) {
        sum &+= UInt64(value >> 16) &+ UInt64(value & 0xFFFF)
    }

    /// Adds an IPv6 address as eight words.
    public mutating func add(_ address: IPv6Address) {
        add32(UInt32(truncatingIfNeeded: address.high >> 32))
        add32(UInt32(truncatingIfNeeded: address.high))
        add32(UInt32(truncatingIfNeeded: address.low >> 32))
        add32(UInt32(truncatingIfNeeded: address.low))
    }

    /// The folded one's-complement sum (not inverted).
    public var foldedSum: UInt16 {
        var s = sum
        while s >> 16 != 0 { s = (s & 0xFFFF) &+ (s >> 16) }
        return UInt16(truncatingIfNeeded: s)
    }

    /// The checksum to write into a header whose checksum field was zero while summing.
    public var value: UInt16 { ~foldedSum }

    /// Whether a sum taken over a header including its checksum field verifies.
    public var isValid: Bool { foldedSum == 0xFFFF }

    /// Checksum of a whole byte array (convenience for `emit`).
    public static func of(_ bytes: [UInt8]) -> UInt16 {
        var checksum = InternetChecksum()
        checksum.add(bytes.span)
        return checksum.value
    }
}
