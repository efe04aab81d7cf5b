//  Once per tick: every sending host's heartbeat streams at a glance (silent how long, judged
//  by a capture that went on, flowing). The stall and node-loss watches read it.

import VantageCapture
import VantageState
import VantageWire

/// A sending host: address and VLAN.
struct HeartbeatHost: Hashable {
    /// The sender's interface address.
    var ip: NeighborAddress
    /// VLAN id (0 untagged).
    var vlan: UInt16

    init(_ key: HeartbeatStreamKey) {
        ip = key.source
        vlan = key.vlan
    }
}

/// One host's graded streams at one moment.
struct HeartbeatHostStatus {
    /// Streams graded (interval known, not ended on purpose).
    var streams: [Int] = []
    /// The smallest silence among them, in intervals (of each stream's own interval).
    var minSilenceIntervals = Double.infinity
    /// The longest silence that a still-running capture proves, in intervals (the shortest over streams).
    var minJudgedIntervals = Double.infinity
    /// Earliest and latest last-heartbeat times.
    var firstLast = Timestamp(nanoseconds: .max)
    var latestLast = Timestamp.zero
    /// The longest interval among the streams.
    var maxInterval: Int64 = 0
    /// The sender's MAC (latest).
    var mac: MACAddress?

    /// Whether any stream arrived within 1.5 intervals.
    var flowing: Bool { minSilenceIntervals <= 1.5 }
}

/// The per-tick view of every host.
struct HeartbeatSurvey {
    /// Hosts by address.
    var hosts: [HeartbeatHost: HeartbeatHostStatus] = [:]

    /// Surveys `table` at `time`.
    init(_ table: HeartbeatStreamTable, at time: Timestamp) {
        for (index, stream) in table.streams.enumerated() {
            guard let interval = stream.interval, interval > 0, !stream.isEnded else { continue }
            let last = stream.lastAnywhere.time
            var capturedUntil = Timestamp.zero
            for track in stream.tracks where table.isEstablished(track) {
                capturedUntil = max(capturedUntil, table.latest(vantage: track.vantage))
            }
            let silence = Double(time - last) / Double(interval)
            let judged = Double(min(capturedUntil, time) - last) / Double(interval)
            let host = HeartbeatHost(stream.key)
            var status = hosts[host] ?? HeartbeatHostStatus()
            status.streams.append(index)
            status.minSilenceIntervals = min(status.minSilenceIntervals, silence)
            status.minJudgedIntervals = min(status.minJudgedIntervals, judged)
            status.firstLast = min(status.firstLast, last)
            status.latestLast = max(status.latestLast, last)
            status.maxInterval = max(status.maxInterval, interval)
            if let mac = stream.mac { status.mac = mac }
            hosts[host] = status
        }
    }

    /// Whether a host other than `host` has a stream flowing.
    func othersFlowing(besides host: HeartbeatHost) -> [NeighborAddress] {
        hosts.filter { $0.key != host && $0.value.flowing }.map(\.key.ip).sorted()
    }
}

/// Shared wording of the heartbeat findings.
enum HeartbeatText {
    /// `10.0.0.1 (02:00:00:00:00:01)`.
    static func host(_ ip: NeighborAddress, _ mac: MACAddress?) -> String {
        mac.map { "\(ip) (\($0))" } ?? ip.description
    }

    /// The vantage name in quotes.
    static func vantage(_ index: Int, _ state: AnalysisState) -> String { "'\(state.vantageName(index))'" }

    /// `1.20 s (learned)` / `(declared)` / `(from the adverts)`.
    static func interval(_ stream: HeartbeatStream) -> String {
        let value = VIPFormat.duration(stream.interval ?? 0)
        if stream.intervalIsLearned { return value + " (learned)" }
        return value + (stream.key.kind == .udp ? " (declared)" : " (from the adverts)")
    }

    /// How the interval was obtained, for details.
    static func intervalSource(_ stream: HeartbeatStream) -> String {
        stream.intervalIsLearned ? "learned" : stream.key.kind == .udp ? "declared" : "advertised"
    }

    /// The vantage point that captures on `ip` itself: one whose cooked capture (`tcpdump -i
    /// any`) saw `ip`'s heartbeats as outgoing; else the only unicast address that is an endpoint
    /// of every stream a capture carries regularly (a capture on a receiver of a unicast mesh sees
    /// only traffic to and from that receiver). Nil when no capture qualifies or it is ambiguous
    /// (Ethernet captures of two-node pairs or of multicast heartbeats).
    static func ownVantage(of ip: NeighborAddress, vlan: UInt16, in table: HeartbeatStreamTable) -> Int? {
        for stream in table.streams where stream.key.source == ip && stream.key.vlan == vlan {
            if let vantage = stream.senderVantage { return vantage }
        }
        var common: [Int: Set<NeighborAddress>] = [:]
        for stream in table.streams where stream.key.vlan == vlan {
            var endpoints: Set<NeighborAddress> = [stream.key.source]
            if !stream.key.destination.isMulticast { endpoints.insert(stream.key.destination) }
            for track in stream.tracks where table.isEstablished(track) {
                common[track.vantage] = common[track.vantage].map { $0.intersection(endpoints) } ?? endpoints
            }
        }
        return common.filter { $0.value == [ip] }.keys.min()
    }
}
