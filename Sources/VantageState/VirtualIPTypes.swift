//  Value types of the virtual-IP engine (VirtualIPGroups.swift): groups, the routers that
//  advertise in them, who was master when, and the takeovers between masters.
//
//      group (VLAN, protocol, id)  ── routers ── claim streaks (runs of "I am master" adverts)
//            │                                  ── MACs: advert source, real MAC
//            ├── VIPs (from adverts, GARPs near takeovers, the RFC virtual MAC's ARP)
//            ├── master timeline (effective master intervals; nil router = nobody)
//            └── takeovers (old → new, gap, reason, GARPs the new master sent)

import VantageCapture
import VantageWire

/// A first-hop redundancy protocol.
public enum RedundancyProtocol: UInt8, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// VRRP v2 / v3 (RFC 3768, RFC 5798), including keepalived.
    case vrrp
    /// CARP (OpenBSD / FreeBSD kernel) and ucarp.
    case carp
    /// Cisco HSRP v1 / v2.
    case hsrp

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `VRRP`, `CARP` or `HSRP`.
    public var description: String {
        switch self {
        case .vrrp: "VRRP"
        case .carp: "CARP"
        case .hsrp: "HSRP"
        }
    }

    /// What the protocol calls its group number: `vrid`, `vhid` or `group`.
    public var groupWord: String {
        switch self {
        case .vrrp: "vrid"
        case .carp: "vhid"
        case .hsrp: "group"
        }
    }
}

/// An IPv4 or IPv6 address (a router's own address or a virtual address).
public enum RouterAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// The IPv4 address, if this is one.
    public var ipv4: IPv4Address? {
        if case .v4(let address) = self { address } else { nil }
    }

    public var description: String {
        switch self {
        case .v4(let address): address.description
        case .v6(let address): address.description
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): a < b
        case (.v6(let a), .v6(let b)): a < b
        case (.v4, .v6): true
        case (.v6, .v4): false
        }
    }
}

/// Identity of one virtual router: VLAN, protocol, group number and address family.
public struct VirtualIPGroupKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// VLAN id (0 when untagged).
    public var vlan: UInt16
    /// The protocol.
    public var redundancyProtocol: RedundancyProtocol
    /// VRID, VHID or HSRP group.
    public var group: UInt16
    /// Whether the group's addresses are IPv6 (VRRPv3 over IPv6, HSRPv2 IPv6 groups).
    public var ipv6: Bool

    /// A group key.
    public init(vlan: UInt16, protocol redundancyProtocol: RedundancyProtocol, group: UInt16, ipv6: Bool = false) {
        self.vlan = vlan
        self.redundancyProtocol = redundancyProtocol
        self.group = group
        self.ipv6 = ipv6
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.vlan, lhs.redundancyProtocol.rawValue, lhs.group, lhs.ipv6 ? 1 : 0)
            < (rhs.vlan, rhs.redundancyProtocol.rawValue, rhs.group, rhs.ipv6 ? 1 : 0)
    }

    /// Text like `VRRP vrid 51 (IPv6) on VLAN 10`.
    public var description: String {
        var text = "\(redundancyProtocol) \(redundancyProtocol.groupWord) \(group)"
        if ipv6 { text += " (IPv6)" }
        if vlan != 0 { text += " on VLAN \(vlan)" }
        return text
    }

    /// A compact form for finding keys: `vrrp/51/4/10`.
    public var token: String {
        "\(redundancyProtocol.description.lowercased())/\(group)/\(ipv6 ? 6 : 4)/\(vlan)"
    }

    /// The protocol's RFC virtual MAC for this group: VRRP / kernel CARP 00:00:5e:00:01:{id}
    /// (00:00:5e:00:02:{id} for IPv6), HSRP 00:00:0c:07:ac:{id} (v1) or 00:00:0c:9f:f{id} (v2).
    public func virtualMAC(hsrpVersion: UInt8 = 1) -> MACAddress {
        switch redundancyProtocol {
        case .vrrp, .carp: VRRPAdvertisement.virtualMAC(vrid: UInt8(truncatingIfNeeded: group), ipv6: ipv6)
        case .hsrp:
            hsrpVersion == 1
                ? HSRPMessage.virtualMACv1(group: UInt8(truncatingIfNeeded: group))
                : (ipv6 ? HSRPMessage.virtualMACv2IPv6(group: group) : HSRPMessage.virtualMACv2(group: group))
        }
    }
}

