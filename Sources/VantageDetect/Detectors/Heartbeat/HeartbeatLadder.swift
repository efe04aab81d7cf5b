//  The grading ladder of seed 003 (Windows failover cluster, clussvc), in heartbeat intervals
//  without a heartbeat:
//
//      gap  ──●  ·  ·  ●──  under lost_ticks                    normal (one datagram missing)
//      gap  ──●  ·  ·  ·  ·  ●──  >= lost_ticks (2)             lost       (event 1123; 1122 when one arrives)
//      gap  ──●  ·  ·  ·  ·  ·  ·  ●── >= unreachable_ticks (4) unreachable (event 1126; 1125 when up again)
//      gap  ──●  ·  ·  ·  ·  ·  ·  ·  ·  ●── >= failed_ticks (6) failed   (event 1127; regroup)
//
//  `tolerance` intervals of slack on every rung absorb send jitter: with 1.2 s heartbeats one
//  dropped datagram makes a 2.4 s gap, which is not yet "lost".

import VantageState

/// A rung of the heartbeat ladder.
enum HeartbeatRung: Int, Comparable, CustomStringConvertible {
    case none, lost, unreachable, failed

    static func < (lhs: HeartbeatRung, rhs: HeartbeatRung) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `lost`, `unreachable`, `failed`.
    var description: String {
        switch self {
        case .none: "normal"
        case .lost: "lost"
        case .unreachable: "unreachable"
        case .failed: "failed"
        }
    }

    /// The Windows failover-cluster event of this rung (seed 003).
    var clusterEvent: String {
        switch self {
        case .none: ""
        case .lost: "event 1123, lost communication"
        case .unreachable: "event 1126, interface unreachable"
        case .failed: "event 1127, interface failed"
        }
    }

    /// lost: info (sporadic 1122/1123 pairs are normal); unreachable: warning; failed: critical.
    var severity: Severity {
        switch self {
        case .none, .lost: .info
        case .unreachable: .warning
        case .failed: .critical
        }
    }
}

/// The ladder's thresholds in intervals (read from `heartbeat.degraded`).
struct HeartbeatLadder {
    /// Intervals without a heartbeat for "lost".
    var lostTicks: Double
    /// Intervals for "unreachable".
    var unreachableTicks: Double
    /// Intervals for "failed".
    var failedTicks: Double
    /// Slack added to every rung, in intervals.
    var tolerance: Double

    /// The rung a gap of `intervals` heartbeat intervals reaches.
    func rung(_ intervals: Double) -> HeartbeatRung {
        if intervals >= failedTicks + tolerance { return .failed }
        if intervals >= unreachableTicks + tolerance { return .unreachable }
        if intervals >= lostTicks + tolerance { return .lost }
        return .none
    }

    /// The shortest gap (ns) that reaches `rung` with `interval` ns heartbeats.
    func threshold(_ rung: HeartbeatRung, interval: Int64) -> Int64 {
        let ticks: Double
        switch rung {
        case .none: return 0
        case .lost: ticks = lostTicks
        case .unreachable: ticks = unreachableTicks
        case .failed: ticks = failedTicks
        }
        return Int64(((ticks + tolerance) * Double(interval)).rounded(.up))
    }

    /// The ticks of `rung`.
    func ticks(_ rung: HeartbeatRung) -> Double {
        switch rung {
        case .none: 0
        case .lost: lostTicks
        case .unreachable: unreachableTicks
        case .failed: failedTicks
        }
    }
}
