//  The identity of a TCP connection for handshake tracking: VLAN and the two endpoints in a
//  canonical order, so both directions of a connection find the same entry (architecture.md
//  convention 8: flow keys canonical, with the direction kept beside them).

import VantageState
import VantageWire

/// One end of a TCP connection: an IPv4 or IPv6 address and a port.
struct TCPEndpoint: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The address.
    var address: NeighborAddress
    /// The port.
    var port: UInt16

    static func < (lhs: TCPEndpoint, rhs: TCPEndpoint) -> Bool { (lhs.address, lhs.port) < (rhs.address, rhs.port) }

    /// `10.0.0.5:80` or `[2001:db8::5]:80`.
    var description: String { address.isIPv6 ? "[\(address)]:\(port)" : "\(address):\(port)" }
}

/// A connection's identity, the same for both directions: VLAN and the endpoints, lower first.
struct HandshakeKey: BoundedMapKey, Sendable {
    /// The VLAN scoping the addresses (0 when untagged).
    var vlan: UInt16
    /// The lower endpoint.
    var low: TCPEndpoint
    /// The higher endpoint.
    var high: TCPEndpoint

    /// The key of a segment from `source` to `destination`.
    @inline(__always)
    init(vlan: UInt16, source: TCPEndpoint, destination: TCPEndpoint) {
        self.vlan = vlan
        if source < destination {
            low = source
            high = destination
        } else {
            low = destination
            high = source
        }
    }

    /// Folds the fields into one word; the same for both directions by construction.
    @inline(__always)
    var bucketHash: UInt64 {
        Self.symmetricHash(low, high) ^ UInt64(vlan) << 40
    }

    func hash(into hasher: inout Hasher) { hasher.combine(bucketHash) }

    /// A hash of a segment's endpoints that does not depend on its direction (XOR is symmetric).
    @inline(__always)
    static func symmetricHash(_ a: TCPEndpoint, _ b: TCPEndpoint) -> UInt64 {
        let addresses = (a.address.low ^ b.address.low) &+ (a.address.high ^ b.address.high) &* 0x9E37_79B9_7F4A_7C15
        return addresses ^ (UInt64(a.port ^ b.port) &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(a.port &+ b.port) << 17
    }
}

/// A (VLAN, server address) pair: the unit the handshake statistics are kept for.
struct HandshakeServerKey: BoundedMapKey, Sendable {
    /// The VLAN (0 when untagged).
    var vlan: UInt16
    /// The server's address.
    var address: NeighborAddress

    var bucketHash: UInt64 { address.low ^ address.high &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(vlan) << 48 }
    func hash(into hasher: inout Hasher) { hasher.combine(bucketHash) }
}

/// A (VLAN, server address, port) triple: one service, whose first and last accepted
/// connection tell a service that was not listening yet from one that stopped.
struct HandshakeServiceKey: BoundedMapKey, Sendable {
    /// The VLAN (0 when untagged).
    var vlan: UInt16
    /// The server's endpoint.
    var server: TCPEndpoint

    var bucketHash: UInt64 {
        server.address.low ^ server.address.high &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(vlan) << 48 ^ UInt64(server.port) << 32
    }
    func hash(into hasher: inout Hasher) { hasher.combine(bucketHash) }
}
