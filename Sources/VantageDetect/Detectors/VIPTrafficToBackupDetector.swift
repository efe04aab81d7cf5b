//  vip.traffic_to_backup: the VIP's traffic reaches a router that is not master.
//
//      web server 192.168.80.2 ── SYN-ACK to 192.168.0.17 ──> dst MAC 90:e2:ba:0d:0a:7d
//                                   (off-link: routed via the VIP 192.168.80.254)
//                                   but 90:e2:ba:0d:0a:7d is the CARP *backup*; the master is
//                                   00:00:5e:00:01:02. The backup drops it: the client waits 3 s.
//
//  Three ways a frame counts (IPv4, Ethernet destinations):
//    to the VIP        destination IP = a VIP, destination MAC = a backup router's MAC (or, when the
//                      master's MAC for the VIP is known, any other unicast MAC);
//    routed via it     destination MAC = a backup router's own MAC, destination IP off-link (not an
//                      ARP-seen address, router address or VIP) — the VIP used as a gateway;
//                      a MAC that is master of any group on the VLAN is never a backup here;
//    at the backup     captured at a vantage point whose host is a backup router of the group,
//                      addressed to the VIP or routed via it, to the master's MAC (switch flooding;
//                      a cooked capture shows no destination MAC: any incoming frame for the VIP,
//                      or a routed one the kernel marked as addressed to another host).
//  Frames to a MAC that was master within `failover_attribution` seconds belong to the failover
//  (vip.failover_without_garp). Frames addressed to the current master's own MAC but captured at
//  a backup's vantage point are no stale cache, whoever was master before: they are left alone
//  only for `flood_grace` seconds after that backup was master (switches relearning). One
//  finding per (group, MAC or vantage) episode, with the count, the senders and the cadence
//  (median gap at the vantage that saw most). Stray SYN-ACKs are tied to the clients' SYN
//  retransmissions they caused, when a capture shows those (seed 001: the backup drops the
//  SYN-ACK, the client retransmits 1 s (Linux) or 3 s (BSD) later). The original SYN may show up
//  after the stray when a vantage's clock is off: with TCP timestamps it is told apart by its
//  TSval (the SYN-ACK echoes it); without, a SYN counts only `minimumRetransmissionDelay` on.

import VantageCapture
import VantageState
import VantageWire

/// Reports VIP traffic delivered to a non-master router of the group (warning).
public final class VIPTrafficToBackupDetector: ConfigurableDetector {
    /// The finding kind.
    public static let kind = FindingKind(rawValue: "vip.traffic_to_backup")

    /// The tunables (section `vip.traffic_to_backup`).
    public enum Tunables {
        /// Episodes with fewer frames are not reported.
        public static let minimumFrames = Tunable(
            "minimum_frames", unit: "frames", default: 1, "report an episode with at least this many stray frames")
        /// Frames further apart start a new episode.
        public static let episodeGap = Tunable(
            "episode_gap", unit: "s", default: 60, "stray frames further apart than this start a new finding")
        /// Frames to a recent master's MAC belong to the failover.
        public static let failoverAttribution = Tunable(
            "failover_attribution", unit: "s", default: 300,
            "frames to a MAC that was master this recently are left to vip.failover_without_garp (keep equal to its horizon)")

        /// Frames to the master's MAC at a former master's vantage are switch flooding this soon.
        public static let floodGrace = Tunable(
            "flood_grace", unit: "s", default: 5,
            "frames to the master's own MAC captured at a backup's vantage point are ignored this long after that backup was master (switch MAC tables relearning); later they are stray")

        static let all = [minimumFrames, episodeGap, failoverAttribution, floodGrace]
    }

    /// The thresholds, read from the analysis configuration.
    public struct Configuration: Sendable {
        /// ``Tunables/minimumFrames``.
        public var minimumFrames: Int
        /// ``Tunables/episodeGap`` in ns.
        public var episodeGap: Int64
        /// ``Tunables/failoverAttribution`` in ns.
        public var failoverAttribution: Int64
        /// ``Tunables/floodGrace`` in ns.
        public var floodGrace: Int64

        /// The values under `vip.traffic_to_backup`, defaults where not set.
        public init(_ configuration: AnalysisConfiguration) {
            let section = VIPTrafficToBackupDetector.kind.rawValue
            minimumFrames = max(1, Int(configuration.value(Tunables.minimumFrames, in: section)))
            episodeGap = max(0, configuration.nanoseconds(Tunables.episodeGap, in: section))
            failoverAttribution = max(0, configuration.nanoseconds(Tunables.failoverAttribution, in: section))
            floodGrace = max(0, configuration.nanoseconds(Tunables.floodGrace, in: section))
        }
    }

