/// A 48-bit IEEE MAC address stored in the low bits of a `UInt64` (a fixed-size key).
public struct MACAddress: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible,
    Codable
{
    /// The address in the low 48 bits, first octet most significant.
    public var rawValue: UInt64

    /// An address from its 48-bit value; higher bits are dropped.
    @inlinable
    public init(rawValue: UInt64) { self.rawValue = rawValue & 0xFFFF_FFFF_FFFF }

    /// An address from six octets.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ e: UInt8, _ f: UInt8) {
        self.init(
            rawValue: UInt64(a) << 40 | UInt64(b) << 32 | UInt64(c) << 24 | UInt64(d) << 16
                | UInt64(e) << 8 | UInt64(f))
    }

    /// Parses `aa:bb:cc:dd:ee:ff` or `aa-bb-cc-dd-ee-ff` (case-insensitive).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(whereSeparator: { $0 == ":" || $0 == "-" })
        guard parts.count == 6 else { return nil }
        var value: UInt64 = 0
        for part in parts {
            guard part.count <= 2, let octet = UInt8(part, radix: 16) else { return nil }
            value = value << 8 | UInt64(octet)
        }
        self.init(rawValue: value)
    }

    /// ff:ff:ff:ff:ff:ff.
    public static let broadcast = MACAddress(rawValue: 0xFFFF_FFFF_FFFF)
    /// 00:00:00:00:00:00.
    public static let zero = MACAddress(rawValue: 0)

    /// The octet at `index` (0 = first on the wire).
    public func octet(_ index: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: rawValue >> UInt64(8 * (5 - index)))
    }

    /// The group bit (multicast or broadcast).
    public var isMulticast: Bool { octet(0) & 0x01 != 0 }
    /// ff:ff:ff:ff:ff:ff.
    public var isBroadcast: Bool { self == .broadcast }
    /// All zeros.
    public var isZero: Bool { rawValue == 0 }
    /// The locally-administered bit.
    public var isLocallyAdministered: Bool { octet(0) & 0x02 != 0 }
    /// A unicast address (group bit clear, not zero).
    public var isUnicast: Bool { !isMulticast && !isZero }

    public var description: String {
        let digits: [Character] = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(17)
        for index in 0..<6 {
            if index > 0 { text.append(":") }
            let octet = self.octet(index)
            text.append(digits[Int(octet >> 4)])
            text.append(digits[Int(octet & 0xF)])
        }
        return text
    }

    public static func < (lhs: MACAddress, rhs: MACAddress) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = MACAddress(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a MAC address: \(text)"))
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
