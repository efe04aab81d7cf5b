//  vip.failover: the master of a VRRP / CARP / HSRP group changed.
//
//      A ── adverts ── … ── last (or priority 0) ┐
//                                                 gap ┐
//      B                                  first advert ── GARP ×5 ── (5 s) ── GARP ×5
//
//  Reported once the new master has had `garp_window` seconds to announce itself, with the old
//  and new master, the takeover gap against what the protocol predicts, why the old master left
//  (resigned, vanished, preempted) and the GARPs the new master sent (count, bursts, spacing).
//  Changes after a master that held the role for under `minimum_tenure` advert intervals are
//  start-up races (keepalived cold start: both nodes briefly master) and are not reported;
//  vip.config_mismatch counts them for preemption loops.

import VantageCapture
import VantageState
import VantageWire

/// Reports each change of master in a virtual-IP group (info).
public final class VIPFailoverDetector: ConfigurableDetector {
    /// The finding kind.
    public static let kind = FindingKind(rawValue: "vip.failover")

    /// The tunables (section `vip.failover`).
    public enum Tunables {
        /// How long after a takeover its GARPs are counted before the finding is reported.
        public static let garpWindow = Tunable(
            "garp_window", unit: "s", default: 12,
            "seconds after a takeover during which the new master's gratuitous ARPs are counted (keepalived sends 5, then 5 more 5 s later)")
        /// Changes after a shorter tenure are start-up races.
        public static let minimumTenure = Tunable(
            "minimum_tenure", unit: "intervals", default: 3,
            "a change is reported only if the old master had held the role for at least this many advert intervals (shorter: a start-up race)")

        static let all = [garpWindow, minimumTenure]
    }

    /// The thresholds, read from the analysis configuration.
    public struct Configuration: Sendable {
        /// ``Tunables/garpWindow`` in ns.
        public var garpWindow: Int64
        /// ``Tunables/minimumTenure``.
        public var minimumTenure: Double

        /// The values under `vip.failover`, defaults where not set.
        public init(_ configuration: AnalysisConfiguration) {
            let section = VIPFailoverDetector.kind.rawValue
            garpWindow = max(0, configuration.nanoseconds(Tunables.garpWindow, in: section))
            minimumTenure = max(0, configuration.value(Tunables.minimumTenure, in: section))
        }
    }

    public static var descriptions: [KindDescription] {
        [
            KindDescription(
                kind: kind,
                meaning: "The master of a VRRP / CARP / HSRP group changed: another router now owns the virtual IP. "
                    + "Hosts must learn the new owner's MAC (keepalived and ucarp answer with the node's real MAC) "
                    + "from its gratuitous ARPs.",
                rule: "The effective master (VRRP/CARP: the router that keeps advertising, preferred by priority or "
                    + "(demote, advbase, advskew) when several do; HSRP: the Active router) changed, and the old master "
                    + "had held the role for at least minimum_tenure advert intervals. Reported garp_window seconds "
                    + "later with the takeover gap (old master's last advert to the new master's first), the delay "
                    + "the protocol predicts (Skew_Time after a priority-0 resignation, Master_Down_Interval after "
                    + "silence, HSRP hold time), why the old master left, and the new master's gratuitous ARPs.",
                severity: "info",
                remedies: "Nothing if the change was planned. Otherwise find why the old master resigned or went "
                    + "silent (keepalived / ucarp / carp logs, track scripts, interface or link state, CPU stalls); "
                    + "see vip.failover_without_garp for hosts that did not follow.",
                tunables: Tunables.all)
        ]
    }

    private struct Pending {
        var takeover: VirtualIPTakeover
        var due: Timestamp
    }

    private let configuration: Configuration
    private var cursor = TakeoverCursor()
    private var pending: [Pending] = []

    public var interest: ObservationInterest { [.redundancy, .arp] }

