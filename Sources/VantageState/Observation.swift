import VantageCapture
import VantageWire

/// Where a frame was seen: the vantage point (by index), the frame number as Wireshark counts it
/// in that file, and its time on the merged (clock-aligned) timeline.
public struct FrameReference: Sendable, Hashable, Comparable {
    /// Index of the vantage point (capture file).
    public var vantage: Int
    /// 1-based frame number in that file.
    public var frame: Int
    /// Time on the merged timeline.
    public var time: Timestamp

    /// A reference to one captured frame.
    public init(vantage: Int, frame: Int, time: Timestamp) {
        self.vantage = vantage
        self.frame = frame
        self.time = time
    }

    public static func < (lhs: FrameReference, rhs: FrameReference) -> Bool {
        (lhs.time, lhs.vantage, lhs.frame) < (rhs.time, rhs.vantage, rhs.frame)
    }
}

/// One decoded frame as the state engines and detectors see it: a small value, no bytes.
///
/// Besides the decoded layers it keeps what nearly every consumer reads first, taken out of the
/// layer enums once per frame: which case each layer holds (``shape``), the VLAN and the
/// link-layer addresses. Reading a case of a layer enum copies the enum to the stack, so a test
/// on ``shape`` is much cheaper than a `switch` over ``packet``'s layers.
public struct Observation: Sendable {
    /// Where and when the frame was captured.
    public var reference: FrameReference
    /// The decoded layers.
    public private(set) var packet: DecodedPacket
    /// Which case each layer of ``packet`` holds.
    public private(set) var shape: DecodedShape
    /// The VLAN id scoping the frame's addresses (0 when untagged).
    public private(set) var vlan: UInt16
    /// The link-layer source address (``DecodedPacket/sourceMAC``).
    public private(set) var sourceMAC: MACAddress?
    /// The link-layer destination address (``DecodedPacket/destinationMAC``).
    public private(set) var destinationMAC: MACAddress?
    /// The IP source address of an IPv4 or IPv6 frame (nil for other frames).
    public private(set) var ipSource: NeighborAddress?
    /// The IP destination address of an IPv4 or IPv6 frame.
    public private(set) var ipDestination: NeighborAddress?
    /// The IPv4 TTL or IPv6 hop limit (0 when not IP).
    public private(set) var hopLimit: UInt8
    /// Length of the frame on the wire.
    public var originalLength: Int
    /// The frame's identity across vantage points (``FrameIdentity``); set only when several
    /// vantage points are analysed (nil otherwise, or for frames with neither ARP nor IP).
    public var identity: FrameIdentity?

    /// An observation of `packet`, captured at `reference`.
    public init(reference: FrameReference, packet: DecodedPacket, originalLength: Int, identity: FrameIdentity? = nil) {
        self.reference = reference
        self.packet = packet
        self.originalLength = originalLength
        self.identity = identity
        shape = packet.shape
        vlan = packet.vlanID ?? 0
        sourceMAC = packet.sourceMAC
        destinationMAC = packet.destinationMAC
        ipSource = nil
        ipDestination = nil
        hopLimit = 0
        takeNetworkAddresses()
    }

    /// An empty observation, to decode frame after frame into (``decode(_:linkType:fcsLength:with:)``).
    public init() {
        self.init(reference: FrameReference(vantage: 0, frame: 0, time: .zero), packet: DecodedPacket(), originalLength: 0)
    }

    /// Decodes `frame` into this observation in place (no copy of the decoded layers), for the
    /// frame at `reference` that was `originalLength` octets on the wire, with its `identity`
    /// across vantage points (``FrameIdentity``) when journeys are tracked.
    @inline(__always)
    public mutating func decode(
        _ frame: Span<UInt8>, linkType: LinkType, fcsLength: Int, with decoder: PacketDecoder, reference: FrameReference,
        originalLength: Int, identity: FrameIdentity? = nil
    ) {
        self.reference = reference
        self.originalLength = originalLength
        self.identity = identity
        shape = decoder.decode(frame, linkType: linkType, fcsLength: fcsLength, into: &packet)
        vlan = packet.vlanID ?? 0
        switch shape.link {
        case .ethernet, .linuxSLL, .linuxSLL2:
            sourceMAC = packet.sourceMAC
            destinationMAC = packet.destinationMAC
        default:
            sourceMAC = nil
            destinationMAC = nil
        }
        takeNetworkAddresses()
    }

    /// Sets ``ipSource``, ``ipDestination`` and ``hopLimit`` from the network layer.
    @inline(__always)
    private mutating func takeNetworkAddresses() {
        switch shape.network {
        case .ipv4:
            if case .ipv4(let header) = packet.network {
                ipSource = NeighborAddress(header.source)
                ipDestination = NeighborAddress(header.destination)
                hopLimit = header.ttl
                return
            }
        case .ipv6:
            if case .ipv6(let header, _) = packet.network {
                ipSource = NeighborAddress(header.source)
                ipDestination = NeighborAddress(header.destination)
                hopLimit = header.hopLimit
                return
            }
        default:
            break
        }
        ipSource = nil
        ipDestination = nil
        hopLimit = 0
    }

    /// Time on the merged timeline.
    @inlinable public var time: Timestamp { reference.time }
}
