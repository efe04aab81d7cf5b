/// Everything VantageWire learned from one captured frame, outermost layer first.
///
/// A small value: headers are copied out as fixed-size structs and payloads are ranges into
/// the frame, so building one allocates nothing. When a layer fails to decode, the layers
/// outside it are kept and ``stop`` says why decoding ended early.
public struct DecodedPacket: Sendable {
    /// The link-layer header.
    public var link: LinkLayer = .none
    /// The outermost VLAN tag (802.1Q, or the 802.1ad S-tag of a Q-in-Q frame).
    public var outerVLAN: VLANTag?
    /// The inner (C-)tag of a Q-in-Q frame.
    public var innerVLAN: VLANTag?
    /// More than two VLAN tags were present (only two are kept).
    public var extraVLANTags = 0
    /// The network-layer message (ARP, IPv4, IPv6, NLB heartbeat, LLC).
    public var network: NetworkLayer = .none
    /// Byte offset of the network layer in the frame.
    public var networkOffset = 0
    /// The protocol carried by IP (TCP, UDP, ICMP, NDP, IGMP, VRRP, CARP).
    public var transport: TransportLayer = .none
    /// Byte offset of the transport layer in the frame.
    public var transportOffset = 0
    /// The application message (HSRP, HTTP head).
    public var application: ApplicationLayer = .none
    /// Byte offset of the application layer in the frame.
    public var applicationOffset = 0
    /// Cross-layer oddities noticed while decoding.
    public var anomalies: PacketAnomalies = []
    /// Why decoding stopped before the deepest layer, if it did.
    public var stop: DecodeError?
    /// Byte offset in the frame of the layer named by ``stop``.
    public var stopOffset = 0

    /// An empty packet (nothing decoded yet).
    public init() {}

    /// Makes this packet empty again, as ``init()`` does, by storing only the enum tags and the
    /// scalars: cheaper than assigning a fresh 600-byte value for every frame.
    @inlinable
    public mutating func reset() {
        link = .none
        outerVLAN = nil
        innerVLAN = nil
        extraVLANTags = 0
        network = .none
        networkOffset = 0
        transport = .none
        transportOffset = 0
        application = .none
        applicationOffset = 0
        anomalies = []
        stop = nil
        stopOffset = 0
    }

    /// The VLAN that scopes this frame's addresses: the innermost tag's id.
    public var vlanID: UInt16? { (innerVLAN ?? outerVLAN)?.id }

    /// The link-layer source address, where the link type has one.
    public var sourceMAC: MACAddress? {
        switch link {
        case .ethernet(let header): header.source
        case .linuxSLL(let header): header.address
        case .linuxSLL2(let header): header.address
        default: nil
        }
    }

    /// The link-layer destination address (Ethernet only: cooked captures do not keep it).
    public var destinationMAC: MACAddress? {
        if case .ethernet(let header) = link { header.destination } else { nil }
    }

    /// The IPv4 header, if this is an IPv4 packet.
    public var ipv4: IPv4Header? {
        if case .ipv4(let header) = network { header } else { nil }
    }

    /// The IPv6 header, if this is an IPv6 packet.
    public var ipv6: IPv6Header? {
        if case .ipv6(let header, _) = network { header } else { nil }
    }

    /// The ARP message, if this is ARP.
    public var arp: ARPPacket? {
        if case .arp(let message) = network { message } else { nil }
    }

    /// The TCP header, if this is TCP.
    public var tcp: TCPHeader? {
        if case .tcp(let header) = transport { header } else { nil }
    }

    /// The UDP header, if this is UDP.
    public var udp: UDPHeader? {
        if case .udp(let header) = transport { header } else { nil }
    }
}

/// The link-layer header of a frame.
public enum LinkLayer: Sendable {
    case none
    case ethernet(EthernetHeader)
    case linuxSLL(LinuxSLLHeader)
    case linuxSLL2(LinuxSLL2Header)
    /// BSD NULL or OpenBSD LOOP: an address family word.
    case null(NullHeader)
    /// Raw IP: no link header.
    case raw
    /// A link type VantageWire does not decode; the frame is counted, not decoded.
    case unsupported(LinkType)

    /// Whether this is an Ethernet header (whose type field can never be the cooked LLC value).
    public var isEthernet: Bool {
        if case .ethernet = self { true } else { false }
    }
}

/// The network-layer message of a frame.
public enum NetworkLayer: Sendable {
    case none
    case arp(ARPPacket)
    case ipv4(IPv4Header)
    /// The IPv6 header and, when its extension headers could be walked, the walk's result.
    case ipv6(IPv6Header, IPv6ExtensionWalk?)
    case nlbHeartbeat(NLBHeartbeat)
    /// An IEEE 802.3 frame with an 802.2 LLC header (STP, CDP, ...): recognised and skipped.
    case llc(LLCHeader)
    /// An EtherType VantageWire does not decode.
    case other(EtherType)
}

/// The protocol carried inside IP.
public enum TransportLayer: Sendable {
    case none
    case tcp(TCPHeader)
    case udp(UDPHeader)
    case icmp(ICMPv4Message)
    case icmpv6(ICMPv6Message)
    /// An ICMPv6 Neighbor Discovery message (RS, RA, NS, NA, Redirect).
    case neighborDiscovery(ICMPv6Message, NDMessage)
    case igmp(IGMPMessage)
    case vrrp(VRRPAdvertisement)
    case carp(CARPAdvertisement)
    /// An IP protocol VantageWire does not decode.
    case other(IPProtocol)
}

/// The application message carried by TCP or UDP.
public enum ApplicationLayer: Sendable {
    case none
    case hsrp(HSRPMessage)
    case http(HTTPMessage)
}
