//  heartbeat.node_lost: every graded stream from a node silent for node_ticks intervals while
//  the captures that saw them went on: the cluster removes the node (Windows event 1135).

import VantageCapture
import VantageState
import VantageWire

/// Nodes whose every heartbeat stream failed.
struct HeartbeatNodeWatch {
    private struct Loss {
        var key: String
        var since: Timestamp
        var lastFrames: [(HeartbeatStreamKey, FrameReference)]
        var interval: Int64
        var mac: MACAddress?
    }

    private var lost: [HeartbeatHost: Loss] = [:]

    /// Reports nodes that crossed the threshold, and nodes that came back.
    mutating func check(
        _ survey: HeartbeatSurvey, table: HeartbeatStreamTable, settings: HeartbeatSettings, at time: Timestamp,
        state: AnalysisState, sink: FindingSink
    ) {
        let ticks = settings.nodeTicks + settings.ladder.tolerance
        for (host, loss) in lost {
            guard let status = survey.hosts[host], status.latestLast > loss.since else { continue }
            lost[host] = nil
            emit(loss, host: host, back: status.latestLast, state: state, sink: sink)
        }
        for (host, status) in survey.hosts where lost[host] == nil {
            guard status.minSilenceIntervals >= ticks, status.minJudgedIntervals >= ticks else { continue }
            let key = "\(HeartbeatKinds.nodeLost.rawValue)|\(host.ip)|\(host.vlan)|\(status.latestLast.nanoseconds)"
            guard !sink.contains(key: key) else { continue }
            let loss = Loss(
                key: key, since: status.latestLast,
                lastFrames: status.streams.map { (table.streams[$0].key, table.streams[$0].lastAnywhere) },
                interval: status.maxInterval, mac: status.mac)
            lost[host] = loss
            emit(loss, host: host, back: nil, now: time, state: state, sink: sink)
        }
    }

    private func emit(
        _ loss: Loss, host: HeartbeatHost, back: Timestamp?, now: Timestamp? = nil, state: AnalysisState, sink: FindingSink
    ) {
        let end = back ?? now ?? loss.since
        let silence = end - loss.since
        var text = "Every heartbeat stream from \(HeartbeatText.host(host.ip, loss.mac)) (\(loss.lastFrames.count)) "
        text += "went silent at \(loss.since.timeOfDay) for \(VIPFormat.duration(silence)) "
        text += "(\(VIPFormat.fixed(Double(silence) / Double(loss.interval), 1)) intervals of \(VIPFormat.duration(loss.interval))) "
        text += "while the captures went on: the cluster removes the node from membership (event 1135) and fails its resources over"
        text += back.map { "; it sent again at \($0.timeOfDay)." } ?? "."
        sink.emit(
            Finding(
                kind: HeartbeatKinds.nodeLost, severity: .critical, start: loss.since, end: end, summary: text,
                ips: [host.ip.description], macs: loss.mac.map { [$0.description] } ?? [], vlan: host.vlan,
                evidence: loss.lastFrames.map { Evidence($0.1, "last heartbeat (\($0.0.description))") },
                remedy: "Find out whether \(host.ip) went down (power, crash, cluster service stopped) or lost every cluster "
                    + "network; check its event log (1135, 1126/1127) and the switch ports of every cluster network.",
                key: loss.key,
                details: [
                    "node": .string(host.ip.description), "silent_s": VIPFormat.secondsValue(silence),
                    "interval_s": VIPFormat.secondsValue(loss.interval), "returned": .bool(back != nil),
                    "streams": .list(loss.lastFrames.map { .string($0.0.description) }),
                ]))
    }
}
