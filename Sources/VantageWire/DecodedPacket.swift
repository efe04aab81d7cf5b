/// Everything VantageWire learned from one captured frame, outermost layer first.
///
/// A small value: headers are copied out as fixed-size structs and payloads are ranges into
/// the frame, so building one allocates nothing. When a layer fails to decode, the layers
/// outside it are kept and ``stop`` says why decoding ended early.
public struct DecodedPacket: Sendable {
    /// The link-layer header.
    public var link: LinkLayer = .none { didSet { layersSet |= Self.linkBit } }
    /// The outermost VLAN tag (802.1Q, or the 802.1ad S-tag of a Q-in-Q frame).
    public var outerVLAN: VLANTag?
    /// The inner (C-)tag of a Q-in-Q frame.
    public var innerVLAN: VLANTag?
    /// More than two VLAN tags were present (only two are kept).
    public var extraVLANTags = 0
    /// The network-layer message (ARP, IPv4, IPv6, NLB heartbeat, LLC).
    public var network: NetworkLayer = .none { didSet { layersSet |= Self.networkBit } }
    /// Byte offset of the network layer in the frame.
    public var networkOffset = 0
    /// The protocol carried by IP (TCP, UDP, ICMP, NDP, IGMP, VRRP, CARP).
    public var transport: TransportLayer = .none { didSet { layersSet |= Self.transportBit } }
    /// Byte offset of the transport layer in the frame.
    public var transportOffset = 0
    /// The TCP segment's source port when ``transport`` is `.tcp` (the decoder sets it; else 0).
    /// Kept beside the enum, like the two fields below, so that a per-segment filter reads
    /// them without copying the whole TCP header out of ``transport``.
    public internal(set) var tcpSourcePort: UInt16 = 0
    /// The TCP segment's destination port when ``transport`` is `.tcp` (else 0).
    public internal(set) var tcpDestinationPort: UInt16 = 0
    /// The TCP segment's flags when ``transport`` is `.tcp` (else empty).
    public internal(set) var tcpFlags: TCPFlags = []
    /// The application message (HSRP, HTTP head).
    public var application: ApplicationLayer = .none { didSet { layersSet |= Self.applicationBit } }
    /// Byte offset of the application layer in the frame.
    public var applicationOffset = 0
    /// Cross-layer oddities noticed while decoding.
    public var anomalies: PacketAnomalies = []
    /// Why decoding stopped before the deepest layer, if it did.
    public var stop: DecodeError?
    /// Byte offset in the frame of the layer named by ``stop``.
    public var stopOffset = 0

    /// The layers (``linkBit`` ...) assigned since the decoder last cleared them: a clear bit
    /// means the layer is `.none`. The decoder resets only the layers that hold something and
    /// that the next frame does not overwrite: assigning a layer enum goes through a stack
    /// temporary and an outlined tag store, so four needless `.none` stores per frame cost more
    /// than the rest of an Ethernet header's decoding.
    var layersSet: UInt8 = 0
    /// What the decoder stored in the current frame (only the decoder sets it).
    var decodedShape = DecodedShape()

    static let linkBit: UInt8 = 1
    static let networkBit: UInt8 = 2
    static let transportBit: UInt8 = 4
    static let applicationBit: UInt8 = 8

    /// An empty packet (nothing decoded yet).
    public init() {}

    /// Makes this packet empty again, as ``init()`` does.
    public mutating func reset() {
        resetScalars()
        clearLayers(layersSet)
        decodedShape = DecodedShape()
    }

    /// Resets everything but the four layer enums (and the decoder's bookkeeping).
    @inline(__always)
    mutating func resetScalars() {
        outerVLAN = nil
        innerVLAN = nil
        extraVLANTags = 0
        networkOffset = 0
        transportOffset = 0
        tcpSourcePort = 0
        tcpDestinationPort = 0
        tcpFlags = []
        applicationOffset = 0
        anomalies = []
        stop = nil
        stopOffset = 0
    }

    /// Sets the layers named by `bits` to `.none` and marks them so.
    mutating func clearLayers(_ bits: UInt8) {
        if bits & Self.linkBit != 0 { link = .none }
        if bits & Self.networkBit != 0 { network = .none }
        if bits & Self.transportBit != 0 { transport = .none }
        if bits & Self.applicationBit != 0 { application = .none }
        layersSet &= ~bits
    }

