//  heartbeat.*: cluster heartbeat streams graded the way a failover cluster grades them.
//
//  Per frame (only .udp, .redundancy and .nlb frames reach it): a port bitmap test, then one
//  stream-table lookup and a ring store; a gap is graded when it closes. Per tick (every
//  250 ms of capture time): silences that reached 'failed' while the capture went on, sender
//  stalls and lost nodes (one pass over the bounded stream table).

import VantageCapture
import VantageState
import VantageWire

/// Grades heartbeat streams: heartbeat.degraded, heartbeat.node_lost, heartbeat.sender_stall.
public final class HeartbeatDetector: ConfigurableDetector {
    public static var descriptions: [KindDescription] { HeartbeatKinds.descriptions }

    /// The streams seen so far.
    public let table: HeartbeatStreamTable
    private let settings: HeartbeatSettings
    private var degraded = HeartbeatDegradedEpisodes()
    private var stalls = HeartbeatStallWatch()
    private var nodes = HeartbeatNodeWatch()
    private var nextSurvey = Timestamp.zero

    /// Capture time between two surveys of the stream table.
    static let surveyInterval: Int64 = 250_000_000

    public var interest: ObservationInterest { [.udp, .redundancy, .nlb] }

    public init(configuration: AnalysisConfiguration) {
        settings = HeartbeatSettings(configuration)
        table = HeartbeatStreamTable(
            declarations: configuration.heartbeats, capacity: settings.maxStreams, learningGaps: settings.learningGaps,
            minimumInterval: settings.minInterval)
    }

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        let reference = observation.reference
        table.noteFrame(vantage: reference.vantage, time: reference.time)
        guard let frame = HeartbeatFrame(observation.packet, table: table) else { return }
        let arrival = table.record(frame.key, mac: frame.mac, at: reference, interval: frame.interval, outgoing: frame.outgoing)
        if frame.resigns { table.end(frame.key, reason: .resigned, at: reference) }
        if frame.fromMaster { table.noteMaster(frame.key, at: reference) }
        guard !arrival.duplicate, let previous = arrival.previous else { return }
        let stream = table.streams[arrival.stream]
        // Graded only where the stream is established (the arrival just counted excluded).
        guard let interval = stream.interval, interval > 0, stream.tracks[arrival.track].count > table.learningGaps + 1
        else { return }
        let rung = settings.ladder.rung(Double(arrival.gap) / Double(interval))
        guard rung != .none else { return }
        grade(stream, from: previous, to: reference, endTime: reference.time, rung: rung, state: state, sink: sink)
    }

    public func advance(to time: Timestamp, state: AnalysisState, sink: FindingSink) {
        guard time >= nextSurvey, !table.streams.isEmpty else { return }
        nextSurvey = time + Self.surveyInterval
        survey(at: time, state: state, sink: sink)
    }

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        guard !table.streams.isEmpty else { return }
        survey(at: time, state: state, sink: sink)
        stalls.finish()
    }

    private func survey(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        checkOpenSilences(at: time, state: state, sink: sink)
        let survey = HeartbeatSurvey(table, at: time)
        stalls.check(survey, table: table, settings: settings, state: state, sink: sink)
        nodes.check(survey, table: table, settings: settings, at: time, state: state, sink: sink)
    }

    /// Silences that reached 'failed' at a vantage point whose capture went on.
    private func checkOpenSilences(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        for streamIndex in table.streams.indices {
            let stream = table.streams[streamIndex]
            guard let interval = stream.interval, interval > 0, !stream.isEnded else { continue }
            let threshold = settings.ladder.threshold(.failed, interval: interval)
            for (trackIndex, track) in stream.tracks.enumerated() {
                let live = min(table.latest(vantage: track.vantage), time)
                guard table.isEstablished(track), live - track.last.time >= threshold, track.reportedSilence != track.last.time
                else { continue }
                table.markSilenceReported(stream: streamIndex, track: trackIndex)
                grade(stream, from: track.last, to: nil, endTime: live, rung: .failed, state: state, sink: sink)
            }
        }
    }

    /// Locates one gap (network, host, or neither) and adds it to its sender's episode.
    private func grade(
        _ stream: HeartbeatStream, from start: FrameReference, to end: FrameReference?, endTime: Timestamp, rung: HeartbeatRung,
        state: AnalysisState, sink: FindingSink
    ) {
        let interval = stream.interval ?? 1
        let slack = settings.clockTolerance
        var cause = HeartbeatGapCause.unlocated
        var sent: FrameReference?
        for other in stream.tracks where other.vantage != start.vantage {
            if let frame = other.firstArrival(after: start.time + slack, before: endTime - slack) {
                cause = .network(seenAt: other.vantage, missedAt: start.vantage)
                sent = frame
                break
            }
        }
        if case .unlocated = cause,
            let key = stalls.stallKey(HeartbeatHost(stream.key), gapStart: start.time, gapEnd: endTime, slack: slack + interval)
        {
            cause = .host(stallKey: key)
        }
        let gap = HeartbeatGap(
            stream: stream.key, mac: stream.mac, start: start, end: end, endTime: endTime, interval: interval,
            intervalText: HeartbeatText.interval(stream), intervalSource: HeartbeatText.intervalSource(stream), rung: rung,
            cause: cause, sentDuringGap: sent)
        degraded.add(
            gap, state: state, episodeGap: settings.episodeGap, sameGap: settings.clockTolerance + interval / 2, sink: sink)
    }
}
