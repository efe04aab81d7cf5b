//  The heartbeat.* kinds: their tunables (with units and defaults) and `vantage explain` texts.

import VantageState

/// The finding kinds and tunables of the heartbeat detector.
public enum HeartbeatKinds {
    /// Late or missing heartbeats, graded on the cluster's ladder.
    public static let degraded = FindingKind(rawValue: "heartbeat.degraded")
    /// Every heartbeat stream from a node failed: the cluster removes it.
    public static let nodeLost = FindingKind(rawValue: "heartbeat.node_lost")
    /// Every stream from one host paused at once while the others flowed: a host-side stall.
    public static let senderStall = FindingKind(rawValue: "heartbeat.sender_stall")

    /// Tunables of `heartbeat.degraded` (they define the ladder every heartbeat kind uses).
    public enum Degraded {
        /// Like the cluster's "lost communication" (event 1123): 2 intervals.
        public static let lostTicks = Tunable(
            "lost_ticks", unit: "intervals", default: 2, "a gap of this many heartbeat intervals is 'lost' (Windows event 1123)")
        /// Like HeartBeatLostInterfaceTicks' first step: 4 intervals.
        public static let unreachableTicks = Tunable(
            "unreachable_ticks", unit: "intervals", default: 4,
            "a gap of this many intervals is 'unreachable' (event 1126; HeartBeatLostInterfaceTicks)")
        /// The interface counts as failed: 6 intervals.
        public static let failedTicks = Tunable(
            "failed_ticks", unit: "intervals", default: 6, "a gap of this many intervals is 'failed' (event 1127)")
        /// Slack on every rung for send jitter.
        public static let tolerance = Tunable(
            "tolerance", unit: "intervals", default: 0.25, "added to every rung so that send jitter does not promote a gap")
        /// Gaps from one sender closer than this form one finding.
        public static let episodeGap = Tunable(
            "episode_gap", unit: "s", default: 30, "gaps of one sender's streams less than this apart are reported as one episode")
        /// How far clocks of two captures may disagree.
        public static let clockTolerance = Tunable(
            "clock_tolerance", unit: "s", default: 1.0,
            "a datagram counts as captured elsewhere during a gap only this far inside the gap (captures' clocks may disagree by ~1 s)")
        /// Gaps needed to learn an interval.
        public static let learningGaps = Tunable(
            "learning_gaps", unit: "gaps", default: 8,
            "consecutive gaps (median, at least 3/4 within 25 %) needed to learn an undeclared interval; bursty streams are not graded")
        /// Shortest interval that is a heartbeat.
        public static let minInterval = Tunable(
            "min_interval", unit: "s", default: 0.1,
            "a learned interval shorter than this is message traffic, not a heartbeat (e.g. corosync's token): not graded")
        /// Stream cap.
        public static let maxStreams = Tunable(
            "max_streams", unit: "streams", default: 4096, "streams tracked; the least recently heard eighth is evicted when full")

        static let all = [
            lostTicks, unreachableTicks, failedTicks, tolerance, episodeGap, clockTolerance, learningGaps, minInterval, maxStreams,
        ]
    }

    /// Tunables of `heartbeat.node_lost`.
    public enum NodeLost {
        /// Like HeartBeatLostNodeTicks.
        public static let nodeTicks = Tunable(
            "node_ticks", unit: "intervals", default: 6,
            "a node is removed when every stream from it is silent this many intervals (HeartBeatLostNodeTicks)")
        static let all = [nodeTicks]
    }

    /// Tunables of `heartbeat.sender_stall`.
    public enum SenderStall {
        /// Pause length that counts.
        public static let stallTicks = Tunable(
            "stall_ticks", unit: "intervals", default: 2,
            "every stream from the host silent for at least this many intervals (plus tolerance) at every capture")
        /// How close together the streams must stop.
        public static let alignment = Tunable(
            "alignment", unit: "intervals", default: 1.5, "the streams' last heartbeats before the pause lie within this many intervals")
        static let all = [stallTicks, alignment]
    }