    public static var descriptions: [KindDescription] {
        [
            KindDescription(
                kind: kind,
                meaning: "Frames meant for the virtual IP (addressed to it, or routed through it as a gateway) reach "
                    + "a backup router instead of the master. The backup drops or misroutes them: intermittent "
                    + "losses such as a SYN-ACK that never arrives and a 3-second retransmission.",
                rule: "While the group has a master: an IPv4 frame whose destination IP is a VIP and destination MAC "
                    + "a non-master router's MAC (or any MAC other than the master's, when the master's MAC is "
                    + "known); or whose destination MAC is a non-master router's own MAC and destination IP is off-link "
                    + "(not an ARP-seen address, router address or VIP); or one captured at a backup router's vantage "
                    + "point, for the VIP or routed via it, addressed to the master's MAC. MACs that were master within "
                    + "failover_attribution seconds, or are master of another group on the VLAN, are excluded; at a "
                    + "backup's vantage point, frames to the master's own MAC only within flood_grace seconds of that "
                    + "backup's own mastery (a cooked capture's frames marked as addressed to another host count as such). "
                    + "Stray SYN-ACKs are tied to their clients' SYN retransmissions within 4 s (the original SYN, "
                    + "which a clock offset can place later, is told apart by the TSval the SYN-ACK echoes). "
                    + "Episodes of at least minimum_frames frames, split by gaps over episode_gap.",
                severity: "warning",
                remedies: "Find why the hosts or the switch deliver to the backup: a backup answering ARP for the VIP "
                    + "(vip.arp_answered_by_backup), hosts' ARP caches (arp -an) and static entries, the switch's MAC "
                    + "table for the VIP's MAC (moves between ports, LACP/lagg hashing, unknown-unicast flooding), and "
                    + "gateways set to a node's own address instead of the VIP.",
                tunables: Tunables.all)
        ]
    }

    private enum Path: String {
        case toVIP = "to_vip"
        case routed
        case atBackup = "at_backup_vantage"
    }

    private struct EpisodeKey: Hashable {
        var group: Int
        var mac: MACAddress?
        var vantage: Int?
    }

    private struct Sender: Hashable {
        var mac: MACAddress?
        var ip: IPv4Address
    }

    private struct Episode {
        var first: FrameReference
        var last: FrameReference
        /// Copies captured, at every vantage point.
        var frames = 0
        /// Distinct frames (a frame seen at several vantage points counts once).
        var unique = 0
        /// The counted frames and where each was seen.
        var journeys = JourneyLog()
        var paths: [String: Int] = [:]
        /// Distinct frames per sender.
        var senders: [Sender: Int] = [:]
        var senderOrder: [Sender] = []
        var destinations: [IPv4Address] = []
        var routedDestinations: [IPv4Address] = []
        var tally = FrameTally()
        var evidence: [Evidence] = []
        var router: Int?
        var masters: [String] = []
        /// Stray SYN-ACKs (each handshake once) and the client SYN retransmissions seen after them.
        var synAcks = 0
        var retransmissions = 0
        var retransmissionDelays: [Int64] = []
    }

    /// A stray SYN-ACK waiting for the client's retransmitted SYN.
    private struct StraySYNACK {
        var key: EpisodeKey
        var server: IPv4Address
        var serverPort: UInt16
        var client: IPv4Address
        var clientPort: UInt16
        var time: Timestamp
        /// The SYN-ACK's TSecr: the TSval of the SYN it answers (nil without timestamps).
        var echo: UInt32?
    }

    private let configuration: Configuration
    private let ignored: Set<IPv4Address>
    private var episodes: [EpisodeKey: Episode] = [:]
    /// Open episodes kept at most.
    static let episodeLimit = 256
    /// Stray frames not tracked because ``episodeLimit`` episodes were open.
    public private(set) var droppedFrames = 0
    /// Per vantage: (group, router) pairs whose router is that vantage's capture host; refreshed on ticks.
    private var vantageRouters: [Int: [(group: Int, router: Int)]] = [:]
    private var vantageRoutersValid = false
    /// Stray SYN-ACKs of the last ``retransmissionWindow`` (bounded by ``strayHandshakeLimit``).
    private var strayHandshakes: [StraySYNACK] = []
    /// How long after a stray SYN-ACK a SYN from its client counts as the retransmission it caused.
    static let retransmissionWindow: Int64 = 4_000_000_000
    /// Stray SYN-ACKs remembered at most.
    static let strayHandshakeLimit = 256
    /// Without TCP timestamps, a SYN this soon after the stray may be the original one.
    static let minimumRetransmissionDelay: Int64 = 500_000_000

