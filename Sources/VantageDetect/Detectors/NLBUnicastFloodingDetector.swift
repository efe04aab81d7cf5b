//  nlb.unicast_flooding: frames for a unicast-mode NLB cluster MAC (02:bf:a:b:c:d) captured at a
//  vantage point whose host has nothing to do with the cluster (protocols.md §6.1: no frame ever
//  carries the cluster MAC as its source, so no switch learns it and every frame to the cluster
//  is flooded to all ports of the VLAN).
//
//      client --(dst 02:bf:..)--> switch ==flood==> member 1, member 2, *bystander*
//
//  A vantage point counts as a bystander of a cluster when it saw frames to the cluster MAC but
//  not one unicast frame *from* a member (masked source 02:h:a:b:c:d to a unicast MAC): members
//  send those replies themselves, and the client they answer receives them, so only vantage
//  points of hosts outside the conversation miss them. (The capturing host's own MACs as
//  `VirtualIPGroups.vantageHost` guesses them are not used: on veth links frames are not padded,
//  so every host's short ARP looks "own" there.) A client whose frames to the cluster are never
//  answered would count as flooded at its own vantage point: the cluster is then dead anyway.
//  Heartbeats are not counted (they are small and part of NLB's design); the data plane is.
//  One finding per cluster: the same flooded frames reach every bystander, so each bystander
//  vantage point adds its evidence and counts to that one finding instead of a finding of its own.
//
//  Per frame: nothing until an NLB cluster is recognised (NLBClusters); then one compare on the
//  destination MAC's top 16 bits and one on the source MAC's first octets, and a lookup only for
//  frames that match; state is one small record per (vantage point, cluster MAC), capped.

import VantageCapture
import VantageState
import VantageWire

/// Reports IP frames to a unicast-mode NLB cluster MAC seen at vantage points of non-members,
/// with frame and byte rates.
public final class NLBUnicastFloodingDetector: ConfigurableDetector {
    /// The finding kind.
    public static let kind = FindingKind(rawValue: "nlb.unicast_flooding")

    /// The tunables (section `nlb.unicast_flooding`).
    public enum Tunables {
        /// Flooded frames needed at one vantage point.
        public static let minFrames = Tunable(
            "min_frames", unit: "frames", default: 10,
            "IP frames to a unicast cluster MAC needed at one non-member vantage point before it is reported")
        /// Cap on tracked (vantage point, cluster MAC) pairs.
        public static let maxPairs = Tunable(
            "max_pairs", unit: "pairs", default: 1024, "most (vantage point, cluster MAC) pairs tracked")
    }

    public static var descriptions: [KindDescription] {
        [
            KindDescription(
                kind: kind,
                meaning: "A Windows NLB cluster in unicast mode makes the switch flood every frame for the cluster "
                    + "to all ports of the VLAN: hosts that are not members receive (and drop) the cluster's "
                    + "traffic, which costs them bandwidth and CPU and can saturate slow ports.",
                rule: "IP frames whose destination MAC is the unicast cluster MAC 02:bf:a:b:c:d of a cluster "
                    + "recognised by nlb.cluster (counted from its first heartbeat or ARP on), captured at a "
                    + "vantage point that saw no unicast frame from any member of that cluster (masked source "
                    + "02:h:a:b:c:d): at least min_frames there. One finding per cluster names every such vantage "
                    + "point, with evidence from each; its frames and rates are the heaviest vantage point's (the same "
                    + "frames reach every bystander), per vantage point in details.by_vantage. Rates are frames and "
                    + "bytes over the time between the first and last flooded frame (at least 1 s). Needs Ethernet "
                    + "captures (Linux cooked captures keep no destination MAC).",
                severity: "warning",
                remedies: "Switch the cluster to IGMP multicast mode and enable IGMP snooping, or put the cluster in "
                    + "its own VLAN, or add a static MAC table entry for the cluster MAC limited to the members' "
                    + "ports.",
                tunables: [Tunables.minFrames, Tunables.maxPairs])
        ]
    }

    private struct PairKey: BoundedMapKey {
        var vantage: Int
        var vlan: UInt16
        var clusterMAC: MACAddress
    }

    private struct Flood {
        var first: FrameReference
        var last: FrameReference
        var frames = 0
        var bytes = 0
        var senders: [MACAddress: IPv4Address?] = [:]
        var evidence: [Evidence] = []
    }

