//  HeartbeatStreams: every heartbeat stream seen, graded per vantage point.
//
//  Same datagram at several vantage points: each vantage point keeps its own track of the
//  stream (its own arrival times), so a gap is always measured on one clock, and a clock
//  offset between captures cannot create or hide a gap. The detectors merge the tracks: the
//  worst gap at a receiver is what the cluster felt; arrivals at another vantage point during
//  that gap prove the datagrams were sent (the network lost them); no arrival anywhere, while
//  the sender's other streams are silent too, points at the sender.
//
//  Per frame: a port bitmap check, one dictionary lookup with a fixed-size key, a ring store.
//  Bounded: at `capacity` streams the least recently heard eighth is evicted (counted).

import VantageCapture
import VantageWire

/// What one heartbeat arrival did to its stream.
public struct HeartbeatArrival: Sendable {
    /// Index of the stream in ``HeartbeatStreamTable/streams``.
    public var stream: Int
    /// Index of the vantage point's track in the stream.
    public var track: Int
    /// Time since the previous arrival at this vantage point, in ns (0 for a first arrival, an
    /// arrival after an intended end, or a duplicate).
    public var gap: Int64
    /// The previous arrival at this vantage point, when ``gap`` is set.
    public var previous: FrameReference?
    /// The same datagram again at the same vantage point (an `any` capture sees it twice).
    public var duplicate: Bool
}

/// The heartbeat streams of a run, tracked per vantage point, with learned intervals.
public final class HeartbeatStreamTable {
    /// Ports watched without configuration: Windows failover cluster (3343), Linux-HA (694),
    /// corosync (5404, 5405).
    public static let wellKnownPorts: [UInt16] = [3343, 694, 5404, 5405]

    /// The streams (indices stay valid until the next eviction: hold keys across frames).
    public private(set) var streams: [HeartbeatStream] = []
    /// Latest frame time per vantage point among frames shown to ``noteFrame(vantage:time:)``:
    /// a vantage point whose capture goes on while a stream is silent proves the silence.
    public private(set) var vantageLatest: [Timestamp] = []
    /// Streams evicted to stay under the cap.
    public private(set) var evicted = 0
    /// The stream cap.
    public let capacity: Int
    /// Gaps needed before an interval is learned (and between retries when irregular).
    public let learningGaps: Int
    /// Learned intervals shorter than this (ns) are not heartbeats (busy message traffic on a
    /// heartbeat port, e.g. corosync's totem token): such streams are not graded.
    public let minimumInterval: Int64

    private var index: [HeartbeatStreamKey: Int] = [:]
    private var portBits: [UInt64] = Array(repeating: 0, count: 1024)
    private var declaredIntervals: [UInt16: Int64] = [:]
    private var groupMaster: [HeartbeatGroupKey: NeighborAddress] = [:]

    /// A table watching the well-known ports and `declarations`.
    public init(
        declarations: [HeartbeatDeclaration] = [], capacity: Int = 4096, learningGaps: Int = 8,
        minimumInterval: Int64 = 100_000_000
    ) {
        self.capacity = max(8, capacity)
        self.minimumInterval = max(0, minimumInterval)
        self.learningGaps = max(2, min(learningGaps, HeartbeatTrack.ringSize - 1))
        for port in Self.wellKnownPorts { watch(port) }
        for declaration in declarations {
            watch(declaration.port)
            if let interval = declaration.intervalNanoseconds { declaredIntervals[declaration.port] = interval }
        }
    }

    private func watch(_ port: UInt16) { portBits[Int(port >> 6)] |= 1 << UInt64(port & 63) }

    /// Whether datagrams to `port` are heartbeats (a bit test).
    @inline(__always)
    public func watches(port: UInt16) -> Bool { portBits[Int(port >> 6)] & (1 << UInt64(port & 63)) != 0 }

    /// The declared interval of UDP `port`, in ns.
    public func declaredInterval(port: UInt16) -> Int64? { declaredIntervals[port] }

    /// Marks vantage point `vantage` as capturing at `time`.
    @inline(__always)
    public func noteFrame(vantage: Int, time: Timestamp) {
        if vantage >= vantageLatest.count {
            vantageLatest.append(contentsOf: repeatElement(.zero, count: vantage + 1 - vantageLatest.count))
        }
        if time > vantageLatest[vantage] { vantageLatest[vantage] = time }
    }

    /// The latest time vantage point `vantage` captured anything shown to the table.
    public func latest(vantage: Int) -> Timestamp {
        vantageLatest.indices.contains(vantage) ? vantageLatest[vantage] : .zero
    }

    /// Whether `track` carries its stream regularly: more arrivals than ``learningGaps`` (a
    /// capture that saw a few datagrams flooded before the switch learned the receiver's MAC
    /// neither grades the stream nor proves it silent).
    public func isEstablished(_ track: HeartbeatTrack) -> Bool { track.count > learningGaps }

    /// The index of the stream `key`.
    public func streamIndex(_ key: HeartbeatStreamKey) -> Int? { index[key] }

