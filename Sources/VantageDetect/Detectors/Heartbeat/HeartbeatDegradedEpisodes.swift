//  heartbeat.degraded: gaps graded on the ladder, gathered per sender into episodes (gaps less
//  than episode_gap apart), one finding per episode with the worst gap, the rungs reached, the
//  streams and where the datagrams were lost.

import VantageCapture
import VantageState
import VantageWire

/// Where a gap's heartbeats went missing.
enum HeartbeatGapCause {
    /// Captured at `seenAt` during the gap, missing at `missedAt`: the network between.
    case network(seenAt: Int, missedAt: Int)
    /// The sender stalled (the stall finding's key).
    case host(stallKey: String)
    /// No capture shows where.
    case unlocated
}

/// One graded gap of one stream at one vantage point.
struct HeartbeatGap {
    /// The stream.
    var stream: HeartbeatStreamKey
    /// The sender's MAC.
    var mac: MACAddress?
    /// The last heartbeat before the gap.
    var start: FrameReference
    /// The first heartbeat after it (nil: still silent while the capture goes on).
    var end: FrameReference?
    /// When the gap was measured to (the resuming heartbeat, or the capture's latest frame).
    var endTime: Timestamp
    /// The stream's interval in ns, and how it was obtained.
    var interval: Int64
    var intervalText: String
    var intervalSource: String
    /// The rung reached.
    var rung: HeartbeatRung
    /// Where the heartbeats went missing.
    var cause: HeartbeatGapCause
    /// A datagram of the stream captured elsewhere during the gap (network cause).
    var sentDuringGap: FrameReference?

    /// The gap in ns.
    var length: Int64 { endTime - start.time }
    /// The gap in intervals.
    var intervals: Double { Double(length) / Double(interval) }
}

/// Open heartbeat.degraded episodes per sender.
struct HeartbeatDegradedEpisodes {

    private struct Episode {
        var keyStart: Timestamp
        var start: Timestamp
        var end: Timestamp
        var worst: HeartbeatGap
        /// Gaps counted (stream, start): the same gap seen at several captures counts once.
        var counted: [(stream: HeartbeatStreamKey, start: Timestamp)] = []
        var rungCounts = [0, 0, 0, 0]
        var streams: [HeartbeatStreamKey] = []
        var vantages: Set<Int> = []
        var network = 0
        var host = 0
        var unlocated = 0
        var seenAt: Set<Int> = []
        var missedAt: Set<Int> = []
        var causedBy: Set<String> = []
        var mac: MACAddress?
    }

    /// Streams listed per episode at most.
    static let streamLimit = 32
    private var episodes: [HeartbeatHost: Episode] = [:]

    /// Gaps remembered per episode for de-duplication.
    static let countedLimit = 512

    /// Adds a graded gap and emits the episode's finding (merged by key with earlier emissions).
    /// A gap of the same stream starting within `sameGap` ns of a counted one (the same silence
    /// seen at another capture, whose clock may be offset) is not counted again.
    mutating func add(_ gap: HeartbeatGap, state: AnalysisState, episodeGap: Int64, sameGap: Int64, sink: FindingSink) {
        let host = HeartbeatHost(gap.stream)
        var episode: Episode
        if let open = episodes[host], gap.start.time - open.end <= episodeGap {
            episode = open
        } else {
            episode = Episode(keyStart: gap.start.time, start: gap.start.time, end: gap.endTime, worst: gap)
        }
        episode.start = min(episode.start, gap.start.time)
        episode.end = max(episode.end, gap.endTime)
        if gap.mac != nil { episode.mac = gap.mac }
        let fresh = !episode.counted.contains { $0.stream == gap.stream && abs($0.start - gap.start.time) <= sameGap }
        if fresh {
            if episode.counted.count >= Self.countedLimit { episode.counted.removeFirst() }
            episode.counted.append((gap.stream, gap.start.time))
            episode.rungCounts[gap.rung.rawValue] += 1
            switch gap.cause {
            case .network(let seenAt, let missedAt):
                episode.network += 1
                episode.seenAt.insert(seenAt)
                episode.missedAt.insert(missedAt)
            case .host(let key):
                episode.host += 1
                episode.causedBy.insert(key)
            case .unlocated: episode.unlocated += 1
            }
        } else if case .host(let key) = gap.cause {
            episode.causedBy.insert(key)
        }
        if !episode.streams.contains(gap.stream), episode.streams.count < Self.streamLimit { episode.streams.append(gap.stream) }
        episode.vantages.insert(gap.start.vantage)
        if gap.rung > episode.worst.rung || (gap.rung == episode.worst.rung && gap.intervals > episode.worst.intervals) {
            episode.worst = gap
        }
        episodes[host] = episode
        sink.emit(finding(episode, host: host, newest: gap, state: state))
    }

