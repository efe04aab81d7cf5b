//  vip.advert_gap: the master's adverts paused or stopped without a takeover.
//
//      master  ●──●──●──●             ●──●──●      near-failover: gap > gap_intervals × interval
//                       └──── gap ────┘           but under the master-down interval
//      master  ●──●──●──●  ·  ·  ·  ·  ·  ·  ·     stopped: silent past master-down + takeover_grace
//                                                  and no other router took over
//
//  A near-failover gap is a backup's timer almost firing (CPU stall, lost multicast, a busy
//  link); a silence with no takeover means nobody owns the VIP any more (all nodes down, or the
//  backups cannot hear the group). A normal failover (someone takes over) is vip.failover.

import VantageCapture
import VantageState
import VantageWire

/// Reports pauses in the master's adverts and silences nobody took over from (warning).
public final class VIPAdvertGapDetector: ConfigurableDetector {
    /// The finding kind.
    public static let kind = FindingKind(rawValue: "vip.advert_gap")

    /// The tunables (section `vip.advert_gap`).
    public enum Tunables {
        /// A pause longer than this many advert intervals is reported.
        public static let gapIntervals = Tunable(
            "gap_intervals", unit: "intervals", default: 2.5,
            "report a pause in the master's adverts longer than this many advert intervals (2.5: two adverts in a row missing)")
        /// Extra time, beyond the master-down interval, a backup gets before "nobody took over".
        public static let takeoverGrace = Tunable(
            "takeover_grace", unit: "s", default: 2,
            "a silent master counts as not replaced once silent for the master-down interval plus this (ucarp polls: up to ~1 s late)")

        static let all = [gapIntervals, takeoverGrace]
    }

    /// The thresholds, read from the analysis configuration.
    public struct Configuration: Sendable {
        /// ``Tunables/gapIntervals``.
        public var gapIntervals: Double
        /// ``Tunables/takeoverGrace`` in ns.
        public var takeoverGrace: Int64

        /// The values under `vip.advert_gap`, defaults where not set.
        public init(_ configuration: AnalysisConfiguration) {
            let section = VIPAdvertGapDetector.kind.rawValue
            gapIntervals = max(1, configuration.value(Tunables.gapIntervals, in: section))
            takeoverGrace = max(0, configuration.nanoseconds(Tunables.takeoverGrace, in: section))
        }
    }

    public static var descriptions: [KindDescription] {
        [
            KindDescription(
                kind: kind,
                meaning: "The master's adverts paused long enough that a backup almost (or should have) taken over, "
                    + "or stopped and nobody took over: the VIP then has no owner.",
                rule: "The effective master's consecutive master adverts are more than gap_intervals advert intervals "
                    + "apart with no takeover in between (near-failover when under the master-down interval: VRRP "
                    + "3 x interval + Skew_Time, CARP 3 x advbase + advskew/256, HSRP hold time); or the master is "
                    + "silent for longer than the master-down interval plus takeover_grace and no other router "
                    + "advertises as master.",
                severity: "warning",
                remedies: "Near-failover: look for CPU stalls or scheduling delays on the master (keepalived "
                    + "'VRRP_Script' timeouts, VM steal time), multicast loss (IGMP snooping querier missing), or "
                    + "link saturation; consider a longer advert interval. No takeover: check that the backups are "
                    + "running and can hear the group, and that the master did not lose its interface.",
                tunables: Tunables.all)
        ]
    }

    private let configuration: Configuration
    /// Silences already reported: group index → time of the last advert before the silence.
    private var reportedSilences: [Int: Timestamp] = [:]

    public var interest: ObservationInterest { .redundancy }