    /// Takes in one heartbeat arrival; `interval` (ns) is what the frame itself declares (a VRRP
    /// advert interval) or nil to use the port's declaration or learn it.
    /// `outgoing`: the capture saw the frame leave its own host (Linux cooked "outgoing").
    public func record(
        _ key: HeartbeatStreamKey, mac: MACAddress?, at reference: FrameReference, interval: Int64? = nil, outgoing: Bool = false
    ) -> HeartbeatArrival {
        let declared = interval ?? (key.kind == .udp ? declaredIntervals[key.port] : nil)
        guard let streamIndex = index[key] else {
            if streams.count >= capacity { evictOldest() }
            index[key] = streams.count
            streams.append(HeartbeatStream(key: key, first: reference, mac: mac, declaredInterval: declared))
            if outgoing { streams[streams.count - 1].senderVantage = reference.vantage }
            return HeartbeatArrival(stream: streams.count - 1, track: 0, gap: 0, previous: nil, duplicate: false)
        }
        if outgoing, streams[streamIndex].senderVantage == nil { streams[streamIndex].senderVantage = reference.vantage }
        return Self.update(
            &streams[streamIndex], streamIndex: streamIndex, mac: mac, at: reference, declared: declared, learningGaps: learningGaps,
            minimumInterval: minimumInterval)
    }

    private static func update(
        _ stream: inout HeartbeatStream, streamIndex: Int, mac: MACAddress?, at reference: FrameReference, declared: Int64?,
        learningGaps: Int, minimumInterval: Int64
    ) -> HeartbeatArrival {
        if let mac { stream.mac = mac }
        if let declared { stream.declaredInterval = declared }
        guard let trackIndex = stream.trackIndex(vantage: reference.vantage) else {
            stream.tracks.append(HeartbeatTrack(first: reference))
            if reference.time > stream.lastAnywhere.time { stream.lastAnywhere = reference }
            return HeartbeatArrival(stream: streamIndex, track: stream.tracks.count - 1, gap: 0, previous: nil, duplicate: false)
        }
        let previous = stream.tracks[trackIndex].last
        let gap = reference.time - previous.time
        // The same datagram twice at one vantage point: well under any heartbeat interval.
        let duplicateWindow = stream.interval.map { $0 / 4 } ?? 5_000_000
        if gap < duplicateWindow {
            return HeartbeatArrival(stream: streamIndex, track: trackIndex, gap: 0, previous: nil, duplicate: true)
        }
        stream.tracks[trackIndex].record(reference)
        if reference.time > stream.lastAnywhere.time { stream.lastAnywhere = reference }
        // A gap across an intended end (resignation, takeover) is a restart, not a loss.
        let graded = stream.spansEnd(from: previous.time) ? 0 : gap
        // Learn after learningGaps gaps; an irregular stream retries after 2x, 4x, ... as many
        // (so bursty traffic on a heartbeat port costs no allocation per frame).
        let gaps = stream.tracks[trackIndex].count - 1
        let rounds = gaps / learningGaps
        if stream.declaredInterval == nil, stream.learnedInterval == nil, rounds > 0, gaps % learningGaps == 0,
            rounds & (rounds - 1) == 0
        {
            stream.learnedInterval = learnedInterval(stream.tracks[trackIndex].recentGaps()).flatMap {
                $0 >= minimumInterval ? $0 : nil
            }
        }
        return HeartbeatArrival(
            stream: streamIndex, track: trackIndex, gap: graded, previous: graded > 0 ? previous : nil, duplicate: false)
    }

    /// The median gap when at least three quarters of `gaps` lie within 25 % of it (a steady
    /// cadence), else nil: bursty traffic on a heartbeat port is not graded.
    static func learnedInterval(_ gaps: [Int64]) -> Int64? {
        guard gaps.count >= 2 else { return nil }
        let sorted = gaps.sorted()
        let median = sorted[sorted.count / 2]
        guard median > 0 else { return nil }
        let near = sorted.filter { abs($0 - median) * 4 <= median }.count
        return near * 4 >= sorted.count * 3 ? median : nil
    }

    /// Marks the stream `key` ended on purpose at `reference` (a resignation).
    public func end(_ key: HeartbeatStreamKey, reason: HeartbeatEnd, at reference: FrameReference) {
        guard let streamIndex = index[key] else { return }
        streams[streamIndex].ended = (reason, reference)
    }

    /// Notes that `source` advertises as master of `key`'s group: the previous master's streams
    /// in that group (VRRP/CARP, where only the master sends) end by takeover.
    public func noteMaster(_ key: HeartbeatStreamKey, at reference: FrameReference) {
        guard key.kind.onlyMasterSends else { return }
        let group = key.group
        let previous = groupMaster.updateValue(key.source, forKey: group)
        guard let previous, previous != key.source else { return }
        for streamIndex in streams.indices {
            let other = streams[streamIndex].key
            if other.source == previous, other.group == group, !streams[streamIndex].isEnded {
                streams[streamIndex].ended = (.takenOver(by: key.source), reference)
            }
        }
    }

    /// Notes that a detector reported the current silence of `stream` at `track`.
    public func markSilenceReported(stream: Int, track: Int) {
        streams[stream].tracks[track].reportedSilence = streams[stream].tracks[track].last.time
    }

    /// Drops the least recently heard eighth of the streams.
    private func evictOldest() {
        let keep = capacity - max(1, capacity / 8)
        let order = streams.indices.sorted { streams[$0].lastAnywhere.time > streams[$1].lastAnywhere.time }
        let kept = order.prefix(keep).sorted()
        evicted += streams.count - kept.count
        streams = kept.map { streams[$0] }
        index.removeAll(keepingCapacity: true)
        for (position, stream) in streams.enumerated() { index[stream.key] = position }
    }
}
