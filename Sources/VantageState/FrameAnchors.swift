import VantageCapture
import VantageWire

/// One frame of a capture that can be matched at another vantage point.
public struct FrameAnchor: Sendable, Hashable {
    /// The frame's identity.
    public var identity: FrameIdentity
    /// Its timestamp as written in the file (ns).
    public var time: Int64
    /// Its frame number (Wireshark's, 1-based).
    public var frame: Int

    /// An anchor.
    public init(identity: FrameIdentity, time: Int64, frame: Int) {
        self.identity = identity
        self.time = time
        self.frame = frame
    }
}

/// The anchors of one capture, sampled by identity so that every vantage keeps the same frames.
///
/// Sampling: a frame is kept when the top 16 bits of its identity are below `level`. When the
/// table reaches `capacity`, `level` halves and the kept anchors are thinned by the same rule:
/// memory stays bounded, the whole capture stays covered (drift needs its ends), and two
/// captures keep nested subsets of the same frames whatever their sizes, so matches survive.
public struct FrameAnchors: Sendable {
    /// Anchors kept at most.
    public let capacity: Int
    /// The sampling level (65536 keeps every frame).
    public private(set) var level: UInt64 = 1 << 16
    /// The kept anchors, in file order until ``sortByIdentity()``.
    public private(set) var anchors: [FrameAnchor] = []
    /// Frames with an identity seen (kept or not).
    public private(set) var framesSeen = 0

    /// An empty table holding at most `capacity` anchors.
    public init(capacity: Int = 1 << 16) {
        self.capacity = max(16, capacity)
    }

    /// Whether an identity passes the sampling at the current level.
    @inline(__always)
    private func keeps(_ identity: FrameIdentity) -> Bool { identity.rawValue >> 48 < level }

    /// Offers one frame.
    public mutating func add(_ identity: FrameIdentity, time: Int64, frame: Int) {
        framesSeen += 1
        guard keeps(identity) else { return }
        anchors.append(FrameAnchor(identity: identity, time: time, frame: frame))
        while anchors.count >= capacity && level > 1 {
            level /= 2
            let level = self.level
            anchors.removeAll { $0.identity.rawValue >> 48 >= level }
        }
    }

    /// Keeps only the anchors that also pass `level` (to compare two tables on equal terms).
    public func thinned(to level: UInt64) -> [FrameAnchor] {
        level >= self.level ? anchors : anchors.filter { $0.identity.rawValue >> 48 < level }
    }

    /// Reads every frame of the capture at `path` and keeps the anchor-capable ones
    /// (``FrameIdentity/anchor(_:linkType:)``); throws if it cannot be opened. A file that
    /// is damaged part-way keeps the anchors read before the damage.
    public static func read(path: String, capacity: Int = 1 << 16) throws(CaptureError) -> FrameAnchors {
        var table = FrameAnchors(capacity: capacity)
        var reader = try CaptureReader(path: path)
        while (try? reader.advance()) == true {
            let record = reader.current
            let identity = reader.withCurrentBytes { bytes in FrameIdentity.anchor(bytes, linkType: record.linkType) }
            if let identity { table.add(identity, time: record.timestamp.nanoseconds, frame: record.frameNumber) }
        }
        return table
    }
}