    public init(configuration: AnalysisConfiguration) {
        self.configuration = Configuration(configuration)
    }

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        collect(state, sink: sink)
    }

    public func advance(to time: Timestamp, state: AnalysisState, sink: FindingSink) {
        collect(state, sink: sink)
        flush(state, sink: sink, upTo: time)
    }

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        collect(state, sink: sink)
        flush(state, sink: sink, upTo: nil)
    }

    private func collect(_ state: AnalysisState, sink: FindingSink) {
        for takeover in cursor.newTakeovers(state) {
            // A newer change in the same group closes the previous one's GARP window.
            if let index = pending.firstIndex(where: { $0.takeover.group == takeover.group }) {
                report(pending.remove(at: index).takeover, state: state, sink: sink)
            }
            guard takeover.reason != .initial, let tenure = takeover.oldTenureNanoseconds,
                let groupIndex = state.virtualIPs.groupIndex(takeover.group)
            else { continue }
            let interval = state.virtualIPs.groups[groupIndex].intervalNanoseconds
            guard Double(tenure) >= configuration.minimumTenure * Double(interval) else { continue }
            pending.append(Pending(takeover: takeover, due: takeover.time + configuration.garpWindow))
        }
    }

    private func flush(_ state: AnalysisState, sink: FindingSink, upTo time: Timestamp?) {
        while let index = pending.firstIndex(where: { time == nil || $0.due <= time! }) {
            report(pending.remove(at: index).takeover, state: state, sink: sink)
        }
    }

    /// The delay the protocol predicts between the old master's last advert and the takeover.
    static func expectedDelay(_ takeover: VirtualIPTakeover, group: VirtualIPGroup) -> Int64? {
        guard group.routers.indices.contains(takeover.new.index), let old = takeover.old,
            group.routers.indices.contains(old.index)
        else { return nil }
        let new = group.routers[takeover.new.index]
        let oldRouter = group.routers[old.index]
        switch group.key.redundancyProtocol {
        case .vrrp:
            let centiseconds = UInt16(clamping: oldRouter.intervalNanoseconds / 10_000_000)
            let priority = UInt8(clamping: new.priority)
            let seconds =
                takeover.reason == .resigned
                ? VRRPAdvertisement.skewTime(
                    priority: priority, version: new.version, advertisementIntervalCentiseconds: centiseconds)
                : VRRPAdvertisement.masterDownInterval(
                    priority: priority, version: new.version, advertisementIntervalCentiseconds: centiseconds)
            return Int64((seconds * 1e9).rounded())
        case .carp:
            guard let advbase = new.advbase, let advskew = new.advskew else { return nil }
            return Int64((CARPAdvertisement.masterDownTimeout(advbase: advbase, advskew: advskew) * 1e9).rounded())
        case .hsrp:
            return takeover.reason == .resigned ? 0 : (oldRouter.holdNanoseconds ?? 10_000_000_000)
        }
    }

    /// Whether a CARP advert came from ucarp, which sends from 00:00:5e:00:00:<vhid> (kernel CARP:
    /// 00:00:5e:00:01:<vhid>) and notices a silent master only on its next poll (protocols.md §4.3).
    static func isUcarp(_ advertMAC: MACAddress?, _ group: VirtualIPGroup) -> Bool {
        guard group.key.redundancyProtocol == .carp, let advertMAC else { return false }
        return advertMAC.rawValue >> 8 == 0x0000_5E00_00
    }

    /// GARP bursts at the vantage that saw most: sizes, offsets from the takeover, spacing.
    static func garpPattern(_ garps: [FrameReference], takeoverTime: Timestamp)
        -> (count: Int, bursts: [(offset: Int64, size: Int)], spacing: Int64?, vantage: Int?)
    {
        var tally = FrameTally()
        for garp in garps { tally.add(garp) }
        guard let busiest = tally.busiest else { return (0, [], nil, nil) }
        let times = garps.filter { $0.vantage == busiest.vantage }.map(\.time).sorted()
        var bursts: [(offset: Int64, size: Int)] = []
        var previous: Timestamp?
        for time in times {
            if let previous, time - previous <= 1_000_000_000 {
                bursts[bursts.count - 1].size += 1
            } else {
                bursts.append((time - takeoverTime, 1))
            }
            previous = time
        }
        return (busiest.count, bursts, VIPFormat.median(VIPFormat.gaps(times)), busiest.vantage)
    }

    private func report(_ stale: VirtualIPTakeover, state: AnalysisState, sink: FindingSink) {
        let takeover = state.virtualIPs.takeover(id: stale.id) ?? stale
        guard let old = takeover.old, let groupIndex = state.virtualIPs.groupIndex(takeover.group) else { return }
        let group = state.virtualIPs.groups[groupIndex]
        let gap = takeover.oldLastAdvert.map { takeover.newFirstAdvert.time - $0.time }
        let expected = Self.expectedDelay(takeover, group: group)
        let pattern = Self.garpPattern(takeover.garps, takeoverTime: takeover.time)

        var why: String
        switch takeover.reason {
        case .resigned:
            why = group.key.redundancyProtocol == .vrrp ? "the old master resigned (priority 0)" : "the old master resigned"
        case .vanished: why = "the old master went silent"
        case .preempted: why = "a preferred router preempted the old master"
        case .initial: why = "first master"
        }
        let newLabel = VIPFormat.label(takeover.new, in: group)
        var text = "\(VIPFormat.group(group)): master moved from \(VIPFormat.label(old, in: group)) to \(newLabel); \(why)"
        if let gap {
            if gap >= 0 {
                text += "; takeover \(VIPFormat.duration(gap)) after its last advert"
            } else {
                text += "; the new master was already advertising (\(VIPFormat.duration(-gap)) of overlap)"
            }
            if let expected, takeover.reason != .preempted {
                text += " (protocol predicts \(VIPFormat.duration(expected))"
                if Self.isUcarp(takeover.new.advertMAC, group) { text += "; ucarp's poll loop adds up to 1 s" }
                text += ")"
            }
        }
        if pattern.count == 0 {
            text += "; the new master sent no gratuitous ARP"
        } else {
            let sizes = pattern.bursts.map { String($0.size) }.joined(separator: " + ")
            text += "; the new master sent \(pattern.count) gratuitous ARP\(pattern.count == 1 ? "" : "s")"
            if pattern.bursts.count > 1 {
                let second = pattern.bursts[1].offset - pattern.bursts[0].offset
                text += " (\(sizes), bursts \(VIPFormat.duration(second)) apart)"
            }
        }
        text += "."

        var evidence: [Evidence] = []
        if let last = takeover.oldLastAdvert {
            evidence.append(Evidence(last, takeover.reason == .resigned ? "old master's resignation" : "old master's last advert"))
        }
        evidence.append(Evidence(takeover.newFirstAdvert, "new master's first advert"))
        for garp in takeover.garps.prefix(10) { evidence.append(Evidence(garp, "gratuitous ARP from the new master")) }

        var details: [String: DetailValue] = [
            "group": .string(group.key.description), "protocol": .string(group.key.redundancyProtocol.description),
            "group_id": .int(Int(group.key.group)), "old_master": VIPFormat.snapshotDetail(old, in: group),
            "new_master": VIPFormat.snapshotDetail(takeover.new, in: group), "reason": .string(takeover.reason.rawValue),
            "garp_count": .int(pattern.count), "garp_bursts": .list(pattern.bursts.map { .int($0.size) }),
            "garp_burst_offsets_s": .list(pattern.bursts.map { VIPFormat.secondsValue($0.offset) }),
            "foreign_garps": .int(takeover.foreignGARPs), "vips": .list(VIPFormat.vips(group).map { .string($0) }),
        ]
        if let gap { details["takeover_gap_s"] = VIPFormat.secondsValue(gap) }
        if Self.isUcarp(takeover.new.advertMAC, group) { details["implementation"] = .string("ucarp") }
        if let expected { details["expected_takeover_s"] = VIPFormat.secondsValue(expected) }
        if let spacing = pattern.spacing { details["garp_median_spacing_s"] = VIPFormat.secondsValue(spacing) }
        if let tenure = takeover.oldTenureNanoseconds { details["old_master_tenure_s"] = VIPFormat.secondsValue(tenure) }

        let macs = Array(Set(old.macs + takeover.new.macs + [old.advertMAC, takeover.new.advertMAC].compactMap { $0 }))
            .filter { $0.isUnicast }.sorted().map(\.description)
        sink.emit(
            Finding(
                kind: Self.kind, severity: .info, start: takeover.oldLastAdvert?.time ?? takeover.newFirstAdvert.time,
                end: max(takeover.time, takeover.garps.map(\.time).max() ?? takeover.time), summary: text,
                ips: VIPFormat.vips(group) + [old.address.description, takeover.new.address.description], macs: macs,
                vlan: group.key.vlan, evidence: evidence,
                remedy: "Nothing if planned. Otherwise find why \(old.address) \(takeover.reason == .resigned ? "resigned" : "stopped advertising") "
                    + "(keepalived/ucarp/carp logs, track scripts, link state); check hosts followed (vip.failover_without_garp).",
                key: "\(Self.kind.rawValue)|\(group.key.token)|\(takeover.time.nanoseconds)", details: details))
    }
}
