/// Cross-layer oddities a decoder noticed while decoding succeeded: facts, not verdicts.
///
/// Detectors decide what they mean (an NLB host masks its source MAC on purpose; a spoofer
/// does not). Stored as a bit set so a packet carries them without allocating.
public struct PacketAnomalies: OptionSet, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Ethernet source differs from the ARP sender hardware address.
    public static let arpSenderMACMismatch = PacketAnomalies(rawValue: 1 << 0)
    /// An IPv4 header checksum does not verify.
    public static let ipv4BadChecksum = PacketAnomalies(rawValue: 1 << 1)
    /// A TCP, UDP, ICMP or ICMPv6 checksum does not verify (only checked when the whole
    /// segment was captured).
    public static let transportBadChecksum = PacketAnomalies(rawValue: 1 << 2)
    /// A VRRP or CARP advertisement whose TTL / hop limit is not 255.
    public static let redundancyTTLNot255 = PacketAnomalies(rawValue: 1 << 3)
    /// A VRRP or CARP checksum does not verify.
    public static let redundancyBadChecksum = PacketAnomalies(rawValue: 1 << 4)
    /// A Neighbor Discovery message whose hop limit is not 255.
    public static let ndHopLimitNot255 = PacketAnomalies(rawValue: 1 << 5)
    /// An NDP link-layer address option differs from the Ethernet source.
    public static let ndLinkLayerMismatch = PacketAnomalies(rawValue: 1 << 6)
    /// The IPv4 total length or IPv6 payload length claims more bytes than the frame holds.
    public static let ipLengthExceedsFrame = PacketAnomalies(rawValue: 1 << 7)
    /// A non-first IPv4 or IPv6 fragment (transport headers are not decoded).
    public static let fragment = PacketAnomalies(rawValue: 1 << 8)
    /// A VRRP advertisement whose Ethernet source is not the RFC virtual MAC.
    public static let vrrpSourceNotVirtualMAC = PacketAnomalies(rawValue: 1 << 9)
    /// An Ethernet source that is a multicast or broadcast address.
    public static let multicastSourceMAC = PacketAnomalies(rawValue: 1 << 10)

    /// Stable names, in bit order, for text and JSON output.
    public static let names: [(PacketAnomalies, String)] = [
        (.arpSenderMACMismatch, "arp_sender_mac_mismatch"),
        (.ipv4BadChecksum, "ipv4_bad_checksum"),
        (.transportBadChecksum, "transport_bad_checksum"),
        (.redundancyTTLNot255, "redundancy_ttl_not_255"),
        (.redundancyBadChecksum, "redundancy_bad_checksum"),
        (.ndHopLimitNot255, "nd_hop_limit_not_255"),
        (.ndLinkLayerMismatch, "nd_link_layer_mismatch"),
        (.ipLengthExceedsFrame, "ip_length_exceeds_frame"),
        (.fragment, "fragment"),
        (.vrrpSourceNotVirtualMAC, "vrrp_source_not_virtual_mac"),
        (.multicastSourceMAC, "multicast_source_mac"),
    ]

    /// The names of the set bits.
    public var labels: [String] { Self.names.filter { contains($0.0) }.map(\.1) }

    public var description: String { labels.joined(separator: ",") }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(labels)
    }

    public init(from decoder: any Decoder) throws {
        let labels = try decoder.singleValueContainer().decode([String].self)
        rawValue = 0
        for (flag, name) in Self.names where labels.contains(name) { insert(flag) }
    }
}