    public var interest: ObservationInterest { .ipData }

    /// Nothing until a VRRP/CARP/HSRP group is seen (groups appear with adverts, never go).
    public func currentInterest(_ state: AnalysisState) -> ObservationInterest {
        state.virtualIPs.isEmpty ? [] : interest
    }

    public init(configuration: AnalysisConfiguration) {
        self.configuration = Configuration(configuration)
        ignored = configuration.ignoredIPs
    }

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        let vips = state.virtualIPs
        guard !vips.isEmpty, let destination = observation.ipDestination?.ipv4 else { return }
        // One lookup tells a VIP from an on-link address: a frame to an on-link address that is
        // not a VIP (nearly every frame) is never stray, and ends here unless a stray SYN-ACK
        // waits for its client's retransmission.
        let role = vips.role(of: destination, vlan: observation.vlan)
        guard role.vipGroup != nil || !role.isOnLink || !strayHandshakes.isEmpty else { return }
        observeCandidate(observation, role: role, state: state, sink: sink)
    }

    /// A frame to a VIP or to an off-link address (routed, perhaps via the VIP), or any frame
    /// while a stray SYN-ACK waits for its retransmission.
    @inline(never)
    private func observeCandidate(_ observation: Observation, role: AddressRole, state: AnalysisState, sink: FindingSink) {
        let vips = state.virtualIPs
        guard let ip = observation.packet.ipv4 else { return }
        let destination = ip.destination
        guard !destination.isMulticast, destination != .broadcast, ignored.isEmpty || !ignored.contains(ip.source) else { return }
        let vlan = observation.vlan
        let time = observation.time
        if !strayHandshakes.isEmpty, case .tcp(let tcp) = observation.packet.transport, tcp.flags.contains(.syn),
            !tcp.flags.contains(.ack)
        {
            matchRetransmission(ip, tcp, at: time)
        }
        let destinationMAC = observation.destinationMAC

        if let groupIndex = role.vipGroup {
            let group = vips.groups[groupIndex]
            guard group.master != nil else { return }
            if let destinationMAC, destinationMAC.isUnicast, !group.isMasterMAC(destinationMAC) {
                if let member = group.routerIndex(mac: destinationMAC) {
                    guard !recentlyMaster(group, member, at: time) else { return }
                    record(observation, group: groupIndex, mac: destinationMAC, router: member, path: .toVIP, state: state, sink: sink)
                } else if group.vipMACKnown, !VirtualRouter.isProtocolVirtual(destinationMAC),
                    !vips.isMasterMAC(destinationMAC, vlan: vlan, at: time)
                {
                    record(observation, group: groupIndex, mac: destinationMAC, router: nil, path: .toVIP, state: state, sink: sink)
                }
                return
            }
            atBackupVantage(observation, group: groupIndex, destinationMAC: destinationMAC, path: .toVIP, state: state, sink: sink)
            return
        }
        guard !role.isOnLink else { return }
        guard let destinationMAC, destinationMAC.isUnicast else {
            // A cooked capture has no destination MAC, but marks frames addressed to another
            // host's MAC: routed traffic delivered to this vantage's port by mistake.
            guard destinationMAC == nil, Self.isForOtherHost(observation.packet) else { return }
            for pair in routersAtVantage(observation.reference.vantage, state) where vips.groups[pair.group].key.vlan == vlan {
                atBackupVantage(observation, group: pair.group, destinationMAC: nil, path: .routed, state: state, sink: sink)
                return
            }
            return
        }
        // A member MAC that is master (keepalived, ucarp: the master's real MAC) falls through to
        // the backup-vantage check below.
        if vips.isMemberMAC(destinationMAC, vlan: vlan), !vips.isMasterMAC(destinationMAC, vlan: vlan, at: time) {
            for groupIndex in vips.groupIndices(withMemberMAC: destinationMAC, vlan: vlan) {
                let group = vips.groups[groupIndex]
                guard group.master != nil, let member = group.routerIndex(mac: destinationMAC),
                    !recentlyMaster(group, member, at: time)
                else { continue }
                record(observation, group: groupIndex, mac: destinationMAC, router: member, path: .routed, state: state, sink: sink)
                return
            }
            return
        }
        // Routed via the VIP (to the master's MAC) but captured at a backup's vantage point.
        guard vips.knowsVantageHosts else { return }
        for pair in routersAtVantage(observation.reference.vantage, state)
        where vips.groups[pair.group].key.vlan == vlan && vips.groups[pair.group].isMasterMAC(destinationMAC) {
            atBackupVantage(observation, group: pair.group, destinationMAC: destinationMAC, path: .routed, state: state, sink: sink)
            return
        }
    }

    /// The (group, router) pairs whose router is the capture host of `vantage` (cached per tick).
    private func routersAtVantage(_ vantage: Int, _ state: AnalysisState) -> [(group: Int, router: Int)] {
        if !vantageRoutersValid {
            vantageRouters = [:]
            vantageRoutersValid = true
        }
        if let known = vantageRouters[vantage] { return known }
        let found = state.virtualIPs.routers(atVantage: vantage)
        vantageRouters[vantage] = found
        return found
    }

    /// A client's SYN that follows a stray SYN-ACK of its handshake: the retransmission it caused.
    private func matchRetransmission(_ ip: IPv4Header, _ tcp: TCPHeader, at time: Timestamp) {
        let value = tcp.options.timestampValue
        guard
            let index = strayHandshakes.firstIndex(where: {
                guard $0.client == ip.source, $0.clientPort == tcp.sourcePort, $0.server == ip.destination,
                    $0.serverPort == tcp.destinationPort, time > $0.time, time - $0.time <= Self.retransmissionWindow
                else { return false }
                if let echo = $0.echo, let value { return value != echo }
                return time - $0.time >= Self.minimumRetransmissionDelay
            })
        else { return }
        let stray = strayHandshakes.remove(at: index)
        guard episodes[stray.key] != nil else { return }
        episodes[stray.key]!.retransmissions += 1
        if episodes[stray.key]!.retransmissionDelays.count < FrameTally.timeLimit {
            episodes[stray.key]!.retransmissionDelays.append(time - stray.time)
        }
    }

    public func advance(to time: Timestamp, state: AnalysisState, sink: FindingSink) {
        strayHandshakes.removeAll { time - $0.time > Self.retransmissionWindow }
        vantageRoutersValid = false
        // Copies seen since at vantage points where this detector did not fire.
        for key in episodes.keys.filter({ episodes[$0]!.journeys.hasUnsettled }) {
            episodes[key]!.journeys.settle(at: time, state: state)
        }
        for key in episodes.keys.sorted(by: Self.order) where time - episodes[key]!.last.time > configuration.episodeGap {
            report(key, state: state, sink: sink)
        }
    }

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        for key in episodes.keys.sorted(by: Self.order) { report(key, state: state, sink: sink) }
    }

    private static func order(_ a: EpisodeKey, _ b: EpisodeKey) -> Bool {
        (a.group, a.mac?.rawValue ?? 0, a.vantage ?? -1) < (b.group, b.mac?.rawValue ?? 0, b.vantage ?? -1)
    }

    /// Whether a cooked capture marked the frame as addressed to another host's MAC.
    private static func isForOtherHost(_ packet: DecodedPacket) -> Bool {
        switch packet.link {
        case .linuxSLL(let header): header.packetType == .otherHost
        case .linuxSLL2(let header): header.packetType == .otherHost
        default: false
        }
    }

    /// Whether router `index` was master within the attribution window before `time` (or is now).
    private func recentlyMaster(_ group: VirtualIPGroup, _ index: Int, at time: Timestamp) -> Bool {
        group.wasMaster(index, from: time - configuration.failoverAttribution, to: time)
    }

    /// Frames for the group reaching a vantage point whose host is one of its backups.
    private func atBackupVantage(
        _ observation: Observation, group groupIndex: Int, destinationMAC: MACAddress?, path: Path, state: AnalysisState,
        sink: FindingSink
    ) {
        guard state.virtualIPs.knowsVantageHosts,
            let pair = routersAtVantage(observation.reference.vantage, state).first(where: { $0.group == groupIndex })
        else { return }
        let group = state.virtualIPs.groups[groupIndex]
        let time = observation.time
        guard group.routers.indices.contains(pair.router), group.masterRouter(at: time) != pair.router else { return }
        // A frame to the master's own MAC is no stale cache of the backup's MAC: after a short
        // grace (switches relearning), it is stray whoever was master before.
        let toMaster = destinationMAC.map { group.isMasterMAC($0) } ?? Self.isForOtherHost(observation.packet)
        let window = toMaster ? configuration.floodGrace : configuration.failoverAttribution
        guard !group.wasMaster(pair.router, from: time - window, to: time) else { return }
        let packet = observation.packet
        // Frames the backup sent itself are not stray.
        if let source = packet.sourceMAC, group.routers[pair.router].ownMACs.contains(source) { return }
        switch packet.link {
        case .linuxSLL(let header) where header.packetType == .outgoing: return
        case .linuxSLL2(let header) where header.packetType == .outgoing: return
        default: break
        }
        if destinationMAC == nil && path == .routed && !Self.isForOtherHost(packet) { return }
        record(observation, group: groupIndex, mac: nil, router: pair.router, path: .atBackup, state: state, sink: sink)
    }

    private func record(
        _ observation: Observation, group groupIndex: Int, mac: MACAddress?, router: Int?, path: Path, state: AnalysisState,
        sink: FindingSink
    ) {
        let key = EpisodeKey(group: groupIndex, mac: mac, vantage: mac == nil ? observation.reference.vantage : nil)
        let reference = observation.reference
        if let existing = episodes[key], reference.time - existing.last.time > configuration.episodeGap {
            report(key, state: state, sink: sink)
        }
        guard episodes[key] != nil || episodes.count < Self.episodeLimit else {
            droppedFrames += 1
            return
        }
        var episode = episodes[key] ?? Episode(first: reference, last: reference, router: router)
        let packet = observation.packet
        guard let ip = packet.ipv4 else { return }
        episode.last = reference
        episode.frames += 1
        let copy = episode.journeys.isCopy(observation, state: state)
        if !copy {
            episode.unique += 1
            episode.paths[path.rawValue, default: 0] += 1
        }
        let sender = Sender(mac: packet.sourceMAC, ip: ip.source)
        if episode.senders[sender] == nil, episode.senderOrder.count < 32 {
            episode.senderOrder.append(sender)
            episode.senders[sender] = 0
        }
        if !copy { episode.senders[sender]? += 1 }
        if !episode.destinations.contains(ip.destination), episode.destinations.count < 16 {
            episode.destinations.append(ip.destination)
        }
        if path == .routed, !episode.routedDestinations.contains(ip.destination), episode.routedDestinations.count < 16 {
            episode.routedDestinations.append(ip.destination)
        }
        episode.tally.add(reference)
        if case .tcp(let tcp) = packet.transport, tcp.flags.contains(.syn), tcp.flags.contains(.ack) {
            // Each handshake once, though several vantage points may capture the stray.
            let known = strayHandshakes.contains {
                $0.server == ip.source && $0.serverPort == tcp.sourcePort && $0.client == ip.destination
                    && $0.clientPort == tcp.destinationPort && reference.time - $0.time < 100_000_000
            }
            if !known {
                episode.synAcks += 1
                if strayHandshakes.count >= Self.strayHandshakeLimit { strayHandshakes.removeFirst() }
                strayHandshakes.append(
                    StraySYNACK(
                        key: key, server: ip.source, serverPort: tcp.sourcePort, client: ip.destination,
                        clientPort: tcp.destinationPort, time: reference.time, echo: tcp.options.timestampEcho))
            }
        }
        let group = state.virtualIPs.groups[groupIndex]
        if let master = group.masterRouter(at: reference.time) ?? group.master {
            let label = group.routers[master].label
            if !episode.masters.contains(label), episode.masters.count < 4 { episode.masters.append(label) }
        }
        if !copy, episode.evidence.count < Finding.evidenceLimit {
            let target = mac.map { "to \($0)" } ?? "at \(state.vantageName(reference.vantage))"
            let what = path == .routed ? "frame to \(ip.destination) routed via the VIP" : "frame for VIP \(ip.destination)"
            episode.evidence.append(Evidence(reference, "\(ip.source) \(what) \(target)"))
        }
        episodes[key] = episode
    }

    private func report(_ key: EpisodeKey, state: AnalysisState, sink: FindingSink) {
        guard var episode = episodes.removeValue(forKey: key), episode.unique >= configuration.minimumFrames else { return }
        episode.journeys.settle(at: nil, state: state)
        let group = state.virtualIPs.groups[key.group]
        let router = episode.router.flatMap { group.routers.indices.contains($0) ? group.routers[$0] : nil }
        var target: String
        if let mac = key.mac {
            target = router.map { "\(mac), the \(group.key) backup \($0.address)" } ?? "\(mac), which is not the master's MAC"
        } else {
            let name = state.vantageName(key.vantage ?? 0)
            target = "backup \(router?.address.description ?? "?") (captured at \(name))"
        }
        let gap = episode.tally.medianGap
        // A frame captured at several vantage points counts once (its journey is in the evidence).
        let count = episode.unique
        var pattern = "\(count) frame\(count == 1 ? "" : "s")"
        if let gap { pattern += ", \(VIPFormat.duration(gap)) apart" }
        func frames(_ sender: Sender) -> Int { episode.senders[sender] ?? 0 }
        let senders = episode.senderOrder.map { sender -> String in
            let count = frames(sender)
            return "\(sender.ip)\(sender.mac.map { " (\($0))" } ?? "") ×\(count)"
        }
        let vipText = VIPFormat.vips(group).isEmpty ? "" : " \(VIPFormat.list(VIPFormat.vips(group)))"
        var text = "Traffic for the VIP\(vipText) of \(group.key) went to \(target) while \(VIPFormat.list(episode.masters)) was master"
        if let virtualMAC = group.virtualMACInUse { text += " (the VIP's MAC is \(virtualMAC))" }
        text += ": \(pattern); senders \(VIPFormat.list(senders))"
        let routed = episode.paths[Path.routed.rawValue] ?? 0
        if routed > 0 {
            text += "; \(routed) routed via the VIP to off-link "
            text += VIPFormat.list(episode.routedDestinations.map(\.description), limit: 4)
        }
        let retransmissionDelay = VIPFormat.median(episode.retransmissionDelays)
        if episode.synAcks > 0 {
            text += "; \(episode.synAcks) \(episode.synAcks == 1 ? "was a SYN-ACK" : "were SYN-ACKs")"
            if episode.retransmissions > 0, let retransmissionDelay {
                text += ", and for \(episode.retransmissions) of them the client retransmitted its SYN "
                text += "\(VIPFormat.duration(retransmissionDelay)) later (median): handshakes the backup dropped"
            }
        }
        text += "."
        var details: [String: DetailValue] = [
            "group": .string(group.key.description), "frames": .int(count), "frames_all_vantages": .int(episode.frames),
            "paths": .object(episode.paths.mapValues { .int($0) }),
            "senders": .list(
                episode.senderOrder.map { sender in
                    .object([
                        "ip": .string(sender.ip.description), "mac": sender.mac.map { .string($0.description) } ?? .null,
                        "frames": .int(frames(sender)),
                    ])
                }),
            "destinations": .list(episode.destinations.map { .string($0.description) }),
            "frames_by_vantage": episode.tally.detail(state), "masters": .list(episode.masters.map { .string($0) }),
        ]
        if let gap { details["median_gap_s"] = VIPFormat.secondsValue(gap) }
        if episode.synAcks > 0 {
            details["syn_acks"] = .int(episode.synAcks)
            details["client_syn_retransmissions"] = .int(episode.retransmissions)
            if let retransmissionDelay { details["retransmission_delay_median_s"] = VIPFormat.secondsValue(retransmissionDelay) }
        }
        if let router { details["backup"] = VIPFormat.routerDetail(router) }
        if let mac = key.mac { details["destination_mac"] = .string(mac.description) }
        let keyText = key.mac?.description ?? "vantage\(key.vantage ?? 0)"
        sink.emit(
            Finding(
                kind: Self.kind, severity: .warning, start: episode.first.time, end: episode.last.time, summary: text,
                ips: VIPFormat.vips(group) + episode.senderOrder.map(\.ip.description),
                macs: ([key.mac].compactMap { $0 } + episode.senderOrder.compactMap(\.mac)).map(\.description),
                vlan: group.key.vlan,
                evidence: episode.evidence.flatMap { episode.journeys.evidence($0.reference, $0.note, state: state) },
                remedy: "Find why VIP traffic reaches the backup: a backup answering ARP for the VIP (see "
                    + "vip.arp_answered_by_backup), the senders' ARP caches and static entries, the switch's MAC table "
                    + "for the VIP's MAC (port moves, lagg/LACP hashing, unknown-unicast flooding), gateways set to a "
                    + "node's own address.",
                key: "\(Self.kind.rawValue)|\(group.key.token)|\(keyText)|\(episode.first.time.nanoseconds)",
                details: details))
    }
}
