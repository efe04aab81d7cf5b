/// An IPv4 address stored as a `UInt32` in host order (a fixed-size key).
public struct IPv4Address: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible,
    Codable
{
    /// The address, first octet most significant.
    public var rawValue: UInt32

    /// An address from its 32-bit value.
    @inlinable
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// An address from four octets.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        rawValue = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses dotted-quad notation.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, let octet = UInt8(part) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        rawValue = value
    }

    /// 0.0.0.0.
    public static let any = IPv4Address(rawValue: 0)
    /// 255.255.255.255.
    public static let broadcast = IPv4Address(rawValue: 0xFFFF_FFFF)

    /// The octet at `index` (0 = first).
    public func octet(_ index: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: rawValue >> UInt32(8 * (3 - index)))
    }

    /// 224.0.0.0/4.
    public var isMulticast: Bool { rawValue >> 28 == 0xE }
    /// 0.0.0.0.
    public var isUnspecified: Bool { rawValue == 0 }
    /// 169.254.0.0/16.
    public var isLinkLocal: Bool { rawValue >> 16 == 0xA9FE }
    /// 127.0.0.0/8.
    public var isLoopback: Bool { rawValue >> 24 == 127 }

    /// The Ethernet multicast MAC this group maps to (01:00:5e + low 23 bits).
    public var multicastMAC: MACAddress {
        MACAddress(rawValue: 0x0100_5E00_0000 | UInt64(rawValue & 0x7F_FFFF))
    }

    public var description: String {
        "\(octet(0)).\(octet(1)).\(octet(2)).\(octet(3))"
    }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = IPv4Address(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not an IPv4 address: \(text)"))
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
