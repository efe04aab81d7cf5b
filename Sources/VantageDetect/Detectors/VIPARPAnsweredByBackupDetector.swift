//  vip.arp_answered_by_backup: a router that is not master answers ARP for the VIP.
//
//      client  who-has 10.0.0.100 ─┬─> master  02:aa::02  is-at   (right)
//                                  └─> backup  02:aa::01  is-at   (wrong: the client may keep it)
//
//  Covers ARP replies, gratuitous ARPs / announcements and requests that carry the VIP as sender
//  address (each updates the receivers' caches). Typical causes: keepalived killed with SIGKILL
//  leaves the VIP on the dead node's interface (protocols.md §3.3), a VIP configured statically on
//  a backup, a backup's kernel answering for addresses of other interfaces (arp_ignore=0).
//
//  An answer is judged `grace` seconds after it is seen, so that takeover races (the new master's
//  GARP can precede its first advert; the old master may answer a request just before yielding)
//  are not reported. Answers by the group's virtual MAC are attributed to whoever is master. A MAC
//  that is no known member is reported only when the master's own MAC for the VIP is known.

import VantageCapture
import VantageState
import VantageWire

/// Reports ARP answers for a VIP from a router that is not master at that moment (warning).
public final class VIPARPAnsweredByBackupDetector: ConfigurableDetector {
    /// The finding kind.
    public static let kind = FindingKind(rawValue: "vip.arp_answered_by_backup")

    /// The tunables (section `vip.arp_answered_by_backup`).
    public enum Tunables {
        /// Answers this close to the sender's own mastership are takeover races.
        public static let grace = Tunable(
            "grace", unit: "s", default: 1,
            "an answer within this long of its sender being master is a takeover race, not reported")
        /// Answers further apart start a new finding.
        public static let episodeGap = Tunable(
            "episode_gap", unit: "s", default: 60, "answers from one MAC further apart than this start a new finding")

        static let all = [grace, episodeGap]
    }

    /// The thresholds, read from the analysis configuration.
    public struct Configuration: Sendable {
        /// ``Tunables/grace`` in ns.
        public var grace: Int64
        /// ``Tunables/episodeGap`` in ns.
        public var episodeGap: Int64

        /// The values under `vip.arp_answered_by_backup`, defaults where not set.
        public init(_ configuration: AnalysisConfiguration) {
            let section = VIPARPAnsweredByBackupDetector.kind.rawValue
            grace = max(0, configuration.nanoseconds(Tunables.grace, in: section))
            episodeGap = max(0, configuration.nanoseconds(Tunables.episodeGap, in: section))
        }
    }

    public static var descriptions: [KindDescription] {
        [
            KindDescription(
                kind: kind,
                meaning: "A router that is not the master (or a MAC that is not the master's) tells hosts that it "
                    + "owns the virtual IP: hosts that believe it send the VIP's traffic to a backup, which drops or "
                    + "misroutes it.",
                rule: "An ARP reply, gratuitous ARP / announcement, or request whose sender IP is a VIP of a group, "
                    + "sent by a MAC that is a router of the group that was not master (effective, or advertising as "
                    + "master) within grace seconds of the frame; or by a MAC that is no member while the master's "
                    + "MAC for the VIP is known. Answers by the group's virtual MAC and by allow.proxy_arp_routers "
                    + "are not reported. One finding per (group, MAC) episode.",
                severity: "warning",
                remedies: "Remove the VIP from the backup (after a keepalived SIGKILL it stays on the interface: "
                    + "restart keepalived or delete the address); never configure VIPs statically; set "
                    + "arp_ignore=1 / arp_announce=2 on the nodes; consider use_vmac so only the master owns the "
                    + "VIP's MAC.",
                tunables: Tunables.all)
        ]
    }

    private struct Pending {
        var reference: FrameReference
        var group: Int
        var vip: IPv4Address
        var mac: MACAddress
        var variant: ARPVariant
        var asker: IPv4Address?
    }

    private struct EpisodeKey: Hashable {
        var group: Int
        var mac: MACAddress
    }

