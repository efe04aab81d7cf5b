//  nlb.member_conflict: the hosts of a Windows NLB cluster disagree about how the cluster IP is
//  reached (seed 002: nodes misconfigured after a simultaneous live migration):
//
//    own MAC      an ARP frame says "cluster IP is-at <MAC>" where <MAC> is not one of the IP's
//                 cluster MACs (02:bf / 03:bf / 01:00:5e:7f): a member answering with its NIC MAC,
//                 so the hosts that take it send the whole cluster's traffic to one host
//    two modes    the cluster IP is mapped to, or heartbeats go to, cluster MACs of two modes
//                 (e.g. 02:bf and 03:bf): two clusters claim one IP
//    host ID      two members (different dedicated IPs) send heartbeats with one host ID
//
//  Only ARP frames for known clusters (NLBClusters) are looked at; the rest is read from the
//  NLB state at the end of the capture.

import VantageCapture
import VantageState
import VantageWire

/// Reports NLB members answering for the cluster IP with their own MAC, two cluster modes for one
/// IP, and two members sharing a host ID.
public final class NLBMemberConflictDetector: ConfigurableDetector {
    /// The finding kind.
    public static let kind = FindingKind(rawValue: "nlb.member_conflict")

    /// The tunables (section `nlb.member_conflict`).
    public enum Tunables {
        /// ARP frames with a non-cluster MAC needed to report a member.
        public static let minFrames = Tunable(
            "min_frames", unit: "frames", default: 1,
            "ARP frames mapping the cluster IP to a MAC that is not a cluster MAC before they are reported")
        /// Cap on tracked (cluster IP, MAC, frame source) answers.
        public static let maxAnswers = Tunable(
            "max_answers", unit: "answers", default: 256, "most (cluster IP, MAC, frame source) answers tracked")
    }

    public static var descriptions: [KindDescription] {
        [
            KindDescription(
                kind: kind,
                meaning: "The hosts of a Windows NLB cluster disagree on how its cluster IP is reached: a member "
                    + "answers ARP for the cluster IP with its own MAC (the hosts that believe it send every "
                    + "connection to that one host, or to a host that drops them), two cluster MACs of different "
                    + "modes claim one IP (two clusters, typically after a live migration re-created one), or two "
                    + "members share one host ID (the cluster cannot converge).",
                rule: "For a cluster seen on the wire (nlb.cluster): an ARP frame (not a probe) with sender IP = the "
                    + "cluster IP and a unicast sender MAC that is none of the IP's cluster MACs, at least "
                    + "min_frames times per (IP, MAC, frame source); or cluster MACs of two modes (unicast 02:bf, "
                    + "multicast 03:bf, IGMP 01:00:5e:7f) in heartbeats or ARP for one cluster IP; or heartbeats "
                    + "from two dedicated IPs with one host ID.",
                severity: "critical for a member answering with its own MAC and for two modes (clients are "
                    + "sent past the cluster); warning for a shared host ID",
                remedies: "Open the NLB properties of the host named (NLB Manager, or Get-NlbClusterNode) and apply "
                    + "them again (seed 002: 'OK' on the cluster properties re-applies the cluster MAC); make "
                    + "every node use one cluster operation mode; give each node a unique host priority; enable MAC "
                    + "address spoofing on the Hyper-V vNICs; clear the ARP caches of routers that learned the "
                    + "wrong MAC.",
                tunables: [Tunables.minFrames, Tunables.maxAnswers])
        ]
    }

    private struct AnswerKey: BoundedMapKey {
        var vlan: UInt16
        var clusterIP: IPv4Address
        var mac: MACAddress
        var source: MACAddress
    }

    private struct Answer {
        var first: FrameReference
        var last: FrameReference
        var count = 0
        var evidence: [Evidence] = []
    }

    private let minFrames: Int
    private var answers: BoundedRecencyMap<AnswerKey, Answer>
    /// MAC → the address it answers ARP for as itself (source = sender MAC), to name a member by
    /// its dedicated IP when it answers for the cluster with its NIC MAC.
    private var identities = BoundedRecencyMap<MACAddress, IPv4Address>(capacity: 4096)