    private struct InvolvedKey: Hashable {
        var vantage: Int
        var vlan: UInt16
        var clusterIP: IPv4Address
    }

    private let minFrames: Int
    private var floods: BoundedRecencyMap<PairKey, Flood>
    private var involved: Set<InvolvedKey> = []
    private var reported: [PairKey: Flood] = [:]

    public var interest: ObservationInterest { .ipData }

    /// Nothing until an NLB cluster is seen (clusters appear with heartbeats and ARP, never go).
    public func currentInterest(_ state: AnalysisState) -> ObservationInterest {
        state.nlbClusters.isEmpty ? [] : interest
    }

    public init(configuration: AnalysisConfiguration) {
        minFrames = max(1, Int(configuration.value(Tunables.minFrames, in: Self.kind.rawValue)))
        floods = BoundedRecencyMap(capacity: max(16, Int(configuration.value(Tunables.maxPairs, in: Self.kind.rawValue))))
    }

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        // No NLB cluster recognised (heartbeats, ARP): nothing to do (the usual network).
        guard !state.nlbClusters.isEmpty, case .ethernet(let ethernet) = observation.packet.link else { return }
        let destination = ethernet.destination
        if destination.rawValue >> 32 == 0x02BF {
            let clusterIP = IPv4Address(rawValue: UInt32(truncatingIfNeeded: destination.rawValue))
            if state.nlbClusters.cluster(ip: clusterIP, vlan: observation.vlan) != nil {
                count(observation, clusterMAC: destination)
            }
            return
        }
        // A member's own unicast frame (masked source 02:h:a:b:c:d, h in 1–32).
        let source = ethernet.source.rawValue
        guard source >> 40 == 0x02, (source >> 32) & 0xFF >= 1, (source >> 32) & 0xFF <= 32, destination.isUnicast else { return }
        let clusterIP = IPv4Address(rawValue: UInt32(truncatingIfNeeded: source))
        guard state.nlbClusters.cluster(ip: clusterIP, vlan: observation.vlan) != nil else { return }
        involved.insert(InvolvedKey(vantage: observation.reference.vantage, vlan: observation.vlan, clusterIP: clusterIP))
    }

    private func count(_ observation: Observation, clusterMAC: MACAddress) {
        let reference = observation.reference
        let key = PairKey(vantage: reference.vantage, vlan: observation.vlan, clusterMAC: clusterMAC)
        let packet = observation.packet
        let sender = packet.sourceMAC ?? .zero
        let senderIP = packet.ipv4?.source
        let length = observation.originalLength
        let (_, evicted) = floods.update(key, default: { Flood(first: reference, last: reference) }) { flood -> Bool in
            flood.frames += 1
            flood.bytes += length
            flood.last = reference
            if flood.senders.count < 8, flood.senders[sender] == nil { flood.senders[sender] = senderIP }
            if flood.evidence.count < 5 {
                flood.evidence.append(Evidence(reference, "frame from \(senderIP.map { "\($0)" } ?? "\(sender)") to cluster MAC \(clusterMAC)"))
            }
            return true
        }
        // An evicted pair is remembered in condensed form and judged at the end.
        if case let (evictedKey, flood)? = evicted, reported.count < 1024 { reported[evictedKey] = flood }
    }

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        var all = reported
        for (key, flood) in floods.entries { all[key] = flood }
        // One finding per cluster: every bystander vantage point that received its floods.
        var byCluster: [ClusterKey: [(vantage: Int, flood: Flood)]] = [:]
        for (key, flood) in all where isFlooded(key, flood) {
            byCluster[ClusterKey(vlan: key.vlan, clusterMAC: key.clusterMAC), default: []].append((key.vantage, flood))
        }
        for (cluster, bystanders) in byCluster.sorted(by: { ($0.key.vlan, $0.key.clusterMAC) < ($1.key.vlan, $1.key.clusterMAC) }) {
            report(cluster, bystanders.sorted { $0.vantage < $1.vantage }, state: state, sink: sink)
        }
    }

    private struct ClusterKey: Hashable {
        var vlan: UInt16
        var clusterMAC: MACAddress
    }

    private static func clusterIP(_ clusterMAC: MACAddress) -> IPv4Address {
        IPv4Address(rawValue: UInt32(truncatingIfNeeded: clusterMAC.rawValue))
    }

    /// Whether a vantage point's frames to the cluster MAC are floods: it is no member's, and
    /// enough of them arrived.
    private func isFlooded(_ key: PairKey, _ flood: Flood) -> Bool {
        let clusterIP = Self.clusterIP(key.clusterMAC)
        guard !involved.contains(InvolvedKey(vantage: key.vantage, vlan: key.vlan, clusterIP: clusterIP)) else { return false }
        return !flood.senders.isEmpty && flood.frames >= minFrames
    }

    /// Frames and bytes per second over a flood's span (at least 1 s).
    private static func rates(_ flood: Flood) -> (frames: Double, bytes: Double) {
        let seconds = Double(max(flood.last.time - flood.first.time, 1_000_000_000)) / 1e9
        return (Double(flood.frames) / seconds, Double(flood.bytes) / seconds)
    }

    private func report(_ cluster: ClusterKey, _ bystanders: [(vantage: Int, flood: Flood)], state: AnalysisState, sink: FindingSink) {
        guard let heaviest = bystanders.max(by: { $0.flood.frames < $1.flood.frames })?.flood else { return }
        let clusterIP = Self.clusterIP(cluster.clusterMAC)
        var senders: [MACAddress: IPv4Address?] = [:]
        for (_, flood) in bystanders { senders.merge(flood.senders) { first, _ in first } }
        let names = bystanders.map { state.vantageName($0.vantage) }
        let rate = Self.rates(heaviest)
        let first = bystanders.map(\.flood.first).min { $0.time < $1.time } ?? heaviest.first
        let last = bystanders.map(\.flood.last).max { $0.time < $1.time } ?? heaviest.last
        let senderText = senders.sorted { $0.key < $1.key }.map { mac, ip in ip.map { "\($0) (\(mac))" } ?? mac.description }
        let members = state.nlbClusters.cluster(ip: clusterIP, vlan: cluster.vlan)
            .map { " (members: \(DurationText.list($0.members.map(NLBClusterDetector.memberText))))" } ?? ""
        let reached = names.count == 1 ? "reached \(names[0]), which is not a member" : "reached \(DurationText.list(names)), which are not members"
        let summary =
            "\(heaviest.frames) frames (\(heaviest.bytes) bytes) for NLB unicast cluster \(clusterIP) (\(cluster.clusterMAC)) from "
            + "\(DurationText.list(senderText)) \(reached)\(members): the switch floods them, "
            + "\(DurationText.fixed(rate.frames, digits: 1)) frames/s and \(DurationText.fixed(rate.bytes, digits: 0)) "
            + "bytes/s over \(DurationText.seconds(heaviest.last.time - heaviest.first.time))"
        var evidence: [Evidence] = []
        var byVantage: [String: DetailValue] = [:]
        for (vantage, flood) in bystanders {
            evidence += flood.evidence
            if flood.evidence.last?.reference != flood.last { evidence.append(Evidence(flood.last, "last flooded frame")) }
            let rates = Self.rates(flood)
            byVantage[state.vantageName(vantage)] = .object([
                "frames": .int(flood.frames), "bytes": .int(flood.bytes),
                "frames_per_second": .double((rates.frames * 10).rounded() / 10), "bytes_per_second": .double(rates.bytes.rounded()),
            ])
        }
        sink.emit(
            Finding(
                kind: Self.kind, severity: .warning, start: first.time, end: last.time, summary: summary,
                ips: [clusterIP.description] + senders.values.compactMap { $0?.description },
                macs: [cluster.clusterMAC.description], vlan: cluster.vlan, evidence: evidence,
                remedy: "Switch the NLB cluster \(clusterIP) to IGMP multicast mode with IGMP snooping on the switch, "
                    + "or move it to its own VLAN, or pin \(cluster.clusterMAC) to the members' ports with a static MAC "
                    + "table entry, so that \(DurationText.list(names)) stop\(names.count == 1 ? "s" : "") receiving its traffic.",
                key: "\(Self.kind.rawValue)|\(cluster.vlan)|\(clusterIP)",
                details: [
                    "cluster_ip": .string(clusterIP.description),
                    "cluster_mac": .string(cluster.clusterMAC.description),
                    "vantages": .list(names.map { .string($0) }),
                    "frames": .int(heaviest.frames),
                    "bytes": .int(heaviest.bytes),
                    "frames_per_second": .double((rate.frames * 10).rounded() / 10),
                    "bytes_per_second": .double(rate.bytes.rounded()),
                    "by_vantage": .object(byVantage),
                    "senders": .list(senderText.map { .string($0) }),
                ]))
    }
}
