// TCP sequence and acknowledgment numbers (RFC 9293 §3.4): 32-bit values compared modulo 2^32.
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                        Sequence Number                        |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// "a < b" means b lies in the half of the number circle after a (RFC 1982 serial-number
// arithmetic). That order is not transitive over the whole circle, so the type deliberately
// does not conform to `Comparable` (sorting with it would be undefined); use the operators
// for pairwise checks only.

/// A TCP sequence or acknowledgment number with wrapping (modulo 2^32) arithmetic.
public struct TCPSequenceNumber: RawRepresentable, Hashable, Sendable, Encodable,
    CustomStringConvertible
{
    /// The 32-bit value as on the wire.
    public var rawValue: UInt32

    /// A sequence number from its 32-bit value.
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// A sequence number from its 32-bit value.
    @inlinable public init(_ value: UInt32) { self.rawValue = value }

    /// The signed distance from `self` to `other`, in the range -2^31 ..< 2^31 (wrapping).
    @inlinable
    public func distance(to other: TCPSequenceNumber) -> Int {
        Int(Int32(bitPattern: other.rawValue &- rawValue))
    }

    /// This number moved forward by `n` bytes (negative moves back), wrapping modulo 2^32.
    @inlinable
    public func advanced(by n: Int) -> TCPSequenceNumber {
        TCPSequenceNumber(rawValue: rawValue &+ UInt32(truncatingIfNeeded: n))
    }

    /// `lhs` advanced by `rhs`, wrapping modulo 2^32.
    @inlinable
    public static func + (lhs: TCPSequenceNumber, rhs: Int) -> TCPSequenceNumber {
        lhs.advanced(by: rhs)
    }

    /// `lhs` moved back by `rhs`, wrapping modulo 2^32.
    @inlinable
    public static func - (lhs: TCPSequenceNumber, rhs: Int) -> TCPSequenceNumber {
        lhs.advanced(by: 0 &- rhs)
    }

    /// The signed wrapping distance `lhs - rhs` (how far `rhs` lies behind `lhs`).
    @inlinable
    public static func - (lhs: TCPSequenceNumber, rhs: TCPSequenceNumber) -> Int {
        rhs.distance(to: lhs)
    }

    /// Whether `lhs` comes before `rhs` modulo 2^32.
    @inlinable
    public static func < (lhs: TCPSequenceNumber, rhs: TCPSequenceNumber) -> Bool {
        lhs.distance(to: rhs) > 0
    }

    /// Whether `lhs` comes after `rhs` modulo 2^32.
    @inlinable
    public static func > (lhs: TCPSequenceNumber, rhs: TCPSequenceNumber) -> Bool {
        rhs < lhs
    }

    /// Whether `lhs` equals or comes before `rhs` modulo 2^32.
    @inlinable
    public static func <= (lhs: TCPSequenceNumber, rhs: TCPSequenceNumber) -> Bool {
        lhs.distance(to: rhs) >= 0
    }

    /// Whether `lhs` equals or comes after `rhs` modulo 2^32.
    @inlinable
    public static func >= (lhs: TCPSequenceNumber, rhs: TCPSequenceNumber) -> Bool {
        rhs <= lhs
    }

    /// The decimal value, as tcpdump prints absolute sequence numbers.
    public var description: String { String(rawValue) }
}
