//  heartbeat.sender_stall: every stream from one host silent at every capture, starting
//  together, while other hosts' heartbeats flow; judged when the host sends again.
//
//      host A  ●──●──●──●  ·  ·  ·  ·  ·  ●──●     all of A's streams, at every capture
//      host B  ●──●──●──●──●──●──●──●──●──●──●     others keep flowing
//                       └── pause ───────┘
//
//  If any capture saw A's datagrams during the pause, A sent them: the pause never opens here,
//  and the receivers' gaps are the network's (heartbeat.degraded says so).

import VantageCapture
import VantageState
import VantageWire

/// Open and recent sender stalls.
struct HeartbeatStallWatch {
    struct Stall {
        var key: String
        var pauseStart: Timestamp
        var lastFrames: [(HeartbeatStreamKey, FrameReference)]
        var interval: Int64
        var othersFlowing: [NeighborAddress]
        var ownVantage: Int?
        var mac: MACAddress?
        var end: Timestamp?
    }

    /// Stalls in progress, by host.
    private(set) var open: [HeartbeatHost: Stall] = [:]
    /// The latest closed stall of each host.
    private var recent: [HeartbeatHost: Stall] = [:]

    /// The key of a stall of `host` that overlaps a gap starting at `start` (ns tolerance `slack`).
    func stallKey(_ host: HeartbeatHost, gapStart start: Timestamp, gapEnd end: Timestamp, slack: Int64) -> String? {
        for stall in [open[host], recent[host]].compactMap({ $0 })
        where stall.pauseStart <= end && (stall.end ?? end) + slack >= start && stall.pauseStart + slack >= start {
            return stall.key
        }
        return nil
    }

    /// Opens and closes stalls from this tick's survey.
    mutating func check(
        _ survey: HeartbeatSurvey, table: HeartbeatStreamTable, settings: HeartbeatSettings, state: AnalysisState, sink: FindingSink
    ) {
        let pauseTicks = settings.stallTicks + settings.ladder.tolerance
        for (host, stall) in open {
            guard let status = survey.hosts[host] else {
                open[host] = nil
                continue
            }
            guard status.latestLast > stall.pauseStart else { continue }
            close(stall, host: host, status: status, table: table, state: state, sink: sink)
        }
        for (host, status) in survey.hosts where open[host] == nil {
            guard status.minSilenceIntervals >= pauseTicks, status.minJudgedIntervals >= pauseTicks,
                status.latestLast - status.firstLast <= Int64(settings.alignment * Double(status.maxInterval)),
                recent[host]?.pauseStart != status.latestLast
            else { continue }
            let others = survey.othersFlowing(besides: host)
            guard !others.isEmpty else { continue }
            let own = HeartbeatText.ownVantage(of: host.ip, vlan: host.vlan, in: table)
            guard status.streams.count >= 2 || own != nil else { continue }
            let lastFrames = status.streams.map { (table.streams[$0].key, table.streams[$0].lastAnywhere) }
            open[host] = Stall(
                key: "\(HeartbeatKinds.senderStall.rawValue)|\(host.ip)|\(host.vlan)|\(status.latestLast.nanoseconds)",
                pauseStart: status.latestLast, lastFrames: lastFrames, interval: status.maxInterval, othersFlowing: others,
                ownVantage: own, mac: status.mac)
        }
    }

    /// Forgets stalls still open at the end of the capture (a pause cut off by the end is not judged).
    mutating func finish() { open.removeAll() }

    private mutating func close(
        _ stall: Stall, host: HeartbeatHost, status: HeartbeatHostStatus, table: HeartbeatStreamTable, state: AnalysisState,
        sink: FindingSink
    ) {
        open[host] = nil
        // The first heartbeat after the pause, at any capture.
        var resume: FrameReference?
        for index in status.streams {
            for track in table.streams[index].tracks where track.last.time > stall.pauseStart {
                var first = track.last
                if let previous = track.previous, previous.time > stall.pauseStart { first = previous }
                if let earliest = resume, earliest.time <= first.time { continue }
                resume = first
            }
        }
        guard let resume else { return }
        var closed = stall
        closed.end = resume.time
        recent[host] = closed
        let pause = resume.time - stall.pauseStart
        let intervals = Double(pause) / Double(stall.interval)
        var text = "\(HeartbeatText.host(host.ip, stall.mac)) stopped sending on all \(stall.lastFrames.count) of its heartbeat "
        text += "stream\(stall.lastFrames.count == 1 ? "" : "s") at once for \(VIPFormat.duration(pause)) "
        text += "(\(VIPFormat.fixed(intervals, 1)) intervals of \(VIPFormat.duration(stall.interval))) from \(stall.pauseStart.timeOfDay), "
        text += "while \(VIPFormat.list(stall.othersFlowing.map(\.description), limit: 4)) kept sending theirs"
        if let own = stall.ownVantage {
            text += "; the capture on the host itself (\(HeartbeatText.vantage(own, state))) shows none leaving: "
            text += "a host-side stall (CPU, interrupts/DPC, driver), not the network."
        } else {
            text += ", and no capture saw any of them: a host-side stall (CPU, interrupts/DPC, driver) or the host's own link; "
            text += "no capture on \(host.ip) itself to tell them apart."
        }
        var evidence = stall.lastFrames.map { Evidence($0.1, "last heartbeat before the pause (\($0.0.description))") }
        evidence.append(Evidence(resume, "first heartbeat after \(VIPFormat.duration(pause))"))
        sink.emit(
            Finding(
                kind: HeartbeatKinds.senderStall, severity: .warning, start: stall.pauseStart, end: resume.time, summary: text,
                ips: [host.ip.description], macs: stall.mac.map { [$0.description] } ?? [], vlan: host.vlan, evidence: evidence,
                remedy: "Look on \(host.ip) for DPC/interrupt storms (storage I/O, antivirus or network-protection filter drivers; "
                    + "Windows events 2021/2022), CPU starvation or VM steal time, NIC driver resets; size the host for its load "
                    + "or relax the cluster's heartbeat thresholds.",
                key: stall.key,
                details: [
                    "host": .string(host.ip.description), "pause_s": VIPFormat.secondsValue(pause),
                    "pause_intervals": .double((intervals * 100).rounded() / 100),
                    "interval_s": VIPFormat.secondsValue(stall.interval),
                    "streams": .list(stall.lastFrames.map { .string($0.0.description) }),
                    "others_flowing": .list(stall.othersFlowing.map { .string($0.description) }),
                    "confirmed_at_host": .bool(stall.ownVantage != nil),
                    "host_vantage": stall.ownVantage.map { .string(state.vantageName($0)) } ?? .null,
                ]))
    }
}
