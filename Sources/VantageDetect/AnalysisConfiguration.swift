import VantageState
import VantageWire

/// Tunables and allow-lists for one analysis run (built-in defaults, overridden by `--config`).
public struct AnalysisConfiguration: Sendable {
    /// Threshold overrides: finding kind (or detector section) → tunable key → value.
    public var thresholds: [String: [String: Double]] = [:]
    /// Kinds never reported.
    public var suppressedKinds: Set<FindingKind> = []
    /// MACs that are expected to answer for several hosts' addresses or to move between hosts
    /// (VRRP/CARP/HSRP virtual MACs beyond the built-in ranges, load-balancer MACs).
    public var knownVirtualMACs: Set<MACAddress> = []
    /// Routers that answer ARP for other hosts on purpose (proxy ARP).
    public var proxyARPRouters: Set<MACAddress> = []
    /// Windows NLB cluster IPs that are expected on this network.
    public var nlbClusterIPs: Set<IPv4Address> = []
    /// Addresses to leave out of every finding (e.g. a scanner's own address).
    public var ignoredIPs: Set<IPv4Address> = []
    /// Heartbeat streams declared by the user (`--heartbeat udp/PORT[@INTERVAL]`, `heartbeats:`),
    /// watched besides the well-known cluster ports.
    public var heartbeats: [HeartbeatDeclaration] = []
    /// TCP ports whose payload is decoded as HTTP (`http_ports:`; empty: the defaults, or the
    /// command line's `--http-port`, which wins).
    public var httpPorts: [UInt16] = []
    /// Members of VRRP/CARP/HSRP groups declared by the user (`groups:`), so that silent backups
    /// are known by address and MAC before (or without) advertising.
    public var declaredRouters: [DeclaredRouter] = []

    /// The built-in configuration.
    public init() {}

    /// The value of `tunable` for `section` (usually a finding kind's raw value).
    public func value(_ tunable: Tunable, in section: String) -> Double {
        thresholds[section]?[tunable.key] ?? tunable.defaultValue
    }

    /// The value of `tunable` for `section` in nanoseconds (for tunables given in seconds).
    public func nanoseconds(_ tunable: Tunable, in section: String) -> Int64 {
        Int64((value(tunable, in: section) * 1e9).rounded())
    }

    /// Whether `mac` is declared as, or is built-in known as, a shared virtual MAC.
    public func isKnownVirtualMAC(_ mac: MACAddress) -> Bool {
        knownVirtualMACs.contains(mac) || VirtualMACRanges.isWellKnownVirtual(mac)
    }
}

/// The MAC ranges that protocols assign to shared (virtual) addresses.
public enum VirtualMACRanges {
    /// VRRP/CARP (00:00:5e:00:01:xx, 00:00:5e:00:02:xx), ucarp advert sources (00:00:5e:00:00:xx),
    /// HSRP v1 (00:00:0c:07:ac:xx) and v2 (00:00:0c:9f:fx:xx), Windows NLB (02:bf:..., 03:bf:...).
    public static func isWellKnownVirtual(_ mac: MACAddress) -> Bool {
        let raw = mac.rawValue
        switch raw >> 8 {
        case 0x00_005E_0001, 0x00_005E_0002, 0x00_005E_0000, 0x00_000C_07AC: return true
        default: break
        }
        if raw >> 12 == 0x00_000C_9FF { return true }
        let prefix = raw >> 32
        return prefix == 0x02BF || prefix == 0x03BF
    }
}
