//  nlb.cluster (info): a Windows NLB cluster recognised on the wire (protocols.md §6), so that its
//  deliberate oddities read as NLB and not as spoofing:
//
//    unicast    ARP: cluster IP is-at 02:bf:a:b:c:d, sent from masked 02:h:a:b:c:d
//    multicast  ARP: cluster IP is-at 03:bf:a:b:c:d, sent from the host's own NIC MAC
//    IGMP       ARP: cluster IP is-at 01:00:5e:7f:c:d (UNCONFIRMED mapping, see protocols.md)
//    heartbeat  EtherType 0x886F to the cluster MAC: host ID, cluster IP, dedicated IP
//
//  The facts live in `NLBClusters` (VantageState); this detector only reports them at the end
//  of the capture, so it costs nothing per frame.

import VantageCapture
import VantageState
import VantageWire

/// Reports each Windows NLB cluster seen: mode, cluster IP and MAC, member hosts, evidence.
public final class NLBClusterDetector: ConfigurableDetector {
    /// The finding kind.
    public static let kind = FindingKind(rawValue: "nlb.cluster")

    /// The tunables (section `nlb.cluster`).
    public enum Tunables {
        /// Frames (heartbeats + ARP answers with a cluster MAC) needed to report a cluster.
        public static let minFrames = Tunable(
            "min_frames", unit: "frames", default: 1,
            "heartbeats plus ARP frames mapping the IP to its cluster MAC needed before the cluster is reported")
    }

    public static var descriptions: [KindDescription] {
        [
            KindDescription(
                kind: kind,
                meaning: "A Windows Network Load Balancing cluster is on this network: several hosts share one "
                    + "cluster IP and a cluster MAC derived from it. Its shared MAC, masked source MACs and ARP "
                    + "replies sent in the cluster MAC's name are expected, not spoofing.",
                rule: "An NLB heartbeat (EtherType 0x886F) names the cluster IP, or an ARP frame maps an IP to its "
                    + "own cluster MAC (unicast 02:bf:a:b:c:d, multicast 03:bf:a:b:c:d, IGMP multicast "
                    + "01:00:5e:7f:c:d); at least min_frames such frames. Mode from the cluster MACs heartbeats are "
                    + "sent to and ARP maps the IP to; members from heartbeats (host ID, dedicated IP, source MAC) "
                    + "and the masked source MACs 02:h:a:b:c:d of unicast-mode ARP answers. arp.mac_mismatch, "
                    + "arp.duplicate_ip, neighbor.moved and arp.flip_flop stay quiet for the cluster IP.",
                severity: "info",
                remedies: "Nothing to do when the cluster is expected (declare it in allow.nlb_cluster_ips). Unicast "
                    + "mode floods every frame for the cluster to all switch ports (see nlb.unicast_flooding): "
                    + "prefer IGMP multicast mode with IGMP snooping, or a dedicated VLAN.",
                tunables: [Tunables.minFrames])
        ]
    }

    private let minFrames: Int

    public var interest: ObservationInterest { [] }

