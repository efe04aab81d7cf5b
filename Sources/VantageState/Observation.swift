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
public struct Observation: Sendable {
    /// Where and when the frame was captured.
    public var reference: FrameReference
    /// The decoded layers.
    public var packet: DecodedPacket
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
    }

    /// Time on the merged timeline.
    @inlinable public var time: Timestamp { reference.time }

    /// The VLAN id scoping the frame's addresses (0 when untagged).
    @inlinable public var vlan: UInt16 { packet.vlanID ?? 0 }
}
