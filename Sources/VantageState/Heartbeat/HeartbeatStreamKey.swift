//  Identity of one heartbeat stream: a sender interface to a receiver (unicast or group) on one
//  protocol and port, scoped by VLAN. Fixed-size, so hashing it allocates nothing.

import VantageWire

/// The protocol a heartbeat stream is recognised by.
public enum HeartbeatProtocol: UInt8, Sendable, Hashable, CustomStringConvertible {
    /// UDP datagrams to a heartbeat port (3343, 694, 5404/5405 or declared).
    case udp
    /// VRRP adverts (the key's `port` holds the VRID).
    case vrrp
    /// CARP adverts (the key's `port` holds the VHID).
    case carp
    /// HSRP hellos (the key's `port` holds the group).
    case hsrp
    /// Windows NLB heartbeats, EtherType 0x886F (the key's `port` holds the host ID).
    case nlb

    /// Whether only the master of a group sends (a silence after a takeover is not a loss).
    public var onlyMasterSends: Bool { self == .vrrp || self == .carp }

    /// `udp`, `vrrp`, `carp`, `hsrp` or `nlb`.
    public var description: String {
        switch self {
        case .udp: "udp"
        case .vrrp: "vrrp"
        case .carp: "carp"
        case .hsrp: "hsrp"
        case .nlb: "nlb"
        }
    }
}

/// One heartbeat stream: sender interface -> receiver, per protocol and port (or group), per VLAN.
public struct HeartbeatStreamKey: Sendable, Hashable, CustomStringConvertible {
    /// The sender's interface address, IPv4 or IPv6 (NLB: the host's dedicated IP).
    public var source: NeighborAddress
    /// The receiver: a unicast address or a multicast group (NLB: the cluster IP).
    public var destination: NeighborAddress
    /// UDP destination port, or the VRID / VHID / HSRP group / NLB host ID.
    public var port: UInt16
    /// The protocol.
    public var kind: HeartbeatProtocol
    /// VLAN id (0 untagged).
    public var vlan: UInt16

    /// A stream key.
    public init(source: NeighborAddress, destination: NeighborAddress, port: UInt16, kind: HeartbeatProtocol, vlan: UInt16) {
        self.source = source
        self.destination = destination
        self.port = port
        self.kind = kind
        self.vlan = vlan
    }

    /// A stream key between IPv4 addresses.
    public init(source: IPv4Address, destination: IPv4Address, port: UInt16, kind: HeartbeatProtocol, vlan: UInt16) {
        self.init(source: NeighborAddress(source), destination: NeighborAddress(destination), port: port, kind: kind, vlan: vlan)
    }

    /// A stream key between IPv6 addresses.
    public init(source: IPv6Address, destination: IPv6Address, port: UInt16, kind: HeartbeatProtocol, vlan: UInt16) {
        self.init(source: NeighborAddress(source), destination: NeighborAddress(destination), port: port, kind: kind, vlan: vlan)
    }

    /// The group this stream belongs to when only masters send (same protocol, group, VLAN and
    /// address family: VRRPv3's IPv4 and IPv6 instances of one VRID are separate routers' jobs).
    public var group: HeartbeatGroupKey { HeartbeatGroupKey(kind: kind, group: port, vlan: vlan, isIPv6: source.isIPv6) }

    /// `10.0.0.1 -> 10.0.0.2 udp/3343`, `10.0.0.1 -> 224.0.0.18 vrrp vrid 51`, `fe80::1 -> fe80::2 udp/3343`.
    public var description: String {
        let what: String
        switch kind {
        case .udp: what = "udp/\(port)"
        case .vrrp: what = "VRRP vrid \(port)"
        case .carp: what = "CARP vhid \(port)"
        case .hsrp: what = "HSRP group \(port)"
        case .nlb: what = "NLB host \(port)"
        }
        return "\(source) -> \(destination) \(what)" + (vlan == 0 ? "" : " on VLAN \(vlan)")
    }
}

/// A redundancy group (protocol, group number, VLAN, address family), for takeovers.
public struct HeartbeatGroupKey: Sendable, Hashable {
    /// The protocol.
    public var kind: HeartbeatProtocol
    /// VRID / VHID.
    public var group: UInt16
    /// VLAN id (0 untagged).
    public var vlan: UInt16
    /// Whether the group's adverts are IPv6 (VRRPv3 keeps a VRID's IPv4 and IPv6 instances apart).
    public var isIPv6: Bool
}
