//  vip.split_brain: two (or more) routers advertise as master of one group at the same time.
//
//      A  ─●───●───●───●───●───●───●─       both claim the VIP; hosts follow whichever
//      B  ───●───●───●───●───●───●───       answered their last ARP
//            └──── overlap > minimum_overlap × interval ────┘
//
//  A short overlap is normal: at a keepalived cold start both nodes become master at about the
//  same time and the lower one yields on the first advert it hears (protocols.md §3.3); during a
//  preemption the old master sends at most one more advert. Reported when the overlap outlasts
//  `minimum_overlap` advert intervals, naming the MACs each side advertised and answered ARP with,
//  and which hosts sent the VIP's traffic (to the VIP, or routed through it) to which side's MAC
//  meanwhile. The finding is emitted as soon as the overlap is long enough and updated when it ends.

import VantageCapture
import VantageState
import VantageWire

/// Reports groups with more than one router advertising as master at once (critical).
public final class VIPSplitBrainDetector: ConfigurableDetector {
    /// The finding kind.
    public static let kind = FindingKind(rawValue: "vip.split_brain")

    /// The tunables (section `vip.split_brain`).
    public enum Tunables {
        /// Overlaps up to this many advert intervals are start-up or preemption races.
        public static let minimumOverlap = Tunable(
            "minimum_overlap", unit: "intervals", default: 1.5,
            "report when two routers claim master for longer than this many advert intervals (shorter overlaps are cold-start and preemption races)")

        static let all = [minimumOverlap]
    }

    /// The thresholds, read from the analysis configuration.
    public struct Configuration: Sendable {
        /// ``Tunables/minimumOverlap``.
        public var minimumOverlap: Double

        /// The values under `vip.split_brain`, defaults where not set.
        public init(_ configuration: AnalysisConfiguration) {
            minimumOverlap = max(0, configuration.value(Tunables.minimumOverlap, in: VIPSplitBrainDetector.kind.rawValue))
        }
    }

    public static var descriptions: [KindDescription] {
        [
            KindDescription(
                kind: kind,
                meaning: "Two routers both act as master of one virtual router: each answers for the VIP, hosts split "
                    + "between their MACs, and connections break whenever a host's ARP entry flips.",
                rule: "At least two routers of one (VLAN, protocol, group) claim mastership concurrently (VRRP/CARP: "
                    + "both keep advertising, VRRP with priority > 0; HSRP: both say Active) for longer than "
                    + "minimum_overlap times the longest advert interval among them. Frames sent meanwhile to the VIP "
                    + "(or routed through a router of the group) are counted per sender and destination MAC.",
                severity: "critical",
                remedies: "The routers do not hear each other: check that protocol 112 (VRRP/CARP) or UDP 1985 (HSRP) "
                    + "to 224.0.0.18 / 224.0.0.2 passes between them (host firewalls, IGMP snooping, VLAN or trunk "
                    + "mismatch, keepalived unicast_peer lists), and that they agree on VRID/VHID, version and "
                    + "authentication (see vip.config_mismatch).",
                tunables: Tunables.all)
        ]
    }

    private struct Side {
        var router: Int
        /// Adverts per vantage (one advert captured at several vantage points counts once).
        var advertsByVantage: [Int: Int] = [:]
        var evidence: [Evidence] = []

        var adverts: Int { advertsByVantage.values.max() ?? 0 }
    }

    /// One host's frames to one MAC during the overlap, counted per vantage (a frame captured at
    /// several vantage points counts once, at the vantage that saw most).
    private struct Flow {
        var ip: IPv4Address
        var mac: MACAddress?
        var destinationMAC: MACAddress
        var byVantage: [Int: Int] = [:]
        var first: FrameReference
        var routed = 0

        var frames: Int { byVantage.values.max() ?? 0 }
    }

    private struct Episode {
        var group: Int
        var start: Timestamp
        var last: Timestamp
        var sides: [Side] = []
        var reported = false
        var flows: [Flow] = []
    }

    /// Host/MAC pairs tracked per episode.
    static let flowLimit = 32

    private let configuration: Configuration
    private var open: [Int: Episode] = [:]

    public var interest: ObservationInterest { [.redundancy, .ipData] }

    /// Data frames only while a split brain is open (episodes open and close on adverts and ticks).
    public func currentInterest(_ state: AnalysisState) -> ObservationInterest {
        open.isEmpty ? .redundancy : interest
    }