    public var interest: ObservationInterest { .arp }

    public init(configuration: AnalysisConfiguration) {
        minFrames = max(1, Int(configuration.value(Tunables.minFrames, in: Self.kind.rawValue)))
        answers = BoundedRecencyMap(
            capacity: max(16, Int(configuration.value(Tunables.maxAnswers, in: Self.kind.rawValue))))
    }

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        guard !state.nlbClusters.isEmpty, case .arp(let arp) = observation.packet.network, arp.isEthernetIPv4,
            arp.senderMAC.isUnicast, !arp.senderIP.isUnspecified
        else { return }
        let source = observation.packet.sourceMAC ?? arp.senderMAC
        guard state.nlbClusters.cluster(ip: arp.senderIP, vlan: observation.vlan) != nil,
            NLBClusterMAC.classify(arp.senderMAC, clusterIP: arp.senderIP) == nil
        else {
            if source == arp.senderMAC { identities.set(arp.senderMAC, arp.senderIP) }
            return
        }
        let key = AnswerKey(vlan: observation.vlan, clusterIP: arp.senderIP, mac: arp.senderMAC, source: source)
        let reference = observation.reference
        let note = "\(arp.variant) \(arp.senderIP) is-at \(arp.senderMAC) (not a cluster MAC), from \(source)"
        let (_, evicted) = answers.update(key, default: { Answer(first: reference, last: reference) }) { answer -> Bool in
            answer.count += 1
            answer.last = reference
            if answer.evidence.count < 8 { answer.evidence.append(Evidence(reference, note)) }
            return true
        }
        if case let (evictedKey, answer)? = evicted { report(evictedKey, answer, state: state, sink: sink) }
    }

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        for (key, answer) in answers.entries { report(key, answer, state: state, sink: sink) }
        for cluster in state.nlbClusters.clusters {
            if cluster.modes.count > 1 { reportModes(cluster, state: state, sink: sink) }
            reportSharedHostIDs(cluster, state: state, sink: sink)
        }
    }

    private func report(_ key: AnswerKey, _ answer: Answer, state: AnalysisState, sink: FindingSink) {
        guard answer.count >= minFrames, let cluster = state.nlbClusters.cluster(ip: key.clusterIP, vlan: key.vlan) else { return }
        // Name the host: a member whose heartbeats come from that MAC or frame source, or the host ID
        // in a masked source.
        let identity = identities[key.mac]
        let member =
            cluster.members.first { $0.sourceMAC == key.mac || $0.sourceMAC == key.source }
            ?? identity.flatMap { ip in cluster.members.first { $0.dedicatedIP == ip } }
        let masked = NLBClusterMAC.maskedSource(key.source, clusterIP: key.clusterIP)
        let host =
            member.map { "member \(NLBClusterDetector.memberText($0))" }
            ?? masked.map { "member host \($0.hostID) (masked source \(key.source))" } ?? "the host at \(key.source)"
        let expected = cluster.modes.map { NLBClusterMAC.mac(for: $0, clusterIP: key.clusterIP).description }
        let expectedText = expected.isEmpty ? "its cluster MAC" : "its cluster MAC \(DurationText.list(expected))"
        let summary =
            "\(host) answers for NLB cluster IP \(key.clusterIP) with \(key.mac) instead of \(expectedText): "
            + "\(DurationText.times(answer.count)) from \(NeighborText.frame(answer.first, state))"
            + "; hosts that take this answer send every connection for \(key.clusterIP) to that one host"
        sink.emit(
            Finding(
                kind: Self.kind, severity: .critical, start: answer.first.time, end: answer.last.time, summary: summary,
                ips: [key.clusterIP.description] + (member?.dedicatedIP.map { [$0.description] } ?? []),
                macs: Array(Set([key.mac.description, key.source.description])).sorted() + expected, vlan: key.vlan,
                evidence: answer.evidence,
                remedy: "Re-apply the NLB configuration on \(host) (NLB Manager host properties, OK) so it answers "
                    + "with the cluster MAC again; enable MAC address spoofing on its Hyper-V vNIC; then clear the "
                    + "ARP entry for \(key.clusterIP) on routers and clients that learned \(key.mac).",
                key: "\(Self.kind.rawValue)|own_mac|\(key.vlan)|\(key.clusterIP)|\(key.mac)|\(key.source)",
                causedBy: [],
                details: [
                    "conflict": .string("own_mac"),
                    "cluster_ip": .string(key.clusterIP.description),
                    "answered_mac": .string(key.mac.description),
                    "frame_source": .string(key.source.description),
                    "host_id": (member.map { Int($0.hostID) } ?? masked.map { Int($0.hostID) }).map { .int($0) } ?? .null,
                    "count": .int(answer.count),
                    "expected_macs": .list(expected.map { .string($0) }),
                ]))
    }

    private func reportModes(_ cluster: NLBCluster, state: AnalysisState, sink: FindingSink) {
        let modes = cluster.modes
        let macs = modes.map { NLBClusterMAC.mac(for: $0, clusterIP: cluster.clusterIP).description }
        let references = modes.compactMap { cluster.modeEvidence[$0] }
        let parts = zip(modes, references).map { "\($0.0) (\(NLBClusterMAC.mac(for: $0.0, clusterIP: cluster.clusterIP)), first at \(NeighborText.frame($0.1, state)))" }
        let summary = "Two NLB clusters claim \(cluster.clusterIP): the IP is reached through cluster MACs of "
            + "\(modes.count) modes, \(DurationText.list(parts)); hosts are split between them"
        sink.emit(
            Finding(
                kind: Self.kind, severity: .critical, start: references.min()?.time ?? cluster.first, end: cluster.last,
                summary: summary, ips: [cluster.clusterIP.description], macs: macs, vlan: cluster.vlan,
                evidence: zip(modes, references).map { Evidence($0.1, "first frame with the \($0.0)-mode cluster MAC") },
                remedy: "Set one cluster operation mode (unicast, multicast or IGMP multicast) on every node of the "
                    + "\(cluster.clusterIP) cluster, then clear the ARP caches of the routers on the VLAN.",
                key: "\(Self.kind.rawValue)|modes|\(cluster.vlan)|\(cluster.clusterIP)",
                details: [
                    "conflict": .string("two_modes"),
                    "cluster_ip": .string(cluster.clusterIP.description),
                    "modes": .list(modes.map { .string($0.rawValue) }),
                    "cluster_macs": .list(macs.map { .string($0) }),
                ]))
    }

    private func reportSharedHostIDs(_ cluster: NLBCluster, state: AnalysisState, sink: FindingSink) {
        var byID: [UInt32: [NLBMember]] = [:]
        for member in cluster.members where member.heartbeats > 0 && member.dedicatedIP != nil {
            byID[member.hostID, default: []].append(member)
        }
        for (hostID, members) in byID.sorted(by: { $0.key < $1.key }) where members.count > 1 {
            let names = members.map { NLBClusterDetector.memberText($0) }
            sink.emit(
                Finding(
                    kind: Self.kind, severity: .warning, start: members.map(\.first.time).min() ?? cluster.first,
                    end: cluster.last,
                    summary: "NLB cluster \(cluster.clusterIP): \(members.count) hosts send heartbeats with host ID "
                        + "\(hostID): \(DurationText.list(names)); the cluster cannot converge while host IDs clash",
                    ips: [cluster.clusterIP.description] + members.compactMap { $0.dedicatedIP?.description },
                    macs: members.map(\.sourceMAC.description), vlan: cluster.vlan,
                    evidence: members.map { Evidence($0.first, "heartbeat from \(NLBClusterDetector.memberText($0))") },
                    remedy: "Give each node of the \(cluster.clusterIP) cluster a unique host priority (NLB Manager, "
                        + "host properties).",
                    key: "\(Self.kind.rawValue)|host_id|\(cluster.vlan)|\(cluster.clusterIP)|\(hostID)",
                    details: [
                        "conflict": .string("shared_host_id"),
                        "cluster_ip": .string(cluster.clusterIP.description),
                        "host_id": .int(Int(hostID)),
                        "dedicated_ips": .list(members.compactMap { $0.dedicatedIP.map { .string($0.description) } }),
                    ]))
        }
    }
}