    public init(configuration: AnalysisConfiguration) {
        self.configuration = Configuration(configuration)
    }

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        guard let key = VIPSplitBrainDetector.groupKey(observation), let groupIndex = state.virtualIPs.groupIndex(key),
            let source = VIPSplitBrainDetector.sourceAddress(observation)
        else { return }
        let group = state.virtualIPs.groups[groupIndex]
        guard let routerIndex = group.routerIndex(address: source), group.master == routerIndex else { return }
        let router = group.routers[routerIndex]
        guard router.claimsMaster, router.previousClaimed, let previous = router.previousAdvertTime,
            let current = router.lastAdvert, current == observation.reference
        else { return }
        let gap = current.time - previous
        guard Double(gap) > configuration.gapIntervals * Double(router.intervalNanoseconds) else { return }
        // The master held the role across the gap: nobody took over in between.
        guard let interval = group.timeline.last, interval.router == routerIndex, interval.start <= previous else { return }
        let masterDown = group.masterDownNanoseconds
        let resumed = Evidence(observation.reference, "master advertises again after \(VIPFormat.duration(gap))")
        var text = "\(VIPFormat.group(group)): master \(router.label) sent no advert for \(VIPFormat.duration(gap)) "
        text += "(\(VIPFormat.fixed(Double(gap) / Double(router.intervalNanoseconds), 1)) intervals of "
        text += "\(VIPFormat.duration(router.intervalNanoseconds)))"
        if gap < masterDown {
            text += "; a backup takes over after \(VIPFormat.duration(masterDown)): near-failover"
        } else {
            text += ", past the \(VIPFormat.duration(masterDown)) master-down interval, and no backup took over"
        }
        text += "."
        emit(
            group: group, router: router, silenceStart: previous, end: current.time, gap: gap, summary: text,
            evidence: [resumed], nearFailover: gap < masterDown, resumed: true, sink: sink)
    }

    public func advance(to time: Timestamp, state: AnalysisState, sink: FindingSink) {
        checkSilences(state, at: time, sink: sink)
    }

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        checkSilences(state, at: time, sink: sink)
    }

    private func checkSilences(_ state: AnalysisState, at time: Timestamp, sink: FindingSink) {
        for (groupIndex, group) in state.virtualIPs.groups.enumerated() {
            guard let master = group.master, let last = group.routers[master].lastAdvert,
                !group.routers[master].isLiveMaster(at: time), group.liveClaimers(at: time).isEmpty
            else { continue }
            let silence = time - last.time
            guard silence > group.masterDownNanoseconds + configuration.takeoverGrace,
                reportedSilences[groupIndex] != last.time
            else { continue }
            reportedSilences[groupIndex] = last.time
            let router = group.routers[master]
            let resigned = router.resignedAt == last
            var text = "\(VIPFormat.group(group)): master \(router.label) "
            text += resigned ? "resigned (priority 0)" : "stopped advertising"
            text += " and no other router took over within \(VIPFormat.duration(silence)) "
            text += "(master-down interval \(VIPFormat.duration(group.masterDownNanoseconds))): the VIP has no owner."
            let note = resigned ? "master's resignation" : "master's last advert"
            emit(
                group: group, router: router, silenceStart: last.time, end: time, gap: silence, summary: text,
                evidence: [Evidence(last, note)], nearFailover: false, resumed: false, sink: sink)
        }
    }

    private func emit(
        group: VirtualIPGroup, router: VirtualRouter, silenceStart: Timestamp, end: Timestamp, gap: Int64,
        summary: String, evidence: [Evidence], nearFailover: Bool, resumed: Bool, sink: FindingSink
    ) {
        sink.emit(
            Finding(
                kind: Self.kind, severity: .warning, start: silenceStart, end: end, summary: summary,
                ips: VIPFormat.vips(group) + [router.address.description],
                macs: router.ownMACs.map(\.description), vlan: group.key.vlan, evidence: evidence,
                remedy: nearFailover
                    ? "Find what delays the master's adverts: CPU stalls or VM steal time, multicast loss (IGMP snooping), link saturation; consider a longer advert interval."
                    : "Check that the backups run and hear the group (multicast, VLAN), and why the master went silent.",
                key: "\(Self.kind.rawValue)|\(group.key.token)|\(router.address)|\(silenceStart.nanoseconds)",
                details: [
                    "group": .string(group.key.description), "master": VIPFormat.routerDetail(router),
                    "gap_s": VIPFormat.secondsValue(gap), "interval_s": VIPFormat.secondsValue(router.intervalNanoseconds),
                    "master_down_s": VIPFormat.secondsValue(group.masterDownNanoseconds),
                    "near_failover": .bool(nearFailover), "resumed": .bool(resumed),
                ]))
    }
}
