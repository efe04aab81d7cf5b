//  One heartbeat stream as one vantage point sees it: the recent arrival times (a fixed ring,
//  no heap), the last two frames, and how many arrived. Streams are graded per vantage point
//  (the receiver's capture shows what the receiver got; the sender's shows what left), and the
//  detectors merge the grades: see HeartbeatStreamTable.

import VantageCapture

/// Arrivals of one heartbeat stream at one vantage point.
public struct HeartbeatTrack: Sendable {
    /// Arrival times kept per track (enough for learning and for "seen during a gap").
    public static let ringSize = 16

    /// The vantage point (capture file index).
    public let vantage: Int
    /// The latest arrival times, in ns, oldest overwritten first.
    private var ring: InlineArray<16, Int64> = InlineArray(repeating: 0)
    /// Their frame numbers, slot for slot.
    private var frames: InlineArray<16, Int> = InlineArray(repeating: 0)
    /// Arrivals counted (duplicates excluded).
    public private(set) var count = 0
    /// The latest arrival.
    public private(set) var last: FrameReference
    /// The arrival before ``last`` (nil for the first).
    public private(set) var previous: FrameReference?
    /// The ``last`` arrival time whose silence a detector already reported (detector bookkeeping).
    public var reportedSilence: Timestamp?

    /// A track that starts with `reference`.
    init(first reference: FrameReference) {
        vantage = reference.vantage
        last = reference
        record(reference)
    }

    /// Takes in one arrival (the caller has ruled out duplicates).
    mutating func record(_ reference: FrameReference) {
        if count > 0 { previous = last }
        last = reference
        ring[count % Self.ringSize] = reference.time.nanoseconds
        frames[count % Self.ringSize] = reference.frame
        count += 1
    }

    /// The earliest kept arrival strictly between `start` and `end`, if any.
    public func firstArrival(after start: Timestamp, before end: Timestamp) -> FrameReference? {
        var best: FrameReference?
        for slot in 0..<min(count, Self.ringSize) {
            let time = ring[slot]
            guard time > start.nanoseconds, time < end.nanoseconds, time < (best?.time.nanoseconds ?? .max) else { continue }
            best = FrameReference(vantage: vantage, frame: frames[slot], time: Timestamp(nanoseconds: time))
        }
        return best
    }

    /// The gaps between the kept arrivals, in ns (allocates: for learning, not per frame).
    public func recentGaps() -> [Int64] {
        let kept = min(count, Self.ringSize)
        guard kept > 1 else { return [] }
        var times: [Int64] = []
        times.reserveCapacity(kept)
        for slot in 0..<kept { times.append(ring[slot]) }
        times.sort()
        return (1..<kept).map { times[$0] - times[$0 - 1] }
    }
}
