//  NLBClusters: the Windows NLB clusters seen on the wire (protocols.md §6), so that detectors
//  can tell NLB's deliberate oddities (a cluster MAC shared by every host, masked source MACs
//  02:h:a:b:c:d, ARP replies whose sender MAC is not the frame source) from real conflicts.
//
//  Fed by the analysis engine with NLB heartbeats (EtherType 0x886F) and ARP frames only.
//  What is learned, and from what:
//    cluster  (VLAN, cluster IP): from a heartbeat's cluster IP, or from an ARP frame whose
//             sender MAC is that IP's cluster MAC (unicast 02:bf:IP, multicast 03:bf:IP, IGMP
//             01:00:5e:7f:c:d with c.d the IP's last two octets)
//    modes    the cluster MAC each heartbeat is sent to, and the one ARP maps the IP to
//    members  heartbeats (host ID, dedicated IP, source MAC), and the masked source MACs of
//             unicast-mode ARP answers (host ID only)
//  Bounds: at most `Limits.clusters` clusters (further ones are counted, not tracked) and 32
//  members per cluster (NLB host IDs are 1–32).

import VantageCapture
import VantageWire

/// One host of an NLB cluster, as heartbeats and masked source MACs show it.
public struct NLBMember: Sendable, Hashable {
    /// Unique host ID (the host priority, 1–32).
    public var hostID: UInt32
    /// The host's dedicated IP (nil when only seen through a masked ARP answer).
    public var dedicatedIP: IPv4Address?
    /// The Ethernet source of its frames (masked 02:h:IP in unicast mode, the NIC MAC otherwise).
    public var sourceMAC: MACAddress
    /// Its first frame.
    public var first: FrameReference
    /// Its latest frame.
    public var last: FrameReference
    /// Heartbeats seen from it (over every vantage point).
    public var heartbeats: Int
}

/// A Windows NLB cluster: its IP, the modes (cluster MACs) in use, and its members.
public struct NLBCluster: Sendable {
    /// VLAN the cluster lives in (0 = untagged).
    public var vlan: UInt16
    /// The cluster (virtual) IP.
    public var clusterIP: IPv4Address
    /// The first frame that showed each mode, in ``NLBMode`` order (unicast, multicast, IGMP).
    public var modeEvidence: [NLBMode: FrameReference] = [:]
    /// The members, by host ID order of appearance (at most 32).
    public var members: [NLBMember] = []
    /// The first heartbeat, if any.
    public var firstHeartbeat: FrameReference?
    /// The first ARP frame mapping the cluster IP to a cluster MAC, if any.
    public var firstARP: FrameReference?
    /// First and latest frame time.
    public var first: Timestamp
    /// Latest frame time.
    public var last: Timestamp
    /// Heartbeats seen.
    public var heartbeats = 0
    /// ARP frames seen that map the cluster IP to a cluster MAC.
    public var arpFrames = 0
    /// Vantage points (indices) that saw the cluster's heartbeats or ARP.
    public var vantages: Set<Int> = []

    /// The modes seen, in a fixed order.
    public var modes: [NLBMode] { [.unicast, .multicast, .igmpMulticast].filter { modeEvidence[$0] != nil } }

    /// The member with `hostID`, if known.
    public func member(hostID: UInt32) -> NLBMember? { members.first { $0.hostID == hostID } }
}

/// The NLB engine: clusters keyed by (VLAN, cluster IP), bounded and deterministic.
public final class NLBClusters {
    /// Capacity limits.
    public struct Limits: Sendable, Hashable {
        /// Clusters tracked.
        public var clusters: Int
        /// A limit of `clusters` clusters.
        public init(clusters: Int = 256) { self.clusters = clusters }
    }

    private struct Key: Hashable {
        var vlan: UInt16
        var ip: IPv4Address
    }

    /// The limits.
    public let limits: Limits
    /// The clusters in order of first appearance.
    public private(set) var clusters: [NLBCluster] = []
    /// Clusters not tracked because ``Limits/clusters`` was reached.
    public private(set) var droppedClusters = 0
    /// Members not tracked because a cluster already had 32.
    public private(set) var droppedMembers = 0
    private var index: [Key: Int] = [:]

    /// An empty engine.
    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Whether any cluster is known (a cheap guard for per-frame callers).
    public var isEmpty: Bool { clusters.isEmpty }