    public init(configuration: AnalysisConfiguration) {
        self.configuration = Configuration(configuration)
    }

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        guard ObservationInterest.of(observation.shape) == .redundancy else {
            if !open.isEmpty { observeData(observation, state: state) }
            return
        }
        let vips = state.virtualIPs
        guard let key = Self.groupKey(observation), let groupIndex = vips.groupIndex(key) else { return }
        let group = vips.groups[groupIndex]
        let time = observation.time
        let claimers = group.liveClaimers(at: time)
        guard claimers.count >= 2 else {
            close(groupIndex, state: state, sink: sink)
            return
        }
        var episode =
            open[groupIndex]
            ?? Episode(
                group: groupIndex,
                start: claimers.compactMap { group.routers[$0].streak?.first.time }.sorted().dropFirst().first ?? time,
                last: time)
        episode.last = time
        if let source = Self.sourceAddress(observation), let router = group.routerIndex(address: source),
            group.routers[router].claimsMaster
        {
            var slot = episode.sides.firstIndex { $0.router == router }
            if slot == nil {
                episode.sides.append(Side(router: router))
                slot = episode.sides.count - 1
            }
            episode.sides[slot!].advertsByVantage[observation.reference.vantage, default: 0] += 1
            if episode.sides[slot!].evidence.count < 4 {
                episode.sides[slot!].evidence.append(
                    Evidence(observation.reference, "\(group.routers[router].address) advertises as master"))
            }
        }
        open[groupIndex] = episode
        if !episode.reported, exceeds(episode, group) {
            report(episode, state: state, sink: sink)
            open[groupIndex]?.reported = true
        }
    }

    /// Counts a frame for the VIP (or routed through a router of the group) sent while the group's
    /// split brain is open.
    private func observeData(_ observation: Observation, state: AnalysisState) {
        let packet = observation.packet
        guard let ip = packet.ipv4, let destinationMAC = packet.destinationMAC, destinationMAC.isUnicast else { return }
        let destination = ip.destination
        guard !destination.isMulticast, destination != .broadcast else { return }
        let vips = state.virtualIPs
        let vlan = observation.vlan
        var groupIndex = vips.groupIndex(owningVIP: destination, vlan: vlan)
        var routed = false
        if groupIndex == nil || open[groupIndex!] == nil {
            guard !vips.isOnLink(destination, vlan: vlan),
                let member = vips.groupIndices(withMemberMAC: destinationMAC, vlan: vlan).first(where: { open[$0] != nil })
            else { return }
            groupIndex = member
            routed = true
        }
        guard let groupIndex, var episode = open[groupIndex] else { return }
        // The routers' own traffic (adverts aside: pings between them, pfsync) is not a host's.
        if let source = packet.sourceMAC, vips.groups[groupIndex].routerIndex(mac: source) != nil { return }
        let reference = observation.reference
        if let index = episode.flows.firstIndex(where: {
            $0.ip == ip.source && $0.mac == packet.sourceMAC && $0.destinationMAC == destinationMAC
        }) {
            episode.flows[index].byVantage[reference.vantage, default: 0] += 1
            if routed { episode.flows[index].routed += 1 }
        } else if episode.flows.count < Self.flowLimit {
            var flow = Flow(ip: ip.source, mac: packet.sourceMAC, destinationMAC: destinationMAC, first: reference)
            flow.byVantage[reference.vantage] = 1
            flow.routed = routed ? 1 : 0
            episode.flows.append(flow)
        } else {
            return
        }
        open[groupIndex] = episode
    }

    public func advance(to time: Timestamp, state: AnalysisState, sink: FindingSink) {
        guard !open.isEmpty else { return }
        for groupIndex in open.keys.sorted() where state.virtualIPs.groups[groupIndex].liveClaimers(at: time).count < 2 {
            close(groupIndex, state: state, sink: sink)
        }
    }

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        for groupIndex in open.keys.sorted() { close(groupIndex, state: state, sink: sink) }
    }

    private func exceeds(_ episode: Episode, _ group: VirtualIPGroup) -> Bool {
        guard episode.sides.count >= 2 else { return false }
        let interval = episode.sides.map { group.routers[$0.router].intervalNanoseconds }.max() ?? 1_000_000_000
        return Double(episode.last - episode.start) > configuration.minimumOverlap * Double(interval)
    }

    private func close(_ groupIndex: Int, state: AnalysisState, sink: FindingSink) {
        guard let episode = open.removeValue(forKey: groupIndex) else { return }
        if exceeds(episode, state.virtualIPs.groups[groupIndex]) { report(episode, state: state, sink: sink) }
    }

    private func report(_ episode: Episode, state: AnalysisState, sink: FindingSink) {
        let group = state.virtualIPs.groups[episode.group]
        let sides = episode.sides.sorted { group.prefers($0.router, over: $1.router) }
        let routers = sides.map { group.routers[$0.router] }
        // Which MACs answered ARP for the VIPs during the overlap.
        var answerers: [MACAddress] = []
        for vip in group.vips {
            for answerer in vip.answerers where answerer.last.time >= episode.start && answerer.first.time <= episode.last {
                if !answerers.contains(answerer.mac) { answerers.append(answerer.mac) }
            }
        }
        let duration = episode.last - episode.start
        let names = routers.map(\.label)
        var text = "\(VIPFormat.group(group)): \(VIPFormat.list(names)) all advertised as master for "
        if routers.count == 2 { text = "\(VIPFormat.group(group)): \(names[0]) and \(names[1]) both advertised as master for " }
        text += "\(VIPFormat.duration(duration)) (\(sides.map { String($0.adverts) }.joined(separator: " and ")) adverts)"
        let advertMACs = routers.compactMap(\.advertMAC)
        if Set(advertMACs).count > 1 { text += " from \(VIPFormat.list(advertMACs.map(\.description)))" }
        if !answerers.isEmpty { text += "; ARP for the VIP was answered by \(VIPFormat.list(answerers.map(\.description)))" }
        // Meanwhile, per destination MAC (in order of first use): which hosts sent there.
        var targets: [MACAddress] = []
        for flow in episode.flows where !targets.contains(flow.destinationMAC) { targets.append(flow.destinationMAC) }
        let perTarget = targets.map { mac -> String in
            let senders = episode.flows.filter { $0.destinationMAC == mac }.map { "\($0.ip) ×\($0.frames)" }
            return "\(mac) (\(VIPFormat.list(senders, limit: 4)))"
        }
        if !perTarget.isEmpty { text += "; meanwhile hosts sent the VIP's traffic to \(VIPFormat.list(perTarget))" }
        text += "."

        let sideDetails: [DetailValue] = zip(sides, routers).map { side, router in
            guard case .object(var object) = VIPFormat.routerDetail(router) else { return .null }
            object["adverts_during_overlap"] = .int(side.adverts)
            let own = Set(router.ownMACs + (router.advertMAC.map { [$0] } ?? []))
            object["answered_arp_with"] = .list(answerers.filter { own.contains($0) }.map { .string($0.description) })
            return .object(object)
        }
        var macs = Set(answerers)
        for router in routers { macs.formUnion(router.ownMACs) }
        var senderIPs: [String] = []
        for flow in episode.flows where !senderIPs.contains(flow.ip.description) { senderIPs.append(flow.ip.description) }
        let flowDetails: [DetailValue] = episode.flows.map { flow in
            .object([
                "ip": .string(flow.ip.description), "mac": flow.mac.map { .string($0.description) } ?? .null,
                "to_mac": .string(flow.destinationMAC.description), "frames": .int(flow.frames), "routed": .int(flow.routed),
                "first_s": VIPFormat.secondsValue(flow.first.time - episode.start),
            ])
        }
        var evidence = sides.flatMap(\.evidence)
        for flow in episode.flows.prefix(6) {
            evidence.append(Evidence(flow.first, "\(flow.ip) sends the VIP's traffic to \(flow.destinationMAC)"))
        }
        sink.emit(
            Finding(
                kind: Self.kind, severity: .critical, start: episode.start, end: episode.last, summary: text,
                ips: VIPFormat.vips(group) + routers.map(\.address.description) + senderIPs,
                macs: macs.filter(\.isUnicast).sorted().map(\.description), vlan: group.key.vlan,
                evidence: evidence,
                remedy: "Make the routers hear each other: protocol 112 / UDP 1985 multicast between them (firewall, "
                    + "IGMP snooping, VLAN/trunk, unicast_peer lists) and matching VRID, version and authentication.",
                key: "\(Self.kind.rawValue)|\(group.key.token)|\(episode.start.nanoseconds)",
                details: [
                    "group": .string(group.key.description), "overlap_s": VIPFormat.secondsValue(duration),
                    "routers": .list(sideDetails), "arp_answerers": .list(answerers.map { .string($0.description) }),
                    "vips": .list(VIPFormat.vips(group).map { .string($0) }), "senders": .list(flowDetails),
                ]))
    }

    /// The group key an advert observation belongs to.
    static func groupKey(_ observation: Observation) -> VirtualIPGroupKey? {
        let packet = observation.packet
        let ipv6 = packet.ipv6 != nil
        switch packet.transport {
        case .vrrp(let advert):
            return VirtualIPGroupKey(
                vlan: observation.vlan, protocol: .vrrp, group: UInt16(advert.vrid), ipv6: advert.addressFamily == .ipv6)
        case .carp(let advert):
            return VirtualIPGroupKey(vlan: observation.vlan, protocol: .carp, group: UInt16(advert.vhid), ipv6: ipv6)
        default:
            if case .hsrp(let message) = packet.application {
                return VirtualIPGroupKey(
                    vlan: observation.vlan, protocol: .hsrp, group: message.group, ipv6: message.ipVersion == 6)
            }
            return nil
        }
    }

    /// The advert's IP source.
    static func sourceAddress(_ observation: Observation) -> RouterAddress? {
        if let header = observation.packet.ipv4 { return .v4(header.source) }
        if let header = observation.packet.ipv6 { return .v6(header.source) }
        return nil
    }
}