    /// Which case each layer holds (read from the layers; the decoder also returns it).
    public var shape: DecodedShape {
        var shape = DecodedShape()
        switch link {
        case .none: shape.link = .none
        case .ethernet: shape.link = .ethernet
        case .linuxSLL: shape.link = .linuxSLL
        case .linuxSLL2: shape.link = .linuxSLL2
        case .null: shape.link = .null
        case .raw: shape.link = .raw
        case .unsupported: shape.link = .unsupported
        }
        switch network {
        case .none: shape.network = .none
        case .arp: shape.network = .arp
        case .ipv4: shape.network = .ipv4
        case .ipv6: shape.network = .ipv6
        case .nlbHeartbeat: shape.network = .nlbHeartbeat
        case .llc: shape.network = .llc
        case .other: shape.network = .other
        }
        switch transport {
        case .none: shape.transport = .none
        case .tcp: shape.transport = .tcp
        case .udp: shape.transport = .udp
        case .icmp: shape.transport = .icmp
        case .icmpv6: shape.transport = .icmpv6
        case .neighborDiscovery: shape.transport = .neighborDiscovery
        case .igmp: shape.transport = .igmp
        case .vrrp: shape.transport = .vrrp
        case .carp: shape.transport = .carp
        case .other: shape.transport = .other
        }
        switch application {
        case .none: shape.application = .none
        case .hsrp: shape.application = .hsrp
        case .http(.request): shape.application = .httpRequest
        case .http(.response): shape.application = .httpResponse
        }
        shape.stop = stop.map { $0.isTruncation ? .truncated : .malformed } ?? .none
        return shape
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

/// Which case each layer of a decoded packet holds, as one octet each.
///
/// ``PacketDecoder/decode(_:linkType:fcsLength:into:)`` returns it, so that a caller that only
/// tallies protocols (`vantage decode --stats`) need not switch over the layer enums: reading
/// the case of a 128-byte multi-payload enum copies it to the stack first.
public struct DecodedShape: Sendable, Hashable {
    /// The case of ``DecodedPacket/link``.
    public enum Link: UInt8, Sendable { case none, ethernet, linuxSLL, linuxSLL2, null, raw, unsupported }
    /// The case of ``DecodedPacket/network``.
    public enum Network: UInt8, Sendable { case none, arp, ipv4, ipv6, nlbHeartbeat, llc, other }
    /// The case of ``DecodedPacket/transport``.
    public enum Transport: UInt8, Sendable {
        case none, tcp, udp, icmp, icmpv6, neighborDiscovery, igmp, vrrp, carp, other
    }
    /// The case of ``DecodedPacket/application`` (an HTTP head split into request and response).
    public enum Application: UInt8, Sendable { case none, hsrp, httpRequest, httpResponse }
    /// Whether ``DecodedPacket/stop`` is nil, a truncation or a malformation.
    public enum Stop: UInt8, Sendable { case none, truncated, malformed }

    /// One octet per field in one word: the decoder updates it field by field and returns it
    /// whole, and a word read after byte stores would wait for them (failed store forwarding).
    @usableFromInline
    var raw: UInt64 = 0

    @inlinable @inline(__always)
    func octet(_ index: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: raw >> (index * 8)) }

    @inlinable @inline(__always)
    mutating func setOctet(_ index: UInt64, _ value: UInt8) {
        raw = raw & ~(0xFF << (index * 8)) | UInt64(value) << (index * 8)
    }

    /// The link layer's case.
    @inlinable
    public var link: Link {
        get { Link(rawValue: octet(0)) ?? .none }
        set { setOctet(0, newValue.rawValue) }
    }
    /// The network layer's case.
    @inlinable
    public var network: Network {
        get { Network(rawValue: octet(1)) ?? .none }
        set { setOctet(1, newValue.rawValue) }
    }
    /// The transport layer's case.
    @inlinable
    public var transport: Transport {
        get { Transport(rawValue: octet(2)) ?? .none }
        set { setOctet(2, newValue.rawValue) }
    }
    /// The application layer's case.
    @inlinable
    public var application: Application {
        get { Application(rawValue: octet(3)) ?? .none }
        set { setOctet(3, newValue.rawValue) }
    }
    /// Whether decoding stopped early, and why.
    @inlinable
    public var stop: Stop {
        get { Stop(rawValue: octet(4)) ?? .none }
        set { setOctet(4, newValue.rawValue) }
    }

    /// Nothing decoded.
    public init() {}
}