    public init(configuration: AnalysisConfiguration) {
        minFrames = max(1, Int(configuration.value(Tunables.minFrames, in: Self.kind.rawValue)))
    }

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {}

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        for cluster in state.nlbClusters.clusters where cluster.heartbeats + cluster.arpFrames >= minFrames {
            sink.emit(finding(cluster, state: state))
        }
    }

    /// `host 1 (10.0.0.11, 02:01:0a:00:00:64)`.
    static func memberText(_ member: NLBMember) -> String {
        let ip = member.dedicatedIP.map { "\($0), " } ?? ""
        return "host \(member.hostID) (\(ip)\(member.sourceMAC))"
    }

    /// `unicast`, `unicast and multicast`, or `unknown` (heartbeats to another MAC).
    static func modesText(_ cluster: NLBCluster) -> String {
        let modes = cluster.modes.map { $0 == .igmpMulticast ? "IGMP multicast" : $0.rawValue }
        return modes.isEmpty ? "unknown" : DurationText.list(modes)
    }

    private func finding(_ cluster: NLBCluster, state: AnalysisState) -> Finding {
        let macs = cluster.modes.map { NLBClusterMAC.mac(for: $0, clusterIP: cluster.clusterIP) }
        let members = cluster.members.sorted { ($0.hostID, $0.first) < ($1.hostID, $1.first) }
        let vantages = cluster.vantages.sorted().map(state.vantageName)
        var text = "Windows NLB \(Self.modesText(cluster))-mode cluster \(cluster.clusterIP)"
        if !macs.isEmpty { text += " (cluster MAC \(DurationText.list(macs.map(\.description))))" }
        text += members.isEmpty ? " with no member identified" : " with \(members.count) member\(members.count == 1 ? "" : "s"): "
        text += DurationText.list(members.map(Self.memberText))
        text += "; \(cluster.heartbeats) heartbeat\(cluster.heartbeats == 1 ? "" : "s") captured and \(cluster.arpFrames) ARP frame"
            + "\(cluster.arpFrames == 1 ? "" : "s") over \(DurationText.seconds(cluster.last - cluster.first))"
            + ", seen at \(DurationText.list(vantages))"
        var evidence: [Evidence] = []
        if let first = cluster.firstHeartbeat { evidence.append(Evidence(first, "first NLB heartbeat for \(cluster.clusterIP)")) }
        if let first = cluster.firstARP { evidence.append(Evidence(first, "first ARP mapping \(cluster.clusterIP) to its cluster MAC")) }
        for (mode, reference) in cluster.modeEvidence.sorted(by: { $0.value < $1.value }) {
            evidence.append(Evidence(reference, "first frame showing \(mode) mode"))
        }
        for member in members { evidence.append(Evidence(member.first, "first frame from \(Self.memberText(member))")) }
        var seen = Set<FrameReference>()
        evidence = evidence.filter { seen.insert($0.reference).inserted }
        let memberDetails: [DetailValue] = members.map { member in
            .object([
                "host_id": .int(Int(member.hostID)),
                "dedicated_ip": member.dedicatedIP.map { .string($0.description) } ?? .null,
                "source_mac": .string(member.sourceMAC.description),
                "heartbeats": .int(member.heartbeats),
                "first": .string(member.first.time.description),
                "last": .string(member.last.time.description),
            ])
        }
        return Finding(
            kind: Self.kind, severity: .info, start: cluster.first, end: cluster.last, summary: text,
            ips: [cluster.clusterIP.description] + members.compactMap { $0.dedicatedIP?.description },
            macs: macs.map(\.description) + members.map(\.sourceMAC.description), vlan: cluster.vlan, evidence: evidence,
            remedy: "Nothing to do if this cluster is expected; list \(cluster.clusterIP) in allow.nlb_cluster_ips. "
                + (cluster.modes.contains(.unicast)
                    ? "Unicast mode makes the switch flood every frame for \(cluster.clusterIP) to all ports of the VLAN: "
                        + "prefer IGMP multicast mode with IGMP snooping, or keep the cluster in its own VLAN."
                    : "Multicast modes need a static ARP entry on routers that refuse a multicast MAC for a unicast IP."),
            key: "\(Self.kind.rawValue)|\(cluster.vlan)|\(cluster.clusterIP)",
            details: [
                "cluster_ip": .string(cluster.clusterIP.description),
                "modes": .list(cluster.modes.map { .string($0.rawValue) }),
                "cluster_macs": .list(macs.map { .string($0.description) }),
                "members": .list(memberDetails),
                "heartbeats": .int(cluster.heartbeats),
                "arp_frames": .int(cluster.arpFrames),
                "vantages": .list(vantages.map { .string($0) }),
            ])
    }
}