    static var descriptions: [KindDescription] {
        [
            KindDescription(
                kind: degraded,
                meaning: "Heartbeats of a cluster stream (UDP 3343 Windows failover cluster, 694 Linux-HA, 5404/5405 corosync, "
                    + "VRRP/CARP/HSRP adverts, NLB heartbeats, or a port declared with --heartbeat udp/PORT[@INTERVAL]) "
                    + "arrived late or not at all, long enough for the cluster to log lost communication, an unreachable "
                    + "or a failed interface.",
                rule: "Per stream (sender interface -> receiver, per port, over IPv4 or IPv6) and per capture, a gap between consecutive "
                    + "heartbeats of at least lost_ticks + tolerance intervals is 'lost', unreachable_ticks + tolerance "
                    + "'unreachable', failed_ticks + tolerance 'failed' (also when the stream stays silent that long while "
                    + "the capture goes on). The interval is declared (config, --heartbeat, or carried in the adverts) or "
                    + "learned: the median of learning_gaps gaps, when 3/4 of them lie within 25 % of it. Gaps of one "
                    + "sender less than episode_gap apart form one finding. A capture that ends, a stream that starts late "
                    + "and an advert stream that ends with a resignation or a takeover are not gaps. Each gap is "
                    + "classified: the network's when another capture saw the datagrams during it, the host's when the "
                    + "sender stalled (heartbeat.sender_stall), else not located.",
                severity: "info when the worst gap is 'lost' (sporadic 1122/1123 pairs are normal), warning at "
                    + "'unreachable', critical at 'failed'. Always info when the worst gap is in VRRP/CARP/HSRP adverts: "
                    + "vip.advert_gap judges those against the protocol's own master-down timer.",
                remedies: "Network (seen leaving, not arriving): check the switch ports, STP state, speed/duplex autonegotiation, "
                    + "multicast handling and VLAN mapping of the heartbeat network; dedicate a network to heartbeats. "
                    + "Host: see heartbeat.sender_stall. As a last resort relax the cluster's thresholds "
                    + "(HeartBeatLostInterfaceTicks / HeartBeatLostNodeTicks, SameSubnetThreshold, corosync token).",
                tunables: Degraded.all),
            KindDescription(
                kind: nodeLost,
                meaning: "Every heartbeat stream from a node stayed silent long enough that the cluster removes the node "
                    + "from membership (Windows event 1135, a regroup) and fails its resources over.",
                rule: "All graded, not intentionally ended streams from one sender address are silent for at least "
                    + "node_ticks + tolerance (heartbeat.degraded) intervals, while a capture that saw each of them kept "
                    + "capturing that long. Reported again, same finding, if the node comes back.",
                severity: "critical",
                remedies: "Find out whether the node went down (power, crash, service stopped) or lost all its networks; "
                    + "check its event log (1135, 1126/1127) and the switch ports of every cluster network.",
                tunables: NodeLost.all),
            KindDescription(
                kind: senderStall,
                meaning: "One host stopped sending on every heartbeat stream at the same moment while the other hosts' "
                    + "heartbeats kept flowing, and no capture saw its heartbeats in that time: the host itself stalled "
                    + "(CPU starvation, interrupt/DPC storms from storage or a filter driver, a NIC driver reset), not "
                    + "one network path.",
                rule: "All graded streams from one sender (at least two, or one when a capture on the sender itself shows "
                    + "the pause) are silent at every capture for at least stall_ticks + tolerance intervals, their last "
                    + "heartbeats before the pause lie within 'alignment' intervals, another host's stream arrived within "
                    + "1.5 intervals, and the host sends again (a pause that lasts to the end of the capture is not judged). "
                    + "The summary says whether a capture on the host itself confirms that nothing left it.",
                severity: "warning",
                remedies: "Look on the host for DPC/interrupt storms (heavy storage I/O, antivirus or network-protection "
                    + "filter drivers; Windows events 2021/2022), CPU starvation or VM steal time, NIC driver resets; size "
                    + "the server for its load, or relax the cluster's heartbeat thresholds.",
                tunables: SenderStall.all),
        ]
    }
}

/// The heartbeat thresholds of one run, read from the analysis configuration.
struct HeartbeatSettings {
    /// The ladder.
    var ladder: HeartbeatLadder
    /// ns between gaps of one episode.
    var episodeGap: Int64
    /// ns of clock slack between captures.
    var clockTolerance: Int64
    /// Gaps to learn an interval.
    var learningGaps: Int
    /// Shortest learned interval graded, ns.
    var minInterval: Int64
    /// Stream cap.
    var maxStreams: Int
    /// Intervals of silence for node loss.
    var nodeTicks: Double
    /// Intervals of silence for a stall.
    var stallTicks: Double
    /// Intervals within which a stall's streams stop.
    var alignment: Double

    init(_ configuration: AnalysisConfiguration) {
        let degraded = HeartbeatKinds.degraded.rawValue
        typealias D = HeartbeatKinds.Degraded
        let lost = max(1, configuration.value(D.lostTicks, in: degraded))
        let unreachable = max(lost, configuration.value(D.unreachableTicks, in: degraded))
        let failed = max(unreachable, configuration.value(D.failedTicks, in: degraded))
        ladder = HeartbeatLadder(
            lostTicks: lost, unreachableTicks: unreachable, failedTicks: failed,
            tolerance: max(0, configuration.value(D.tolerance, in: degraded)))
        episodeGap = max(0, configuration.nanoseconds(D.episodeGap, in: degraded))
        clockTolerance = max(0, configuration.nanoseconds(D.clockTolerance, in: degraded))
        learningGaps = Int(max(2, configuration.value(D.learningGaps, in: degraded)))
        minInterval = max(0, configuration.nanoseconds(D.minInterval, in: degraded))
        maxStreams = Int(max(8, configuration.value(D.maxStreams, in: degraded)))
        nodeTicks = max(1, configuration.value(HeartbeatKinds.NodeLost.nodeTicks, in: HeartbeatKinds.nodeLost.rawValue))
        let stall = HeartbeatKinds.senderStall.rawValue
        stallTicks = max(1, configuration.value(HeartbeatKinds.SenderStall.stallTicks, in: stall))
        alignment = max(0.1, configuration.value(HeartbeatKinds.SenderStall.alignment, in: stall))
    }
}