    private struct Episode {
        var first: FrameReference
        var last: FrameReference
        var replies = 0
        var gratuitous = 0
        var requests = 0
        var vips: [IPv4Address] = []
        var askers: [IPv4Address] = []
        var masters: [String] = []
        var member: Int?
        var evidence: [Evidence] = []
    }

    private let configuration: Configuration
    private let proxies: Set<MACAddress>
    private let ignored: Set<IPv4Address>
    private var pending: [Pending] = []
    private var episodes: [EpisodeKey: Episode] = [:]
    /// Open episodes kept at most.
    static let episodeLimit = 256
    /// Answers not tracked because ``episodeLimit`` episodes were open (or 4096 awaited judgement).
    public private(set) var droppedAnswers = 0

    public var interest: ObservationInterest { .arp }

    public init(configuration: AnalysisConfiguration) {
        self.configuration = Configuration(configuration)
        proxies = configuration.proxyARPRouters
        ignored = configuration.ignoredIPs
    }

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        resolve(state, upTo: observation.time, sink: sink)
        guard let arp = observation.packet.arp, arp.isEthernetIPv4, !state.virtualIPs.isEmpty else { return }
        let vlan = observation.vlan
        guard let groupIndex = state.virtualIPs.groupIndex(owningVIP: arp.senderIP, vlan: vlan),
            !ignored.contains(arp.senderIP), !proxies.contains(arp.senderMAC)
        else { return }
        let variant = arp.variant
        guard [.reply, .gratuitousRequest, .gratuitousReply, .announcement, .request].contains(variant) else { return }
        let group = state.virtualIPs.groups[groupIndex]
        let mac = arp.senderMAC
        guard mac != group.protocolVirtualMAC, mac != group.virtualMACInUse, mac.isUnicast else { return }
        let asker: IPv4Address? = variant == .reply ? arp.targetIP : nil
        guard pending.count < 4096 else {
            droppedAnswers += 1
            return
        }
        pending.append(
            Pending(reference: observation.reference, group: groupIndex, vip: arp.senderIP, mac: mac, variant: variant, asker: asker))
    }

    public func advance(to time: Timestamp, state: AnalysisState, sink: FindingSink) {
        resolve(state, upTo: time, sink: sink)
        guard !episodes.isEmpty else { return }
        for key in episodes.keys.sorted(by: Self.order) where time - episodes[key]!.last.time > configuration.episodeGap {
            report(key, state: state, sink: sink)
        }
    }

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        resolve(state, upTo: nil, sink: sink)
        for key in episodes.keys.sorted(by: Self.order) { report(key, state: state, sink: sink) }
    }

    private static func order(_ a: EpisodeKey, _ b: EpisodeKey) -> Bool { (a.group, a.mac) < (b.group, b.mac) }

    /// Judges the answers whose grace period has passed (all of them when `time` is nil).
    private func resolve(_ state: AnalysisState, upTo time: Timestamp?, sink: FindingSink) {
        guard !pending.isEmpty else { return }
        // Compacted in place (answers still waiting keep their order): no new array per call.
        var kept = 0
        for index in pending.indices {
            let answer = pending[index]
            if let time, answer.reference.time + configuration.grace > time {
                pending[kept] = answer
                kept += 1
            } else {
                judge(answer, state: state, sink: sink)
            }
        }
        pending.removeSubrange(kept...)
    }

    private func judge(_ answer: Pending, state: AnalysisState, sink: FindingSink) {
        let group = state.virtualIPs.groups[answer.group]
        let time = answer.reference.time
        guard let masterIndex = group.masterRouter(at: time) ?? group.master else { return }
        let member = group.routerIndex(mac: answer.mac)
        if let member {
            if group.wasMaster(member, from: time - configuration.grace, to: time + configuration.grace) { return }
        } else {
            guard group.vipMACKnown, !group.routers[masterIndex].ownMACs.contains(answer.mac) else { return }
        }
        let key = EpisodeKey(group: answer.group, mac: answer.mac)
        if let existing = episodes[key], time - existing.last.time > configuration.episodeGap {
            report(key, state: state, sink: sink)
        }
        // Bounded: a flood of distinct answering MACs keeps the first ones.
        guard episodes[key] != nil || episodes.count < Self.episodeLimit else {
            droppedAnswers += 1
            return
        }
        var episode = episodes[key] ?? Episode(first: answer.reference, last: answer.reference, member: member)
        episode.last = answer.reference
        switch answer.variant {
        case .reply: episode.replies += 1
        case .request: episode.requests += 1
        default: episode.gratuitous += 1
        }
        if !episode.vips.contains(answer.vip) { episode.vips.append(answer.vip) }
        if let asker = answer.asker, !episode.askers.contains(asker), episode.askers.count < 32 { episode.askers.append(asker) }
        let masterLabel = group.routers[masterIndex].label
        if !episode.masters.contains(masterLabel), episode.masters.count < 4 { episode.masters.append(masterLabel) }
        if episode.evidence.count < Finding.evidenceLimit {
            let what =
                switch answer.variant {
                case .reply: "ARP reply"
                case .request: "ARP request with the VIP as sender"
                default: "gratuitous ARP"
                }
            episode.evidence.append(
                Evidence(answer.reference, "\(what) for \(answer.vip) from \(answer.mac) while \(group.routers[masterIndex].address) is master"))
        }
        episodes[key] = episode
    }

    private func report(_ key: EpisodeKey, state: AnalysisState, sink: FindingSink) {
        guard let episode = episodes.removeValue(forKey: key) else { return }
        let group = state.virtualIPs.groups[key.group]
        let who: String
        if let member = episode.member, group.routers.indices.contains(member) {
            who = "\(group.routers[member].label), a backup of \(VIPFormat.group(group)),"
        } else {
            who = "\(key.mac), not a known member of \(VIPFormat.group(group)),"
        }
        var kinds: [String] = []
        if episode.replies > 0 { kinds.append("\(episode.replies) repl\(episode.replies == 1 ? "y" : "ies")") }
        if episode.gratuitous > 0 { kinds.append("\(episode.gratuitous) gratuitous") }
        if episode.requests > 0 { kinds.append("\(episode.requests) request\(episode.requests == 1 ? "" : "s") with the VIP as sender") }
        let total = episode.replies + episode.gratuitous + episode.requests
        var text = "\(who) answered ARP for \(VIPFormat.list(episode.vips.map(\.description))) \(total) time"
        text += "\(total == 1 ? "" : "s") (\(kinds.joined(separator: ", "))) while \(VIPFormat.list(episode.masters)) was master"
        if !episode.askers.isEmpty { text += "; hosts told: \(VIPFormat.list(episode.askers.map(\.description)))" }
        text += "."
        var details: [String: DetailValue] = [
            "group": .string(group.key.description), "mac": .string(key.mac.description), "replies": .int(episode.replies),
            "gratuitous": .int(episode.gratuitous), "requests": .int(episode.requests),
            "hosts_told": .list(episode.askers.map { .string($0.description) }),
            "masters": .list(episode.masters.map { .string($0) }), "known_member": .bool(episode.member != nil),
        ]
        if let member = episode.member, group.routers.indices.contains(member) {
            details["router"] = VIPFormat.routerDetail(group.routers[member])
        }
        sink.emit(
            Finding(
                kind: Self.kind, severity: .warning, start: episode.first.time, end: episode.last.time, summary: text,
                ips: episode.vips.map(\.description) + episode.askers.map(\.description), macs: [key.mac.description],
                vlan: group.key.vlan, evidence: episode.evidence,
                remedy: "Remove the VIP from \(key.mac) (after a keepalived SIGKILL the address stays on the interface), "
                    + "do not configure VIPs statically, set arp_ignore=1 / arp_announce=2, or use use_vmac.",
                key: "\(Self.kind.rawValue)|\(group.key.token)|\(key.mac)|\(episode.first.time.nanoseconds)",
                details: details))
    }
}
