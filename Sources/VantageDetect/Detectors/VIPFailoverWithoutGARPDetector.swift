//  vip.failover_without_garp: after a takeover, hosts were not (or did not get) told.
//
//      takeover ──┬── no GARP from the new master within garp_deadline          (announcement)
//                 └── convergence ──┬── host 10.0.0.50 still sends to the old   (data plane)
//                                   │   master's MAC: frames for the VIP, or
//                                   │   routed through it (off-link destination)
//                                   └── … until horizon, or the next takeover
//
//  The data-plane half applies when the VIP's MAC changed with the master (keepalived without
//  use_vmac, ucarp: the node's real MAC carries the VIP). With a shared virtual MAC (kernel CARP,
//  VRRP use_vmac, HSRP) hosts need not re-learn anything; the GARP still moves the switches'
//  MAC tables, so the announcement half applies to every takeover.
//  When the new master's GARPs were captured at some vantage points but not at one that saw the
//  stale hosts' frames (and was capturing adverts at the time), the GARPs were lost on the way:
//  the finding says where they were and were not seen.

import VantageCapture
import VantageState
import VantageWire

/// Reports takeovers without gratuitous ARP, and hosts still using the old master's MAC for the
/// VIP after the convergence window (warning).
public final class VIPFailoverWithoutGARPDetector: ConfigurableDetector {
    /// The finding kind.
    public static let kind = FindingKind(rawValue: "vip.failover_without_garp")

    /// The tunables (section `vip.failover_without_garp`).
    public enum Tunables {
        /// The new master must send a GARP within this long.
        public static let garpDeadline = Tunable(
            "garp_deadline", unit: "s", default: 2,
            "the new master must send a gratuitous ARP for the VIP within this long after taking over")
        /// Hosts get this long to switch to the new MAC.
        public static let convergence = Tunable(
            "convergence", unit: "s", default: 6,
            "frames to the old master's MAC are expected this long after a takeover (Linux ignores ARP updates within locktime 1 s; keepalived repeats its GARPs after 5 s)")
        /// Stale senders are tracked for this long after a takeover.
        public static let horizon = Tunable(
            "horizon", unit: "s", default: 300,
            "how long after a takeover frames to the old master's MAC are attributed to it (later: vip.traffic_to_backup)")

        static let all = [garpDeadline, convergence, horizon]
    }

    /// The thresholds, read from the analysis configuration.
    public struct Configuration: Sendable {
        /// ``Tunables/garpDeadline`` in ns.
        public var garpDeadline: Int64
        /// ``Tunables/convergence`` in ns.
        public var convergence: Int64
        /// ``Tunables/horizon`` in ns.
        public var horizon: Int64

        /// The values under `vip.failover_without_garp`, defaults where not set.
        public init(_ configuration: AnalysisConfiguration) {
            let section = VIPFailoverWithoutGARPDetector.kind.rawValue
            garpDeadline = max(0, configuration.nanoseconds(Tunables.garpDeadline, in: section))
            convergence = max(0, configuration.nanoseconds(Tunables.convergence, in: section))
            horizon = max(0, configuration.nanoseconds(Tunables.horizon, in: section))
        }
    }

    public static var descriptions: [KindDescription] {
        [
            KindDescription(
                kind: kind,
                meaning: "A virtual IP moved to a new master but hosts were not told (no gratuitous ARP), or kept "
                    + "sending the VIP's traffic to the old master's MAC long after the takeover: connections through "
                    + "the VIP stall until their ARP entries expire.",
                rule: "After a change of master: no gratuitous ARP (or announcement) for the group's VIPs from the new "
                    + "master within garp_deadline; or, when the VIP's MAC changed with the master, frames whose "
                    + "destination MAC is the old master's and whose destination IP is the VIP, or off-link (routed "
                    + "through the VIP), arriving more than convergence seconds after the takeover (until horizon or "
                    + "the next takeover). The stale senders are named.",
                severity: "warning",
                remedies: "Make the new master announce itself (keepalived: garp_master_delay / garp_master_repeat / "
                    + "garp_master_refresh; ucarp: the up-script must add the address so the kernel sends GARP; "
                    + "arping -U in notify scripts); on hosts that ignore GARP, lower the ARP cache lifetime or set "
                    + "arp_accept; consider use_vmac so the VIP's MAC does not change.",
                tunables: Tunables.all)
        ]
    }

    private struct Host: Hashable {
        var mac: MACAddress
        var ip: IPv4Address
    }

