/// An IPv6 address stored as two `UInt64` halves (a fixed-size key).
public struct IPv6Address: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// The first 64 bits, first octet most significant.
    public var high: UInt64
    /// The last 64 bits.
    public var low: UInt64

    /// An address from its two halves.
    @inlinable
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// An address from eight 16-bit groups.
    public init(groups g: [UInt16]) {
        precondition(g.count == 8, "an IPv6 address has eight groups")
        high = g[0..<4].reduce(0) { $0 << 16 | UInt64($1) }
        low = g[4..<8].reduce(0) { $0 << 16 | UInt64($1) }
    }

    /// Parses RFC 4291 text (with `::` compression; no embedded IPv4).
    public init?(_ text: some StringProtocol) {
        let string = String(text)
        var head = Substring(string)
        var tail: Substring = ""
        let compressed = string.firstRange(of: "::")
        if let gap = compressed {
            head = string[..<gap.lowerBound]
            tail = string[gap.upperBound...]
            if tail.firstRange(of: "::") != nil { return nil }
        }
        func groups(_ part: Substring) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            for piece in part.split(separator: Character(":"), omittingEmptySubsequences: false) {
                guard !piece.isEmpty, piece.count <= 4, let group = UInt16(piece, radix: 16) else {
                    return nil
                }
                out.append(group)
            }
            return out
        }
        guard let first = groups(head), let last = groups(tail) else { return nil }
        let missing = 8 - first.count - last.count
        guard compressed == nil ? missing == 0 : missing >= 1 else { return nil }
        self.init(groups: first + Array(repeating: 0, count: missing) + last)
    }

    /// ::.
    public static let unspecified = IPv6Address(high: 0, low: 0)
    /// ff02::1, all nodes.
    public static let allNodes = IPv6Address(high: 0xFF02_0000_0000_0000, low: 1)

    /// The 16-bit group at `index` (0 = first).
    public func group(_ index: Int) -> UInt16 {
        let half = index < 4 ? high : low
        return UInt16(truncatingIfNeeded: half >> UInt64(16 * (3 - index % 4)))
    }

    /// ff00::/8.
    public var isMulticast: Bool { high >> 56 == 0xFF }
    /// ::.
    public var isUnspecified: Bool { high == 0 && low == 0 }
    /// fe80::/10.
    public var isLinkLocal: Bool { high >> 54 == 0x3FA }

    /// The solicited-node group ff02::1:ffXX:XXXX of this address (RFC 4291 §2.7.1).
    public var solicitedNodeGroup: IPv6Address {
        IPv6Address(high: 0xFF02_0000_0000_0000, low: 0x0000_0001_FF00_0000 | (low & 0xFF_FFFF))
    }

    /// The Ethernet multicast MAC this group maps to (33:33 + low 32 bits).
    public var multicastMAC: MACAddress {
        MACAddress(rawValue: 0x3333_0000_0000 | (low & 0xFFFF_FFFF))
    }

    /// RFC 5952 text: lower case, leading zeros dropped, the longest zero run compressed.
    public var description: String {
        let groups = (0..<8).map(group)
        var bestStart = -1
        var bestLength = 1
        var runStart = -1
        for (index, value) in groups.enumerated() {
            if value == 0 {
                if runStart < 0 { runStart = index }
                let length = index - runStart + 1
                if length > bestLength {
                    bestLength = length
                    bestStart = runStart
                }
            } else {
                runStart = -1
            }
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }

    public static func < (lhs: IPv6Address, rhs: IPv6Address) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = IPv6Address(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not an IPv6 address: \(text)"))
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