/// How the engine learned a router's own (real) MAC.
public enum RealMACSource: String, Sendable, Hashable {
    /// The Ethernet source of its adverts (keepalived without `use_vmac`, HSRP standby).
    case advert
    /// The HSRPv2 identifier.
    case hsrpIdentifier
    /// An ARP frame whose sender IP is the router's own address.
    case arp
    /// A gratuitous ARP for the VIP sent when it took over (ucarp).
    case takeoverGARP
    /// An ARP answer for the VIP while it was master and its MAC was unknown (ucarp).
    case vipAnswer
    /// A pfsync frame (CARP peers).
    case pfsync
    /// Declared in the configuration (`groups:`).
    case declared
}

/// A run of adverts in which a router claimed to be master, with no silence longer than its
/// liveness limit in between.
public struct ClaimStreak: Sendable, Hashable {
    /// The first advert of the run.
    public var first: FrameReference
    /// The last advert of the run.
    public var last: FrameReference
    /// Adverts in the run (every copy, at every vantage).
    public var adverts: Int
}

/// One router of a group, as its adverts (or pfsync, for a silent CARP peer) show it.
public struct VirtualRouter: Sendable {
    /// Its own address (the advert's IP source).
    public var address: RouterAddress
    /// Ethernet source of its latest advert (nil for a router known only from pfsync).
    public var advertMAC: MACAddress?
    /// Its own interface MAC, when known.
    public var realMAC: MACAddress?
    /// How ``realMAC`` was learned.
    public var realMACSource: RealMACSource?
    /// VRRP / HSRP priority of its latest advert that did not resign (a priority-0 resignation
    /// leaves it unchanged: see ``resignedAt``); CARP: 255 − advskew, so larger still wins.
    public var priority: Int
    /// CARP advbase (s) and advskew (1/256 s), and OpenBSD demote.
    public var advbase: UInt8?
    public var advskew: UInt8?
    public var demote: UInt8?
    /// The advert period in ns (VRRP interval, CARP advbase + advskew/256, HSRP hello).
    public var intervalNanoseconds: Int64
    /// HSRP hold time in ns.
    public var holdNanoseconds: Int64?
    /// Protocol version of its latest advert.
    public var version: UInt8
    /// VRRPv2 auth type (HSRP: 1 when text auth data is present, 2 with MD5).
    public var authType: UInt8?
    /// VRRPv2 / HSRP authentication data.
    public var authData: UInt64?
    /// Number of addresses listed in its adverts (HSRP: 1).
    public var addressCount: Int
    /// The first listed address.
    public var firstAddress: RouterAddress?
    /// VRRP: ``VRRPAdvertisement/addressesDigest``.
    public var addressesDigest: UInt64
    /// HSRP state of its latest hello.
    public var hsrpState: HSRPState?
    /// Whether its latest advert claimed mastership (VRRP/CARP: any advert except VRRP
    /// priority 0; HSRP: state active).
    public var claimsMaster: Bool
    /// First and latest advert (nil for a router known only from pfsync).
    public var firstAdvert: FrameReference?
    public var lastAdvert: FrameReference?
    /// Time of the advert before ``lastAdvert`` (for gaps).
    public var previousAdvertTime: Timestamp?
    /// Whether the advert before ``lastAdvert`` claimed mastership.
    public var previousClaimed: Bool
    /// The current (or latest) claim streak.
    public var streak: ClaimStreak?
    /// Earlier claim streaks, oldest first (bounded).
    public var pastStreaks: [ClaimStreak]
    /// Its latest resignation (VRRP priority 0, HSRP resign).
    public var resignedAt: FrameReference?
    /// Adverts seen (every copy).
    public var advertCount: Int
    /// Adverts whose TTL / hop limit was not 255 (VRRP, CARP), and the latest such TTL.
    public var ttlAnomalies: Int
    public var lastBadTTL: UInt8?
    /// The advert behind ``lastBadTTL``.
    public var lastBadTTLAdvert: FrameReference?

