/// An EtherType code point (open: unknown values round-trip).
public struct EtherType: RawRepresentable, Hashable, Sendable, CustomStringConvertible, Codable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let ipv4 = EtherType(rawValue: 0x0800)
    public static let arp = EtherType(rawValue: 0x0806)
    public static let rarp = EtherType(rawValue: 0x8035)
    public static let vlan = EtherType(rawValue: 0x8100)
    public static let ipv6 = EtherType(rawValue: 0x86DD)
    public static let qinq = EtherType(rawValue: 0x88A8)
    /// Pre-standard Q-in-Q outer tag used by some switches.
    public static let qinqLegacy = EtherType(rawValue: 0x9100)
    /// Windows NLB heartbeat.
    public static let nlbHeartbeat = EtherType(rawValue: 0x886F)
    public static let lldp = EtherType(rawValue: 0x88CC)

    /// Values up to 1500 are an 802.3 length, not a type.
    @inlinable public var isLength: Bool { rawValue <= 1500 }
    /// Whether this value introduces a VLAN tag.
    @inlinable public var isVLANTag: Bool { self == .vlan || self == .qinq || self == .qinqLegacy }

    public var description: String {
        switch self {
        case .ipv4: "IPv4"
        case .arp: "ARP"
        case .rarp: "RARP"
        case .vlan: "802.1Q"
        case .ipv6: "IPv6"
        case .qinq: "802.1Q-QinQ"
        case .qinqLegacy: "802.1Q-9100"
        case .nlbHeartbeat: "MS NLB heartbeat"
        case .lldp: "LLDP"
        default: "0x" + String(rawValue, radix: 16)
        }
    }
}
