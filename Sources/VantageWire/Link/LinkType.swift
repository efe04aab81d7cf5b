/// A pcap LINKTYPE_ value: how the bytes of a captured record begin.
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible, Codable {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// BSD loopback: 4-byte address family in the capturing host's byte order.
    public static let null = LinkType(rawValue: 0)
    public static let ethernet = LinkType(rawValue: 1)
    /// DLT_RAW as most systems write it in old files.
    public static let rawDLT12 = LinkType(rawValue: 12)
    /// DLT_RAW as OpenBSD writes it.
    public static let rawDLT14 = LinkType(rawValue: 14)
    public static let raw = LinkType(rawValue: 101)
    /// OpenBSD loopback: address family in network byte order.
    public static let loop = LinkType(rawValue: 108)
    public static let linuxSLL = LinkType(rawValue: 113)
    public static let ipv4 = LinkType(rawValue: 228)
    public static let ipv6 = LinkType(rawValue: 229)
    public static let linuxSLL2 = LinkType(rawValue: 276)

    /// Whether records of this link type start directly with an IP header.
    @inlinable public var isRawIP: Bool {
        self == .raw || self == .rawDLT12 || self == .rawDLT14 || self == .ipv4 || self == .ipv6
    }

    /// Whether VantageWire can decode records of this link type.
    @inlinable
    public var isSupported: Bool {
        isRawIP || self == .null || self == .ethernet || self == .loop || self == .linuxSLL
            || self == .linuxSLL2
    }

    public var description: String {
        switch self {
        case .null: "NULL"
        case .ethernet: "EN10MB"
        case .rawDLT12, .rawDLT14, .raw: "RAW"
        case .loop: "LOOP"
        case .linuxSLL: "LINUX_SLL"
        case .linuxSLL2: "LINUX_SLL2"
        case .ipv4: "IPV4"
        case .ipv6: "IPV6"
        default: "LINKTYPE_\(rawValue)"
        }
    }
}
