//  vip.split_brain: two (or more) routers advertise as master of one group at the same time.
//
//      A  ─●───●───●───●───●───●───●─       both claim the VIP; hosts follow whichever
//      B  ───●───●───●───●───●───●───       answered their last ARP
//            └──── overlap > minimum_overlap × interval ────┘
//
//  A short overlap is normal: at a keepalived cold start both nodes become master at about the
//  same time and the lower one yields on the first advert it hears (protocols.md §3.3); during a
//  preemption the old master sends at most one more advert. Reported when the overlap outlasts
//  `minimum_overlap` advert intervals, naming the MACs each side advertised and answered ARP with.

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
                    + "minimum_overlap times the longest advert interval among them.",
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
        var adverts = 0
        var evidence: [Evidence] = []
    }

    private struct Episode {
        var group: Int
        var start: Timestamp
        var last: Timestamp
        var sides: [Side] = []
        var reported = false
    }

    private let configuration: Configuration
    private var open: [Int: Episode] = [:]

    public var interest: ObservationInterest { .redundancy }

    public init(configuration: AnalysisConfiguration) {
        self.configuration = Configuration(configuration)
    }

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
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
            episode.sides[slot!].adverts += 1
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

    public func advance(to time: Timestamp, state: AnalysisState, sink: FindingSink) {
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
        sink.emit(
            Finding(
                kind: Self.kind, severity: .critical, start: episode.start, end: episode.last, summary: text,
                ips: VIPFormat.vips(group) + routers.map(\.address.description),
                macs: macs.filter(\.isUnicast).sorted().map(\.description), vlan: group.key.vlan,
                evidence: sides.flatMap(\.evidence),
                remedy: "Make the routers hear each other: protocol 112 / UDP 1985 multicast between them (firewall, "
                    + "IGMP snooping, VLAN/trunk, unicast_peer lists) and matching VRID, version and authentication.",
                key: "\(Self.kind.rawValue)|\(group.key.token)|\(episode.start.nanoseconds)",
                details: [
                    "group": .string(group.key.description), "overlap_s": VIPFormat.secondsValue(duration),
                    "routers": .list(sideDetails), "arp_answerers": .list(answerers.map { .string($0.description) }),
                    "vips": .list(VIPFormat.vips(group).map { .string($0) }),
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