    private struct HostRecord {
        var frames = 0
        var first: Timestamp
        var last: Timestamp
        var toVIP = 0
        var routed = 0
        /// Vantage points (index < 64) that captured its frames.
        var vantages: UInt64 = 0
    }

    /// First and latest redundancy advert captured at one vantage point.
    private struct AdvertSpan {
        var first: Timestamp
        var last: Timestamp
    }

    private struct Watch {
        var takeover: VirtualIPTakeover
        var group: Int
        var vlan: UInt16
        var oldMACs: [MACAddress]
        var from: Timestamp
        var until: Timestamp
        var hosts: [Host: HostRecord] = [:]
        var hostOrder: [Host] = []
        var tally = FrameTally()
        var evidence: [Evidence] = []
        var garpFindingKey: String?
    }

    private struct PendingGARPCheck {
        var takeover: VirtualIPTakeover
        var due: Timestamp
    }

    private let configuration: Configuration
    private var cursor = TakeoverCursor()
    private var checks: [PendingGARPCheck] = []
    private var watches: [Watch] = []
    private var garpKeys: [Int: String] = [:]
    /// Per vantage point: when it captured adverts (was capturing the group's link).
    private var advertSpans: [Int: AdvertSpan] = [:]

    public var interest: ObservationInterest { [.ipData, .redundancy] }

    /// Data frames only while a takeover is watched (watches open and close on adverts and ticks).
    public func currentInterest(_ state: AnalysisState) -> ObservationInterest {
        watches.isEmpty ? .redundancy : interest
    }