    /// The cluster of `ip` in `vlan`, if `ip` is a known cluster IP.
    public func cluster(ip: IPv4Address, vlan: UInt16) -> NLBCluster? {
        guard !clusters.isEmpty, let slot = index[Key(vlan: vlan, ip: ip)] else { return nil }
        return clusters[slot]
    }

    /// Takes in one NLB heartbeat or ARP frame (other frames are ignored).
    public func observe(_ observation: Observation) {
        let packet = observation.packet
        switch packet.network {
        case .nlbHeartbeat(let heartbeat):
            guard let source = packet.sourceMAC else { return }
            guard let slot = slot(vlan: observation.vlan, ip: heartbeat.clusterIP, at: observation.reference) else { return }
            clusters[slot].heartbeats += 1
            if clusters[slot].firstHeartbeat == nil { clusters[slot].firstHeartbeat = observation.reference }
            if let destination = packet.destinationMAC,
                let match = NLBClusterMAC.classify(destination, clusterIP: heartbeat.clusterIP)
            {
                note(mode: match.mode, slot: slot, observation.reference)
            }
            addMember(
                slot: slot, hostID: heartbeat.uniqueHostID, dedicatedIP: heartbeat.dedicatedIP, source: source,
                heartbeat: true, observation.reference)
        case .arp(let arp):
            guard arp.isEthernetIPv4, let match = NLBClusterMAC.classify(arp.senderMAC, clusterIP: arp.senderIP) else { return }
            guard let slot = slot(vlan: observation.vlan, ip: arp.senderIP, at: observation.reference) else { return }
            clusters[slot].arpFrames += 1
            if clusters[slot].firstARP == nil { clusters[slot].firstARP = observation.reference }
            note(mode: match.mode, slot: slot, observation.reference)
            if match.mode == .unicast, let source = packet.sourceMAC,
                let masked = NLBClusterMAC.maskedSource(source, clusterIP: arp.senderIP)
            {
                addMember(
                    slot: slot, hostID: UInt32(masked.hostID), dedicatedIP: nil, source: source, heartbeat: false,
                    observation.reference)
            }
        default:
            return
        }
    }

    private func slot(vlan: UInt16, ip: IPv4Address, at reference: FrameReference) -> Int? {
        let key = Key(vlan: vlan, ip: ip)
        if let slot = index[key] {
            clusters[slot].last = max(clusters[slot].last, reference.time)
            clusters[slot].vantages.insert(reference.vantage)
            return slot
        }
        guard clusters.count < limits.clusters else {
            droppedClusters += 1
            return nil
        }
        var cluster = NLBCluster(vlan: vlan, clusterIP: ip, first: reference.time, last: reference.time)
        cluster.vantages.insert(reference.vantage)
        index[key] = clusters.count
        clusters.append(cluster)
        return clusters.count - 1
    }

    private func note(mode: NLBMode, slot: Int, _ reference: FrameReference) {
        if clusters[slot].modeEvidence[mode] == nil { clusters[slot].modeEvidence[mode] = reference }
    }

    private func addMember(
        slot: Int, hostID: UInt32, dedicatedIP: IPv4Address?, source: MACAddress, heartbeat: Bool,
        _ reference: FrameReference
    ) {
        // A member is one (host ID, dedicated IP) pair: two hosts claiming one host ID stay
        // apart so that detectors can report the clash.
        if let position = clusters[slot].members.firstIndex(where: {
            $0.hostID == hostID && ($0.dedicatedIP == dedicatedIP || dedicatedIP == nil || $0.dedicatedIP == nil)
        }) {
            var member = clusters[slot].members[position]
            if member.dedicatedIP == nil, let dedicatedIP { member.dedicatedIP = dedicatedIP }
            if heartbeat {
                member.heartbeats += 1
                member.sourceMAC = source
            }
            if reference.time >= member.last.time { member.last = reference }
            clusters[slot].members[position] = member
            return
        }
        guard clusters[slot].members.count < 32 else {
            droppedMembers += 1
            return
        }
        clusters[slot].members.append(
            NLBMember(
                hostID: hostID, dedicatedIP: dedicatedIP, sourceMAC: source, first: reference, last: reference,
                heartbeats: heartbeat ? 1 : 0))
    }
}
