/// An ARP hardware type / Linux `ARPHRD_*` value (open: unknown values round-trip).
///
/// ARP's `ar$hrd` field and the `hatype` of Linux cooked captures share one numbering for the
/// common values (IANA "Hardware Types"; Linux `include/uapi/linux/if_arp.h` above 255).
public struct ARPHardwareType: RawRepresentable, Hashable, Sendable, CustomStringConvertible, Codable {
    /// The 16-bit value.
    public var rawValue: UInt16
    /// A hardware type from its value.
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Ethernet (10 Mb and up), 1.
    public static let ethernet = ARPHardwareType(rawValue: 1)
    /// IEEE 802 networks, 6.
    public static let ieee802 = ARPHardwareType(rawValue: 6)
    /// InfiniBand, 32.
    public static let infiniband = ARPHardwareType(rawValue: 32)
    /// Linux loopback device, 772.
    public static let loopback = ARPHardwareType(rawValue: 772)
    /// Linux GRE tunnel, 778 (SLL protocol is then the GRE protocol type).
    public static let ipGRE = ARPHardwareType(rawValue: 778)
    /// Linux 802.11 with radiotap, 803.
    public static let ieee80211Radiotap = ARPHardwareType(rawValue: 803)
    /// Linux netlink, 824 (SLL protocol is then the netlink family).
    public static let netlink = ARPHardwareType(rawValue: 824)
    /// Linux "no header" device (tun, WireGuard), 0xFFFE.
    public static let none = ARPHardwareType(rawValue: 0xFFFE)
    /// Linux void device, 0xFFFF.
    public static let void = ARPHardwareType(rawValue: 0xFFFF)

    /// A short name, or the number.
    public var description: String {
        switch self {
        case .ethernet: "Ethernet"
        case .ieee802: "IEEE802"
        case .infiniband: "InfiniBand"
        case .loopback: "loopback"
        case .ipGRE: "IPGRE"
        case .ieee80211Radiotap: "802.11-radiotap"
        case .netlink: "netlink"
        case .none: "none"
        case .void: "void"
        default: "hardware-\(rawValue)"
        }
    }
}
