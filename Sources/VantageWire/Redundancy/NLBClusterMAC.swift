// Windows NLB cluster MACs (protocols.md §6.1). Cluster IP a.b.c.d:
//
//    unicast        02:bf:a:b:c:d   replaces every host's NIC MAC; never a frame source
//    multicast      03:bf:a:b:c:d   added; the ARP reply maps the VIP to a multicast MAC
//    IGMP multicast 01:00:5e:7f:c:d group 239.255.c.d. UNCONFIRMED from a Microsoft primary
//                                   text: treat as expected, not guaranteed
//    masked source  02:h:a:b:c:d    unicast mode rewrites each host's *source* MAC, h = host
//                                   priority (1–32), so switches never learn 02:bf:...
//
//    +--------+--------+--------+--------+--------+--------+
//    | 02/03  |  bf/h  |   a    |   b    |   c    |   d    |
//    +--------+--------+--------+--------+--------+--------+
//
// 01:00:5e:7f:xx:xx is also simply the multicast MAC of any 239.255.x.x group (SSDP's
// 239.255.255.250 maps to 01:00:5e:7f:ff:fa), and 02:01..02:20 prefixes collide with real
// locally-administered MACs (e.g. ExtremeNetworks 02:04:96). Pass the cluster IP when known.

/// How an NLB cluster presents its virtual IP on the wire.
public enum NLBMode: String, Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Unicast mode: 02:bf:a:b:c:d.
    case unicast
    /// Multicast mode: 03:bf:a:b:c:d.
    case multicast
    /// IGMP multicast mode: 01:00:5e:7f:c:d (UNCONFIRMED).
    case igmpMulticast

    /// The raw value.
    public var description: String { rawValue }
}

/// A cluster MAC recognised by ``NLBClusterMAC/classify(_:clusterIP:)``.
public struct NLBClusterMACMatch: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// The NLB mode the MAC belongs to.
    public var mode: NLBMode
    /// The full cluster IP embedded in a unicast / multicast MAC (nil for IGMP mode).
    public var clusterIP: IPv4Address?
    /// The last two octets of the cluster IP (c.d), present in every mode.
    public var lowOctets: UInt16

    /// A match from its parts.
    public init(mode: NLBMode, clusterIP: IPv4Address?, lowOctets: UInt16) {
        self.mode = mode
        self.clusterIP = clusterIP
        self.lowOctets = lowOctets
    }

    /// Text like `NLB unicast cluster 10.0.0.100` or `NLB igmpMulticast cluster x.x.0.100`.
    public var description: String {
        if let clusterIP { return "NLB \(mode) cluster \(clusterIP)" }
        return "NLB \(mode) cluster x.x.\(lowOctets >> 8).\(lowOctets & 0xFF)"
    }
}

/// A unicast-mode masked source MAC 02:h:a:b:c:d split into its parts.
public struct NLBMaskedSource: Sendable, Hashable, Encodable {
    /// The host priority / unique host ID (1–32).
    public var hostID: UInt8
    /// The cluster IP a.b.c.d.
    public var clusterIP: IPv4Address

    /// A masked source from its parts.
    public init(hostID: UInt8, clusterIP: IPv4Address) {
        self.hostID = hostID
        self.clusterIP = clusterIP
    }
}

/// Windows NLB cluster MAC construction and recognition.
public enum NLBClusterMAC {
    /// Unicast-mode cluster MAC 02:bf:a:b:c:d.
    public static func unicastMAC(clusterIP: IPv4Address) -> MACAddress {
        MACAddress(rawValue: 0x02BF_0000_0000 | UInt64(clusterIP.rawValue))
    }

    /// Multicast-mode cluster MAC 03:bf:a:b:c:d.
    public static func multicastMAC(clusterIP: IPv4Address) -> MACAddress {
        MACAddress(rawValue: 0x03BF_0000_0000 | UInt64(clusterIP.rawValue))
    }

    /// IGMP-multicast-mode cluster MAC 01:00:5e:7f:c:d (UNCONFIRMED).
    public static func igmpMAC(clusterIP: IPv4Address) -> MACAddress {
        MACAddress(rawValue: 0x0100_5E7F_0000 | UInt64(clusterIP.rawValue & 0xFFFF))
    }

    /// IGMP-multicast-mode group 239.255.c.d (UNCONFIRMED).
    public static func igmpGroup(clusterIP: IPv4Address) -> IPv4Address {
        IPv4Address(rawValue: 0xEFFF_0000 | (clusterIP.rawValue & 0xFFFF))
    }

    /// The cluster MAC of `clusterIP` in `mode`.
    public static func mac(for mode: NLBMode, clusterIP: IPv4Address) -> MACAddress {
        switch mode {
        case .unicast: unicastMAC(clusterIP: clusterIP)
        case .multicast: multicastMAC(clusterIP: clusterIP)
        case .igmpMulticast: igmpMAC(clusterIP: clusterIP)
        }
    }

    /// Unicast-mode masked source MAC 02:h:a:b:c:d for host priority `hostID`.
    public static func maskedSourceMAC(hostID: UInt8, clusterIP: IPv4Address) -> MACAddress {
        MACAddress(rawValue: 0x0200_0000_0000 | UInt64(hostID) << 32 | UInt64(clusterIP.rawValue))
    }

    /// Recognises a cluster MAC. With `clusterIP`, only a MAC of that cluster matches (needed
    /// to tell IGMP mode from ordinary 239.255.x.x multicast).
    public static func classify(_ mac: MACAddress, clusterIP: IPv4Address? = nil) -> NLBClusterMACMatch? {
        let embedded = IPv4Address(rawValue: UInt32(truncatingIfNeeded: mac.rawValue))
        let low = UInt16(truncatingIfNeeded: mac.rawValue)
        let match: NLBClusterMACMatch
        switch mac.rawValue >> 32 {
        case 0x02BF: match = NLBClusterMACMatch(mode: .unicast, clusterIP: embedded, lowOctets: low)
        case 0x03BF: match = NLBClusterMACMatch(mode: .multicast, clusterIP: embedded, lowOctets: low)
        case 0x0100 where mac.rawValue >> 16 == 0x0100_5E7F:
            match = NLBClusterMACMatch(mode: .igmpMulticast, clusterIP: nil, lowOctets: low)
        default: return nil
        }
        if let clusterIP {
            if let embeddedIP = match.clusterIP { return embeddedIP == clusterIP ? match : nil }
            return UInt16(truncatingIfNeeded: clusterIP.rawValue) == low ? match : nil
        }
        return match
    }

    /// Splits a possible masked source MAC 02:h:a:b:c:d (h in 1...32). With `clusterIP`, only
    /// that cluster's hosts match; without it, real locally-administered MACs can match too.
    public static func maskedSource(_ mac: MACAddress, clusterIP: IPv4Address? = nil) -> NLBMaskedSource? {
        guard mac.octet(0) == 0x02 else { return nil }
        let hostID = mac.octet(1)
        guard hostID >= 1, hostID <= 32 else { return nil }
        let embedded = IPv4Address(rawValue: UInt32(truncatingIfNeeded: mac.rawValue))
        if let clusterIP, clusterIP != embedded { return nil }
        return NLBMaskedSource(hostID: hostID, clusterIP: embedded)
    }
}