    /// Streaks kept per router beyond the current one.
    public static let streakHistory = 8

    /// A router with address `address`, nothing heard yet.
    init(address: RouterAddress) {
        self.address = address
        priority = 0
        intervalNanoseconds = 1_000_000_000
        version = 0
        addressCount = 0
        addressesDigest = 0
        claimsMaster = false
        previousClaimed = false
        pastStreaks = []
        advertCount = 0
        ttlAnomalies = 0
    }

    /// How long a master may stay silent and still count as advertising: 1.5 periods + 200 ms.
    public var livenessNanoseconds: Int64 { intervalNanoseconds + intervalNanoseconds / 2 + 200_000_000 }

    /// Whether it claims mastership at `time`: its latest advert claimed it and is recent.
    public func isLiveMaster(at time: Timestamp) -> Bool {
        guard claimsMaster, let last = lastAdvert else { return false }
        return time - last.time <= livenessNanoseconds
    }

    /// Whether it has sent anything recently at all (HSRP standby hellos count).
    public func isSpeaking(at time: Timestamp) -> Bool {
        guard let last = lastAdvert else { return false }
        return time - last.time <= max(livenessNanoseconds, holdNanoseconds ?? 0)
    }

    /// Its MACs: the real MAC and the advert source when that is the router's own
    /// (not a multicast, ucarp 00:00:5e:00:00:xx or protocol virtual MAC).
    public var ownMACs: [MACAddress] {
        var macs: [MACAddress] = []
        if let realMAC { macs.append(realMAC) }
        if let advertMAC, Self.isOwnMAC(advertMAC), advertMAC != realMAC { macs.append(advertMAC) }
        return macs
    }

    /// Whether `mac` can be a router's own MAC (unicast, outside the well-known virtual ranges).
    public static func isOwnMAC(_ mac: MACAddress) -> Bool {
        mac.isUnicast && !isProtocolVirtual(mac)
    }

    /// VRRP/CARP 00:00:5e:00:01-02:xx, ucarp 00:00:5e:00:00:xx, HSRP v1/v2 virtual MACs.
    public static func isProtocolVirtual(_ mac: MACAddress) -> Bool {
        let raw = mac.rawValue
        switch raw >> 8 {
        case 0x00_005E_0000, 0x00_005E_0001, 0x00_005E_0002, 0x00_000C_07AC: return true
        default: break
        }
        return raw >> 12 == 0x00_000C_9FF || raw >> 12 == 0x00_0573_A00
    }

    /// Whether its claim streaks (current and past) overlap `from ... to`.
    public func claimed(from start: Timestamp, to end: Timestamp) -> Bool {
        if let streak, streak.first.time <= end && streak.last.time >= start { return true }
        return pastStreaks.contains { $0.first.time <= end && $0.last.time >= start }
    }

    /// Text like `10.0.0.2 (02:aa:00:00:00:01, prio 150)`.
    public var label: String {
        var parts: [String] = []
        if let mac = ownMACs.first ?? advertMAC { parts.append(mac.description) }
        if let advskew, let advbase {
            parts.append("advbase \(advbase) advskew \(advskew)")
        } else if advertCount > 0 {
            parts.append("prio \(priority)")
        }
        return parts.isEmpty ? address.description : "\(address) (\(parts.joined(separator: ", ")))"
    }
}

/// Where a virtual address was learned.
public enum VirtualIPSource: String, Sendable, Hashable {
    /// Listed in a VRRP advert / HSRP hello.
    case advert
    /// A gratuitous ARP of the new master around a takeover.
    case takeoverGARP
    /// Answered in ARP by the group's RFC virtual MAC (kernel CARP, keepalived `use_vmac`).
    case virtualMACAnswer
}