    private func finding(_ episode: Episode, host: HeartbeatHost, newest gap: HeartbeatGap, state: AnalysisState) -> Finding {
        let worst = episode.worst
        let gaps = episode.rungCounts.reduce(0, +)
        let receivers = episode.streams.map(\.destination.description)
        var text = "Heartbeats from \(HeartbeatText.host(host.ip, episode.mac)) "
        text += gaps == 1 ? "had a gap" : "had \(gaps) gaps on \(episode.streams.count) stream\(episode.streams.count == 1 ? "" : "s")"
        text += " (to \(VIPFormat.list(Array(Set(receivers)).sorted(), limit: 4)))"
        text += " between \(episode.start.timeOfDay) and \(episode.end.timeOfDay): worst \(VIPFormat.duration(worst.length))"
        text += " = \(VIPFormat.fixed(worst.intervals, 1)) intervals of \(worst.intervalText) on \(worst.stream.description)"
        text += " at capture \(HeartbeatText.vantage(worst.start.vantage, state))"
        text += worst.end == nil ? " (still silent)" : ""
        text += ", rung '\(worst.rung)' (\(worst.rung.clusterEvent))"
        let rungs = [HeartbeatRung.lost, .unreachable, .failed].filter { episode.rungCounts[$0.rawValue] > 0 }
            .map { "\(episode.rungCounts[$0.rawValue]) \($0)" }
        if gaps > 1 { text += "; rungs: \(rungs.joined(separator: ", "))" }
        text += "; " + causeSentence(episode, state: state)
        let adverts = worst.stream.kind != .udp && worst.stream.kind != .nlb
        text += adverts ? " (the failover side of it is vip.advert_gap's and vip.failover's business)." : "."
        var evidence = [Evidence(gap.start, "last heartbeat before a \(VIPFormat.duration(gap.length)) gap (\(gap.stream.description))")]
        if let sent = gap.sentDuringGap {
            evidence.append(
                Evidence(sent, "sent during the gap: captured here, never at \(HeartbeatText.vantage(gap.start.vantage, state))"))
        }
        if let end = gap.end {
            evidence.append(
                Evidence(end, "heartbeat again after \(VIPFormat.fixed(gap.intervals, 1)) intervals: '\(gap.rung)'"))
        }
        var ips = [host.ip.description]
        for stream in episode.streams where !ips.contains(stream.destination.description) { ips.append(stream.destination.description) }
        let details: [String: DetailValue] = [
            "sender": .string(host.ip.description),
            "worst_gap_s": VIPFormat.secondsValue(worst.length),
            "worst_gap_intervals": .double((worst.intervals * 100).rounded() / 100),
            "worst_rung": .string(worst.rung.description),
            "worst_stream": .string(worst.stream.description),
            "worst_at": .string(worst.start.time.timeOfDay),
            "worst_vantage": .string(state.vantageName(worst.start.vantage)),
            "interval_s": VIPFormat.secondsValue(worst.interval),
            "interval_source": .string(worst.intervalSource),
            "gaps": .int(gaps),
            "rungs": .object([
                "lost": .int(episode.rungCounts[1]), "unreachable": .int(episode.rungCounts[2]),
                "failed": .int(episode.rungCounts[3]),
            ]),
            "streams": .list(episode.streams.map { .string($0.description) }),
            "cause": .object(["network": .int(episode.network), "host": .int(episode.host), "unlocated": .int(episode.unlocated)]),
            "captured_at": .list(episode.seenAt.sorted().map { .string(state.vantageName($0)) }),
            "missing_at": .list(episode.missedAt.sorted().map { .string(state.vantageName($0)) }),
        ]
        return Finding(
            kind: HeartbeatKinds.degraded, severity: adverts ? .info : worst.rung.severity, start: episode.start, end: episode.end, summary: text,
            ips: ips, macs: episode.mac.map { [$0.description] } ?? [], vlan: host.vlan, evidence: evidence,
            remedy: remedy(episode),
            key: "\(HeartbeatKinds.degraded.rawValue)|\(host.ip)|\(host.vlan)|\(episode.keyStart.nanoseconds)",
            causedBy: episode.causedBy.sorted(), details: details)
    }

    private func causeSentence(_ episode: Episode, state: AnalysisState) -> String {
        var parts: [String] = []
        if episode.network > 0 {
            let seen = episode.seenAt.sorted().map { HeartbeatText.vantage($0, state) }
            let missed = episode.missedAt.sorted().map { HeartbeatText.vantage($0, state) }
            parts.append(
                "the network lost \(episode.network == 1 ? "it" : "\(episode.network) of them"): datagrams were captured at "
                    + "\(VIPFormat.list(seen)) during the gap\(episode.network == 1 ? "" : "s") but never reached \(VIPFormat.list(missed))")
        }
        if episode.host > 0 {
            parts.append("\(episode.host == 1 ? "one gap" : "\(episode.host) gaps") came from the sender stalling (heartbeat.sender_stall)")
        }
        if episode.unlocated > 0 {
            parts.append(
                "\(episode.unlocated == 1 ? "one gap is" : "\(episode.unlocated) gaps are") not located: no capture saw those "
                    + "datagrams (capture on the sender to tell host from network)")
        }
        return parts.joined(separator: "; ")
    }

    private func remedy(_ episode: Episode) -> String {
        if episode.host > 0 && episode.network == 0 {
            return "The sender stalled: look for DPC/interrupt storms, CPU starvation or NIC driver resets on it (see heartbeat.sender_stall)."
        }
        if episode.network > 0 {
            return "Check the path between the captures: switch ports, STP state, speed/duplex autonegotiation, multicast and VLAN "
                + "handling of the heartbeat network; give heartbeats a dedicated network; relax HeartBeatLostInterfaceTicks only as a last resort."
        }
        return "Capture on the sender too, to tell a host stall from a network loss; check the heartbeat network's switch ports "
            + "and the sender's load."
    }
}
