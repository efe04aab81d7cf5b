import VantageWire

/// An IPv4 or IPv6 address as a fixed-size key: IPv4 in the low 32 bits of `low`, IPv6 as its
/// two 64-bit halves. No strings, no allocation; hashing reads 17 bytes.
public struct NeighborAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The high 64 bits of an IPv6 address; 0 for IPv4.
    public var high: UInt64
    /// The low 64 bits of an IPv6 address, or the IPv4 address.
    public var low: UInt64
    /// Whether this is an IPv6 address.
    public var isIPv6: Bool

    /// An IPv4 address.
    @inlinable public init(_ address: IPv4Address) {
        high = 0
        low = UInt64(address.rawValue)
        isIPv6 = false
    }

    /// An IPv6 address.
    @inlinable public init(_ address: IPv6Address) {
        high = address.high
        low = address.low
        isIPv6 = true
    }

    /// The IPv4 address, if this is one.
    public var ipv4: IPv4Address? { isIPv6 ? nil : IPv4Address(rawValue: UInt32(truncatingIfNeeded: low)) }

    /// The IPv6 address, if this is one.
    public var ipv6: IPv6Address? { isIPv6 ? IPv6Address(high: high, low: low) : nil }

    /// Whether the address can identify one host on the link (not unspecified, multicast or
    /// limited broadcast, not loopback).
    @inlinable public var isUnicastHost: Bool {
        if isIPv6 {
            if high == 0 && (low == 0 || low == 1) { return false }
            return high >> 56 != 0xFF
        }
        let raw = UInt32(truncatingIfNeeded: low)
        return raw != 0 && raw != 0xFFFF_FFFF && raw >> 28 != 0xE && raw >> 24 != 127
    }

    /// Whether this is a multicast group (224.0.0.0/4, ff00::/8).
    @inlinable public var isMulticast: Bool {
        isIPv6 ? high >> 56 == 0xFF : UInt32(truncatingIfNeeded: low) >> 28 == 0xE
    }

    public var description: String {
        if isIPv6 { return IPv6Address(high: high, low: low).description }
        return IPv4Address(rawValue: UInt32(truncatingIfNeeded: low)).description
    }

    public static func < (lhs: NeighborAddress, rhs: NeighborAddress) -> Bool {
        (lhs.isIPv6 ? 1 : 0, lhs.high, lhs.low) < (rhs.isIPv6 ? 1 : 0, rhs.high, rhs.low)
    }
}

/// An address scoped by its VLAN: the identity of a neighbor entry. The same IP in two VLANs
/// is two unrelated entries.
public struct NeighborKey: BoundedMapKey, Sendable, Comparable, CustomStringConvertible {
    /// The VLAN id (0 when untagged).
    public var vlan: UInt16
    /// The address.
    public var address: NeighborAddress

    /// The key of `address` in `vlan`.
    @inlinable public init(vlan: UInt16, address: NeighborAddress) {
        self.vlan = vlan
        self.address = address
    }

    /// The key of an IPv4 address in `vlan`.
    @inlinable public init(vlan: UInt16, _ address: IPv4Address) { self.init(vlan: vlan, address: NeighborAddress(address)) }

    /// The key of an IPv6 address in `vlan`.
    @inlinable public init(vlan: UInt16, _ address: IPv6Address) { self.init(vlan: vlan, address: NeighborAddress(address)) }

    /// The address, with ` (VLAN n)` appended when tagged.
    public var description: String { vlan == 0 ? address.description : "\(address) (VLAN \(vlan))" }

    public static func < (lhs: NeighborKey, rhs: NeighborKey) -> Bool { (lhs.vlan, lhs.address) < (rhs.vlan, rhs.address) }

    /// The fields folded into one word.
    @inlinable public var bucketHash: UInt64 {
        (address.low &* 0x9E37_79B9_7F4A_7C15) ^ address.high ^ (UInt64(vlan) << 48) ^ (address.isIPv6 ? 1 << 63 : 0)
    }

    @inlinable public func hash(into hasher: inout Hasher) { hasher.combine(bucketHash) }
}

/// One host (by MAC) sending to one neighbor address: the key of the sender cache.
public struct SenderKey: BoundedMapKey, Sendable {
    /// The VLAN id (0 when untagged).
    public var vlan: UInt16
    /// The sending host's MAC (Ethernet source).
    public var sender: MACAddress
    /// The on-link address it sends to.
    public var address: NeighborAddress

    /// The sender-cache key of `sender` sending to `address` in `vlan`.
    @inlinable public init(vlan: UInt16, sender: MACAddress, address: NeighborAddress) {
        self.vlan = vlan
        self.sender = sender
        self.address = address
    }

    /// The neighbor key of the destination address.
    @inlinable public var neighbor: NeighborKey { NeighborKey(vlan: vlan, address: address) }

    /// The fields folded into one word.
    @inlinable public var bucketHash: UInt64 { neighbor.bucketHash ^ (sender.rawValue &* 0xC2B2_AE3D_27D4_EB4F) }

    @inlinable public func hash(into hasher: inout Hasher) { hasher.combine(bucketHash) }
}

/// One MAC in one VLAN: the key of the station table.
public struct StationKey: BoundedMapKey, Sendable {
    /// The VLAN id (0 when untagged).
    public var vlan: UInt16
    /// The MAC.
    public var mac: MACAddress

    /// The station `mac` in `vlan`.
    @inlinable public init(vlan: UInt16, mac: MACAddress) {
        self.vlan = vlan
        self.mac = mac
    }

    /// The fields folded into one word.
    @inlinable public var bucketHash: UInt64 { mac.rawValue | UInt64(vlan) << 48 }

    @inlinable public func hash(into hasher: inout Hasher) { hasher.combine(bucketHash) }
}
