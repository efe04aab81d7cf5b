//  FrameIdentity: one key for "the same frame captured at several vantage points".
//
//  Hashed (64 bits) from fields a router or bridge does not change on the way:
//
//    ARP        the whole ARP body (hardware/protocol types, op, sender and target pairs)
//    IPv4       source, destination, identification, protocol, flags + fragment offset, total length
//    IPv6       source, destination, flow label, payload length, next header
//    TCP        ports, sequence, acknowledgment, flags          (first fragment only)
//    UDP        ports, length
//    ICMP(v6)   type, code, identifier + sequence (rest of header)
//    payload    the first 32 bytes after the transport header (or after the IP header for any
//               other protocol: VRRP, CARP, OSPF, ...)
//
//  Left out on purpose: link-layer addresses (a router rewrites them), VLAN tags, TTL / hop
//  limit, DSCP/ECN, and every checksum (they follow the TTL). NAT is not handled: a rewritten
//  address or port is another frame. A key of 0 never occurs (0 means "no identity").

/// A 64-bit key naming one frame across vantage points, robust to TTL and MAC rewriting.
public struct FrameIdentity: RawRepresentable, Hashable, Sendable, Comparable {
    /// The hash; never 0.
    public var rawValue: UInt64

    /// A key with the given hash (0 is mapped to 1 so that 0 can mean "none").
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue == 0 ? 1 : rawValue }

    /// Orders keys by their hash (for sorted tables).
    @inlinable public static func < (lhs: FrameIdentity, rhs: FrameIdentity) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Bytes of payload (after the transport header) that enter the key.
    public static let payloadPrefix = 32

    /// The identity of a captured frame, or nil when it carries neither ARP nor IP (or is cut
    /// before the network header). Allocates nothing; reads each byte at most once.
    public static func of(_ bytes: Span<UInt8>, linkType: LinkType) -> FrameIdentity? {
        guard let (etherType, offset) = networkStart(bytes, linkType: linkType) else { return nil }
        var hasher = IdentityHasher()
        switch etherType {
        case 0x0806: return arp(bytes, at: offset, &hasher)
        case 0x0800: return ipv4(bytes, at: offset, &hasher)
        case 0x86DD: return ipv6(bytes, at: offset, &hasher)
        default: return nil
        }
    }

    /// The identity of a frame that makes a good clock anchor, or nil: ARP, and IP frames other
    /// than TCP segments without SYN, FIN or RST (bulk TCP data and ACKs are skipped before any
    /// hashing: they are most of a busy capture and add nothing the handshakes do not give).
    public static func anchor(_ bytes: Span<UInt8>, linkType: LinkType) -> FrameIdentity? {
        guard let (etherType, offset) = networkStart(bytes, linkType: linkType) else { return nil }
        var transport = -1
        if etherType == 0x0800, bytes.count >= offset + 20, bytes[offset + 9] == 6, bytes.u16(offset + 6) & 0x1FFF == 0 {
            transport = offset + Int(bytes[offset] & 0x0F) * 4
        } else if etherType == 0x86DD, bytes.count >= offset + 40, bytes[offset + 6] == 6 {
            transport = offset + 40
        }
        if transport >= 0 {
            guard bytes.count >= transport + 14, bytes[transport + 13] & 0x07 != 0 else { return nil }
        }
        return of(bytes, linkType: linkType)
    }

    /// The EtherType of the network layer and where it starts, skipping the link header and
    /// any 802.1Q / 802.1ad tags.
    @inline(__always)
    static func networkStart(_ bytes: Span<UInt8>, linkType: LinkType) -> (UInt16, Int)? {
        let count = bytes.count
        switch linkType {
        case .ethernet:
            guard count >= 14 else { return nil }
            var type = bytes.u16(12)
            var offset = 14
            while type == 0x8100 || type == 0x88A8 || type == 0x9100 {
                guard count >= offset + 4 else { return nil }
                type = bytes.u16(offset + 2)
                offset += 4
            }
            return (type, offset)
        case .linuxSLL:
            guard count >= 16 else { return nil }
            return (bytes.u16(14), 16)
        case .linuxSLL2:
            guard count >= 20 else { return nil }
            return (bytes.u16(0), 20)
        case .null, .loop:
            return ipVersion(bytes, at: 4)
        default:
            return linkType.isRawIP ? ipVersion(bytes, at: 0) : nil
        }
    }

    @inline(__always)
    private static func ipVersion(_ bytes: Span<UInt8>, at offset: Int) -> (UInt16, Int)? {
        guard bytes.count > offset else { return nil }
        switch bytes[offset] >> 4 {
        case 4: return (0x0800, offset)
        case 6: return (0x86DD, offset)
        default: return nil
        }
    }

    private static func arp(_ bytes: Span<UInt8>, at offset: Int, _ hasher: inout IdentityHasher) -> FrameIdentity? {
        guard bytes.count >= offset + 8 else { return nil }
        let length = 8 + 2 * (Int(bytes[offset + 4]) + Int(bytes[offset + 5]))
        guard bytes.count >= offset + length else { return nil }
        hasher.mix(0xA4)
        hasher.mixBytes(bytes, from: offset, to: offset + length)
        return hasher.identity
    }

    private static func ipv4(_ bytes: Span<UInt8>, at offset: Int, _ hasher: inout IdentityHasher) -> FrameIdentity? {
        guard bytes.count >= offset + 20 else { return nil }
        let headerLength = Int(bytes[offset] & 0x0F) * 4
        let totalLength = Int(bytes.u16(offset + 2))
        guard headerLength >= 20, bytes.count >= offset + headerLength else { return nil }
        let fragment = bytes.u16(offset + 6)
        let proto = bytes[offset + 9]
        hasher.mix(0x04)
        hasher.mix(UInt64(bytes.u32(offset + 12)) << 32 | UInt64(bytes.u32(offset + 16)))
        hasher.mix(UInt64(bytes.u16(offset + 4)) << 40 | UInt64(fragment) << 24 | UInt64(proto) << 16 | UInt64(totalLength))
        let end = totalLength >= headerLength ? min(bytes.count, offset + totalLength) : bytes.count
        let start = offset + headerLength
        if fragment & 0x1FFF != 0 {
            hasher.mixBytes(bytes, from: start, to: min(end, start + payloadPrefix))
        } else {
            transport(proto, bytes, from: start, to: end, &hasher)
        }
        return hasher.identity
    }

    private static func ipv6(_ bytes: Span<UInt8>, at offset: Int, _ hasher: inout IdentityHasher) -> FrameIdentity? {
        guard bytes.count >= offset + 40 else { return nil }
        let payloadLength = Int(bytes.u16(offset + 4))
        let next = bytes[offset + 6]
        hasher.mix(0x06)
        hasher.mix(UInt64(bytes.u32(offset) & 0x000F_FFFF) << 32 | UInt64(payloadLength) << 8 | UInt64(next))
        hasher.mix(bytes.u64(offset + 8))
        hasher.mix(bytes.u64(offset + 16))
        hasher.mix(bytes.u64(offset + 24))
        hasher.mix(bytes.u64(offset + 32))
        let start = offset + 40
        transport(next, bytes, from: start, to: min(bytes.count, start + payloadLength), &hasher)
        return hasher.identity
    }

    /// Mixes the invariant transport fields and the payload prefix of bytes `start..<end`.
    private static func transport(
        _ proto: UInt8, _ bytes: Span<UInt8>, from start: Int, to end: Int, _ hasher: inout IdentityHasher
    ) {
        var payload = start
        switch proto {
        case 6 where end - start >= 20:
            hasher.mix(UInt64(bytes.u32(start)) << 32 | UInt64(bytes[start + 13]))
            hasher.mix(UInt64(bytes.u32(start + 4)) << 32 | UInt64(bytes.u32(start + 8)))
            payload = start + max(20, Int(bytes[start + 12] >> 4) * 4)
        case 17 where end - start >= 8:
            hasher.mix(UInt64(bytes.u32(start)) << 16 | UInt64(bytes.u16(start + 4)))
            payload = start + 8
        case 1 where end - start >= 8, 58 where end - start >= 8:
            hasher.mix(UInt64(bytes.u16(start)) << 32 | UInt64(bytes.u32(start + 4)))
            payload = start + 8
        default:
            break
        }
        hasher.mixBytes(bytes, from: payload, to: min(end, payload + payloadPrefix))
    }
}

