//  One heartbeat stream (sender interface -> receiver, per protocol and port) with one track per
//  vantage point that saw it, and the interval it is graded against: declared (configuration,
//  or the interval carried in VRRP/CARP/HSRP adverts) or learned from the traffic.

import VantageCapture
import VantageWire

/// Why a stream stopped without it counting as lost.
public enum HeartbeatEnd: Sendable, Hashable {
    /// The sender resigned (VRRP priority 0, HSRP resign).
    case resigned
    /// Another router of the group took over as master (VRRP, CARP: only the master sends).
    case takenOver(by: NeighborAddress)
}

/// A heartbeat stream and its arrivals at each vantage point.
public struct HeartbeatStream: Sendable {
    /// Who sends to whom.
    public let key: HeartbeatStreamKey
    /// The sender's Ethernet address (latest seen).
    public internal(set) var mac: MACAddress?
    /// The interval from configuration or from the adverts themselves, in ns.
    public internal(set) var declaredInterval: Int64?
    /// The interval learned from the traffic (robust median of gaps), in ns.
    public internal(set) var learnedInterval: Int64?
    /// Arrivals per vantage point that saw the stream.
    public internal(set) var tracks: [HeartbeatTrack]
    /// The latest arrival at any vantage point.
    public internal(set) var lastAnywhere: FrameReference
    /// A vantage point that captured the stream leaving its sender (cooked capture, outgoing).
    public internal(set) var senderVantage: Int?
    /// The first arrival at any vantage point.
    public let firstSeen: FrameReference
    /// Set when the stream ended on purpose (resignation, takeover) at the given frame; the next
    /// gap that spans it is a restart, not a loss.
    public internal(set) var ended: (reason: HeartbeatEnd, at: FrameReference)?

    init(key: HeartbeatStreamKey, first reference: FrameReference, mac: MACAddress?, declaredInterval: Int64?) {
        self.key = key
        self.mac = mac
        self.declaredInterval = declaredInterval
        tracks = [HeartbeatTrack(first: reference)]
        lastAnywhere = reference
        firstSeen = reference
    }

    /// The interval to grade against: declared, else learned (nil while not known or irregular).
    public var interval: Int64? { declaredInterval ?? learnedInterval }

    /// Whether the interval was learned rather than declared.
    public var intervalIsLearned: Bool { declaredInterval == nil && learnedInterval != nil }

    /// How far apart (ns) the same frame may appear at two vantage points (clock offsets).
    public static let endTolerance: Int64 = 1_000_000_000

    /// Whether a silence that began at `time` began at or after the intended end (so it is not a loss).
    public func spansEnd(from time: Timestamp) -> Bool {
        guard let ended else { return false }
        return time <= ended.at.time + Self.endTolerance && time >= ended.at.time - Self.endTolerance - (interval ?? 0) * 4
    }

    /// Whether the stream ended on purpose and nothing arrived since.
    public var isEnded: Bool {
        guard let ended else { return false }
        return lastAnywhere.time <= ended.at.time + Self.endTolerance
    }

    /// The index of the track of `vantage`, if it saw the stream.
    public func trackIndex(vantage: Int) -> Int? { tracks.firstIndex { $0.vantage == vantage } }
}
