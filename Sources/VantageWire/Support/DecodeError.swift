/// Why a header could not be decoded.
///
/// Truncation (the capture kept fewer bytes than the header needs) is kept apart from
/// malformation (the bytes are there but contradict the protocol), because a snap-length cut is
/// normal in captures while malformed bytes are a finding of their own.
public enum DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The header needs `needed` bytes but only `available` were captured.
    case truncated(layer: ProtocolLayer, needed: Int, available: Int)
    /// The bytes at `offset` (from the start of this layer) are impossible for the protocol.
    case malformed(layer: ProtocolLayer, offset: Int, reason: StaticString)

    /// The layer that failed to decode.
    public var layer: ProtocolLayer {
        switch self {
        case .truncated(let layer, _, _), .malformed(let layer, _, _): layer
        }
    }

    /// Whether this error only means that the capture cut the frame short.
    public var isTruncation: Bool {
        if case .truncated = self { true } else { false }
    }

    public var description: String {
        switch self {
        case .truncated(let layer, let needed, let available):
            "\(layer) truncated: needs \(needed) bytes, \(available) captured"
        case .malformed(let layer, let offset, let reason):
            "\(layer) malformed at offset \(offset): \(reason)"
        }
    }

    public static func == (lhs: DecodeError, rhs: DecodeError) -> Bool {
        switch (lhs, rhs) {
        case (.truncated(let l1, let n1, let a1), .truncated(let l2, let n2, let a2)):
            l1 == l2 && n1 == n2 && a1 == a2
        case (.malformed(let l1, let o1, let r1), .malformed(let l2, let o2, let r2)):
            l1 == l2 && o1 == o2 && r1.description == r2.description
        default:
            false
        }
    }
}

/// The protocol layers VantageWire decodes, used to say where decoding stopped.
public enum ProtocolLayer: String, Sendable, Hashable, Codable, CaseIterable {
    case null, loop, ethernet, llc, vlan, linuxSLL, linuxSLL2, raw
    case arp, ipv4, ipv6, ipv6Extension, icmp, icmpv6, neighborDiscovery, igmp
    case udp, tcp, tcpOptions, vrrp, carp, hsrp, nlbHeartbeat, http
}
