// The Host header value of an HTTP request, kept inline (no allocation) so that detectors, which
// never see the frame's bytes, can name the Host a health check should send.
//
//    "Host: WWW.Example.test:80"  ->  "www.example.test:80"   (ASCII lowercased, OWS trimmed)
//
// At most `capacity` (24) octets are kept; longer values keep their first 24 octets and
// `isTruncated` is set (text ends in "…").

/// A Host header value, lowercased, stored inline (at most 24 octets).
public struct HTTPHostName: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Octets kept.
    public static let capacity = 24

    private var octets: InlineArray<24, UInt8> = InlineArray(repeating: 0)
    /// Octets stored (0 = no Host header).
    public private(set) var count: UInt8 = 0
    /// Whether the value was longer than ``capacity``.
    public private(set) var isTruncated = false

    /// No Host header.
    public init() {}

    /// The value of `range` in `bytes`, lowercased and cut at ``capacity`` octets.
    public init(_ bytes: Span<UInt8>, _ range: Range<Int>) {
        let lower = max(0, min(range.lowerBound, bytes.count))
        let upper = max(lower, min(range.upperBound, bytes.count))
        let kept = min(upper - lower, Self.capacity)
        for index in 0..<kept {
            let octet = bytes[lower + index]
            octets[index] = octet >= 0x41 && octet <= 0x5A ? octet | 0x20 : octet
        }
        count = UInt8(kept)
        isTruncated = upper - lower > Self.capacity
    }

    /// A Host value from text (for tests and configuration).
    public init(_ text: String) {
        let utf8 = Array(text.utf8)
        self.init(utf8.span, 0..<utf8.count)
    }

    /// Whether a Host header was present (and not empty).
    public var isEmpty: Bool { count == 0 }

    /// The value as text (allocates; for output), `…` appended when truncated.
    public var description: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(count))
        for index in 0..<Int(count) { bytes.append(octets[index]) }
        return String(decoding: bytes, as: UTF8.self) + (isTruncated ? "…" : "")
    }

    public static func == (lhs: HTTPHostName, rhs: HTTPHostName) -> Bool {
        guard lhs.count == rhs.count, lhs.isTruncated == rhs.isTruncated else { return false }
        for index in 0..<Int(lhs.count) where lhs.octets[index] != rhs.octets[index] { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for index in 0..<Int(count) { hasher.combine(octets[index]) }
    }

    /// Encodes the ``description`` string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