    public init(configuration: AnalysisConfiguration) {
        self.configuration = Configuration(configuration)
    }

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        if ObservationInterest.of(observation.shape) == .redundancy {
            let vantage = observation.reference.vantage
            if advertSpans[vantage] != nil {
                advertSpans[vantage]!.last = observation.time
            } else if advertSpans.count < 256 {
                advertSpans[vantage] = AdvertSpan(first: observation.time, last: observation.time)
            }
            collect(state, sink: sink)
            return
        }
        guard !watches.isEmpty, let destinationMAC = observation.destinationMAC, observation.shape.network == .ipv4,
            let ip = observation.packet.ipv4
        else { return }
        let vlan = observation.vlan
        let time = observation.time
        for index in watches.indices where watches[index].vlan == vlan && watches[index].oldMACs.contains(destinationMAC) {
            guard time > watches[index].from, time <= watches[index].until else { continue }
            let vips = state.virtualIPs
            let destination = ip.destination
            let toVIP = vips.groupIndex(owningVIP: destination, vlan: vlan) == watches[index].group
            let routed =
                !toVIP && !destination.isMulticast && destination != .broadcast && !vips.isOnLink(destination, vlan: vlan)
            guard toVIP || routed, let sourceMAC = observation.packet.sourceMAC else { continue }
            // Routers of the group talking to each other are not hosts left behind.
            if vips.groups[watches[index].group].routerIndex(mac: sourceMAC) != nil { continue }
            let host = Host(mac: sourceMAC, ip: ip.source)
            if watches[index].hosts[host] == nil {
                guard watches[index].hosts.count < 64 else { continue }
                watches[index].hosts[host] = HostRecord(first: time, last: time)
                watches[index].hostOrder.append(host)
            }
            watches[index].hosts[host]!.frames += 1
            watches[index].hosts[host]!.last = time
            if observation.reference.vantage < 64 { watches[index].hosts[host]!.vantages |= 1 << UInt64(observation.reference.vantage) }
            if toVIP { watches[index].hosts[host]!.toVIP += 1 } else { watches[index].hosts[host]!.routed += 1 }
            watches[index].tally.add(observation.reference)
            if watches[index].evidence.count < Finding.evidenceLimit {
                let what = toVIP ? "frame for VIP \(destination)" : "frame to \(destination) routed via the VIP"
                watches[index].evidence.append(
                    Evidence(observation.reference, "\(ip.source) sends \(what) to old master's MAC \(destinationMAC)"))
            }
        }
    }

    public func advance(to time: Timestamp, state: AnalysisState, sink: FindingSink) {
        collect(state, sink: sink)
        while let index = checks.firstIndex(where: { $0.due <= time }) {
            check(checks.remove(at: index).takeover, state: state, sink: sink)
        }
        while let index = watches.firstIndex(where: { $0.until < time }) {
            close(watches.remove(at: index), state: state, sink: sink)
        }
    }

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        collect(state, sink: sink)
        for pending in checks where pending.due <= time { check(pending.takeover, state: state, sink: sink) }
        checks.removeAll()
        for watch in watches { close(watch, state: state, sink: sink) }
        watches.removeAll()
    }

    private func collect(_ state: AnalysisState, sink: FindingSink) {
        for takeover in cursor.newTakeovers(state) {
            guard let groupIndex = state.virtualIPs.groupIndex(takeover.group) else { continue }
            // A new takeover ends the watch on the group's previous one.
            while let index = watches.firstIndex(where: { $0.group == groupIndex }) {
                close(watches.remove(at: index), state: state, sink: sink)
            }
            guard takeover.reason != .initial else { continue }
            checks.append(PendingGARPCheck(takeover: takeover, due: takeover.time + configuration.garpDeadline))
            if !takeover.abandonedMACs.isEmpty {
                watches.append(
                    Watch(
                        takeover: takeover, group: groupIndex, vlan: takeover.group.vlan, oldMACs: takeover.abandonedMACs,
                        from: takeover.time + configuration.convergence, until: takeover.time + configuration.horizon))
            }
        }
    }

    private func check(_ stale: VirtualIPTakeover, state: AnalysisState, sink: FindingSink) {
        let takeover = state.virtualIPs.takeover(id: stale.id) ?? stale
        guard let groupIndex = state.virtualIPs.groupIndex(takeover.group) else { return }
        let deadline = takeover.time + configuration.garpDeadline
        guard !takeover.garps.contains(where: { $0.time <= deadline }) else { return }
        let group = state.virtualIPs.groups[groupIndex]
        let vipText = group.vips.isEmpty ? "its virtual addresses" : "VIP \(VIPFormat.list(VIPFormat.vips(group)))"
        var text = "\(VIPFormat.group(group)): new master \(VIPFormat.label(takeover.new, in: group)) sent no gratuitous ARP for \(vipText) "
        text += "within \(VIPFormat.duration(configuration.garpDeadline)) of taking over"
        if let old = takeover.old {
            if takeover.abandonedMACs.isEmpty {
                text += "; switches keep forwarding the virtual MAC to \(old.address)'s port until they relearn it"
            } else {
                text += "; hosts keep sending to \(VIPFormat.list(takeover.abandonedMACs.map(\.description))) "
                text += "(\(old.address)) until their ARP entries expire"
            }
        }
        if takeover.foreignGARPs > 0 { text += " (\(takeover.foreignGARPs) GARPs for the VIP came from other MACs)" }
        text += "."
        let key = "\(Self.kind.rawValue)|\(group.key.token)|\(takeover.time.nanoseconds)|garp"
        garpKeys[takeover.id] = key
        var evidence = [Evidence(takeover.newFirstAdvert, "new master's first advert")]
        if let last = takeover.oldLastAdvert { evidence.append(Evidence(last, "old master's last advert")) }
        sink.emit(
            Finding(
                kind: Self.kind, severity: .warning, start: takeover.time, end: deadline, summary: text,
                ips: VIPFormat.vips(group) + [takeover.new.address.description],
                macs: (takeover.new.macs + takeover.abandonedMACs).map(\.description), vlan: group.key.vlan,
                evidence: evidence,
                remedy: "Make the new master send gratuitous ARP on takeover (keepalived garp_master_* settings, ucarp "
                    + "up-script, arping -U in a notify script) and check nothing filters broadcast ARP between it and the hosts.",
                key: key,
                details: [
                    "group": .string(group.key.description), "new_master": VIPFormat.snapshotDetail(takeover.new, in: group),
                    "old_master": takeover.old.map { VIPFormat.snapshotDetail($0, in: group) } ?? .null,
                    "garp_deadline_s": VIPFormat.secondsValue(configuration.garpDeadline),
                    "garps_later": .int(takeover.garps.filter { $0.time > deadline }.count),
                    "foreign_garps": .int(takeover.foreignGARPs), "issue": .string("no_garp"),
                ]))
    }

    private func close(_ watch: Watch, state: AnalysisState, sink: FindingSink) {
        guard !watch.hostOrder.isEmpty, let old = watch.takeover.old else { return }
        let group = state.virtualIPs.groups[watch.group]
        let takeoverTime = watch.takeover.time
        let hosts = watch.hostOrder.map { host -> String in
            let record = watch.hosts[host]!
            return "\(host.ip) (\(host.mac), \(record.frames) frame\(record.frames == 1 ? "" : "s") until "
                + "+\(VIPFormat.duration(record.last - takeoverTime)))"
        }
        let frames = watch.hosts.values.reduce(0) { $0 + $1.frames }
        var text = "After \(VIPFormat.group(group)) moved from \(old.address) to \(VIPFormat.label(watch.takeover.new, in: group)), "
        text += "\(watch.hostOrder.count) host\(watch.hostOrder.count == 1 ? "" : "s") kept sending frames for the VIP "
        text += "(or routed through it) to the old master's MAC \(VIPFormat.list(watch.oldMACs.map(\.description))) "
        text += "past the \(VIPFormat.duration(configuration.convergence)) convergence window: \(VIPFormat.list(hosts))."
        let lost = lostGARPs(watch, state: state)
        if let lost {
            text += " The new master's \(lost.count) gratuitous ARP\(lost.count == 1 ? " was" : "s were") captured at "
            text += "\(VIPFormat.list(lost.seen)) but not at \(VIPFormat.list(lost.missing)), where these hosts' frames were: "
            text += "lost on the way (a filter, VLAN or switch between them)."
        }
        let lastSeen = watch.hosts.values.map(\.last).max() ?? takeoverTime
        let hostDetails: [DetailValue] = watch.hostOrder.map { host in
            let record = watch.hosts[host]!
            return .object([
                "ip": .string(host.ip.description), "mac": .string(host.mac.description), "frames": .int(record.frames),
                "to_vip": .int(record.toVIP), "routed": .int(record.routed),
                "first_after_takeover_s": VIPFormat.secondsValue(record.first - takeoverTime),
                "last_after_takeover_s": VIPFormat.secondsValue(record.last - takeoverTime),
            ])
        }
        sink.emit(
            Finding(
                kind: Self.kind, severity: .warning, start: takeoverTime, end: lastSeen, summary: text,
                ips: VIPFormat.vips(group) + watch.hostOrder.map(\.ip.description),
                macs: (watch.oldMACs + watch.hostOrder.map(\.mac)).map(\.description), vlan: group.key.vlan,
                evidence: watch.evidence,
                remedy: "These hosts did not take the new master's MAC: check they receive its gratuitous ARPs (VLAN, "
                    + "filters), their ARP settings (arp_accept, static entries, long cache lifetimes), and "
                    + "consider use_vmac so the VIP keeps one MAC across failovers.",
                key: "\(Self.kind.rawValue)|\(group.key.token)|\(takeoverTime.nanoseconds)|stale",
                causedBy: garpKeys[watch.takeover.id].map { [$0] } ?? [],
                details: [
                    "group": .string(group.key.description), "issue": .string("stale_hosts"),
                    "old_macs": .list(watch.oldMACs.map { .string($0.description) }), "frames": .int(frames),
                    "hosts": .list(hostDetails), "frames_by_vantage": watch.tally.detail(state),
                    "convergence_s": VIPFormat.secondsValue(configuration.convergence),
                    "garps_seen_at": .list((lost?.seen ?? []).map { .string($0) }),
                    "garps_missing_at": .list((lost?.missing ?? []).map { .string($0) }),
                ]))
    }

    /// The new master's GARPs, where they were captured and the vantage points that saw the
    /// stale hosts and were capturing adverts when the GARPs went out, yet caught none (nil when
    /// there were no GARPs or none is missing).
    private func lostGARPs(_ watch: Watch, state: AnalysisState) -> (count: Int, seen: [String], missing: [String])? {
        let takeover = state.virtualIPs.takeover(id: watch.takeover.id) ?? watch.takeover
        guard let firstGARP = takeover.garps.map(\.time).min() else { return nil }
        var tally = FrameTally()
        for garp in takeover.garps { tally.add(garp) }
        let seen = Set(takeover.garps.map(\.vantage))
        let hostVantages = watch.hosts.values.reduce(UInt64(0)) { $0 | $1.vantages }
        var missing: [Int] = []
        for vantage in 0..<64 where hostVantages & (1 << UInt64(vantage)) != 0 && !seen.contains(vantage) {
            guard let span = advertSpans[vantage], span.first <= firstGARP, span.last >= firstGARP else { continue }
            missing.append(vantage)
        }
        guard !missing.isEmpty else { return nil }
        return (
            tally.busiest?.count ?? takeover.garps.count, seen.sorted().map { state.vantageName($0) },
            missing.map { state.vantageName($0) }
        )
    }
}