/// A MAC that answered ARP for a virtual address (reply, gratuitous ARP, or request with the
/// VIP as sender).
public struct VIPAnswerer: Sendable, Hashable {
    /// The answering MAC (ARP sender hardware address).
    public var mac: MACAddress
    /// First and latest answer.
    public var first: FrameReference
    public var last: FrameReference
    /// Answers seen.
    public var count: Int
}

/// A virtual address of a group.
public struct VirtualIP: Sendable {
    /// The address.
    public var address: RouterAddress
    /// How it was learned.
    public var source: VirtualIPSource
    /// When it was learned.
    public var learned: FrameReference
    /// MACs that answered ARP for it, in order of first answer (bounded).
    public var answerers: [VIPAnswerer]

    /// Answerers kept per address.
    public static let answererLimit = 6
}

/// An interval during which one router was the group's effective master. A master that falls
/// silent stays master (for the hosts, nothing changed) until the next one takes over.
public struct MasterInterval: Sendable, Hashable {
    /// Index of the router in ``VirtualIPGroup/routers``.
    public var router: Int
    /// Its address (identity check if the slot was reused).
    public var address: RouterAddress
    /// When it became master (its first advert of the streak, or when it was noticed).
    public var start: Timestamp
    /// When the next master took over (nil while current).
    public var end: Timestamp?
}

/// Why the master changed.
public enum TakeoverReason: String, Sendable, Hashable {
    /// The first master seen in the capture.
    case initial
    /// The old master resigned (VRRP priority 0, HSRP resign or a non-active hello).
    case resigned
    /// The old master went silent.
    case vanished
    /// The old master was still advertising when a preferred router took over.
    case preempted
}

/// What a router looked like at a takeover.
public struct RouterSnapshot: Sendable, Hashable {
    /// Router index in its group.
    public var index: Int
    /// Its address.
    public var address: RouterAddress
    /// Its own MACs then.
    public var macs: [MACAddress]
    /// Its advert source MAC then.
    public var advertMAC: MACAddress?
    /// Priority (CARP: 255 − advskew).
    public var priority: Int
    /// Its label then.
    public var label: String
}

/// A change of effective master in one group.
public struct VirtualIPTakeover: Sendable {
    /// Sequence number across all groups (increasing).
    public var id: Int
    /// The group.
    public var group: VirtualIPGroupKey
    /// The previous master (nil for the first master seen).
    public var old: RouterSnapshot?
    /// The new master.
    public var new: RouterSnapshot
    /// Why it changed.
    public var reason: TakeoverReason
    /// The old master's last advert (its priority-0 advert when it resigned).
    public var oldLastAdvert: FrameReference?
    /// The new master's first advert of its current claim streak.
    public var newFirstAdvert: FrameReference
    /// When the engine noticed (the advert or tick that caused the change).
    public var time: Timestamp
    /// How long the old master had been master (ns).
    public var oldTenureNanoseconds: Int64?
    /// Gratuitous ARPs for the group's VIPs from the new master from 2 s before to 15 s after
    /// (bounded; every copy at every vantage).
    public var garps: [FrameReference]
    /// Total such GARPs (beyond the bound too).
    public var garpCount: Int
    /// Gratuitous ARPs for the group's VIPs in the same window from other MACs.
    public var foreignGARPs: Int
    /// The MACs hosts used for the VIP under the old master that the new master does not use
    /// (empty when a shared virtual MAC carries the VIP across the takeover).
    public var abandonedMACs: [MACAddress]

    /// GARP window around a takeover: from this long before ...
    public static let garpLead: Int64 = 2_000_000_000
    /// ... to this long after.
    public static let garpTrail: Int64 = 15_000_000_000
    /// GARPs kept per takeover.
    public static let garpLimit = 48
}

/// The effective master of a group at some time.
public struct MasterStatus: Sendable {
    /// Router index in the group.
    public var router: Int
    /// Whether it is still advertising (false: silent, not yet replaced).
    public var live: Bool
    /// Silence since its last advert (ns; 0 when live and just heard).
    public var silentNanoseconds: Int64
}