/// A small streaming 64-bit hash (multiply-rotate rounds, splitmix finish); no allocation.
struct IdentityHasher {
    private var state: UInt64 = 0x243F_6A88_85A3_08D3

    /// Mixes one 64-bit word.
    @inline(__always)
    mutating func mix(_ value: UInt64) {
        let folded = state ^ (value &* 0x9E37_79B9_7F4A_7C15)
        state = ((folded << 27) | (folded >> 37)) &* 0xC2B2_AE3D_27D4_EB4F &+ 0x1656_67B1_9E37_79F9
    }

    /// Mixes bytes `start..<end` (nothing when the range is empty or out of the span), with
    /// their count so that a shorter prefix never collides with a longer one.
    @inline(__always)
    mutating func mixBytes(_ bytes: Span<UInt8>, from start: Int, to end: Int) {
        let end = min(end, bytes.count)
        guard start >= 0, start < end else {
            mix(0xFFFF)
            return
        }
        var index = start
        while index + 8 <= end {
            mix(bytes.u64(index))
            index += 8
        }
        var tail: UInt64 = 0
        while index < end {
            tail = tail << 8 | UInt64(bytes[index])
            index += 1
        }
        mix(tail ^ UInt64(end - start) << 56)
    }

    /// The finished key.
    @inline(__always)
    var identity: FrameIdentity {
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return FrameIdentity(rawValue: z ^ (z >> 31))
    }
}
