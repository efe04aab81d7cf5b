import VantageWire

/// Which way a packet crossed the capturing interface, when the capture says so.
public enum PacketDirection: UInt8, Sendable, Hashable, Codable, CustomStringConvertible {
    /// Not recorded (classic pcap, pcapng without `epb_flags`, or direction bits 00/11).
    case unknown = 0
    /// Received by the capturing interface (`epb_flags` direction 01).
    case inbound = 1
    /// Sent by the capturing interface (`epb_flags` direction 10).
    case outbound = 2

    public var description: String {
        switch self {
        case .unknown: "unknown"
        case .inbound: "in"
        case .outbound: "out"
        }
    }
}

/// The metadata of one captured packet. The bytes themselves are borrowed from the reader.
public struct PacketRecord: Sendable, Hashable {
    /// 1-based number of the packet in its file, as Wireshark numbers frames: pcap records;
    /// pcapng EPB, SPB and obsolete PB, plus the non-packet blocks Wireshark also lists as
    /// frames (custom, systemd journal, sysdig event blocks), which the reader skips, so
    /// numbers can jump there. Continues across pcapng sections.
    public var frameNumber: Int
    /// When the packet was captured (pcapng: after if_tsresol and if_tsoffset).
    public var timestamp: Timestamp
    /// Bytes present in the file.
    public var capturedLength: Int
    /// Bytes the packet had on the wire. May be smaller than `capturedLength` in odd files;
    /// the reader passes both through as written.
    public var originalLength: Int
    /// Bytes of frame check sequence at the end of the captured bytes (0: none, or unknown).
    public var fcsLength: Int
    /// Index into the reader's `interfaces` (counted over the whole file, across sections).
    public var interfaceID: Int
    /// Where the record or block starts in the file.
    public var fileOffset: Int64
    /// The link type (low 32 bits) and the direction (next 8 bits) in one word, so that the
    /// record has no padding: a record is copied for every frame, and copying padding bytes
    /// compiles to overlapping partial loads that stall on the stores that just built it.
    private var linkTypeAndDirection: UInt64

    /// How the captured bytes begin.
    public var linkType: LinkType {
        get { LinkType(rawValue: UInt32(truncatingIfNeeded: linkTypeAndDirection)) }
        set { linkTypeAndDirection = linkTypeAndDirection & ~0xFFFF_FFFF | UInt64(newValue.rawValue) }
    }
    /// In or out of the capturing interface, from pcapng `epb_flags`.
    public var direction: PacketDirection {
        get { PacketDirection(rawValue: UInt8(truncatingIfNeeded: linkTypeAndDirection >> 32)) ?? .unknown }
        set { linkTypeAndDirection = linkTypeAndDirection & 0xFFFF_FFFF | UInt64(newValue.rawValue) << 32 }
    }

    public init(
        frameNumber: Int, timestamp: Timestamp, capturedLength: Int, originalLength: Int,
        linkType: LinkType, fcsLength: Int = 0, interfaceID: Int = 0,
        direction: PacketDirection = .unknown, fileOffset: Int64 = 0
    ) {
        self.frameNumber = frameNumber
        self.timestamp = timestamp
        self.capturedLength = capturedLength
        self.originalLength = originalLength
        self.fcsLength = fcsLength
        self.interfaceID = interfaceID
        self.fileOffset = fileOffset
        self.linkTypeAndDirection = UInt64(linkType.rawValue) | UInt64(direction.rawValue) << 32
    }

    /// Whether the capture kept fewer bytes than the packet had.
    public var isTruncated: Bool { capturedLength < originalLength }

    /// A record with no bytes and frame number 0: a reader's `current` before the first
    /// `advance()`, after the end and after an error.
    public static let empty = PacketRecord(
        frameNumber: 0, timestamp: .zero, capturedLength: 0, originalLength: 0,
        linkType: LinkType(rawValue: 0))
}
