//  arp.mac_mismatch: the Ethernet source of an ARP frame is not the ARP sender hardware address
//  (the decoder's `PacketAnomalies.arpSenderMACMismatch`).
//
//      Ethernet  src 02:00:00:00:00:66  ─┐
//      ARP       SHA 02:00:00:00:00:14  ─┴─ differ: who really sent "10.0.0.20 is-at ..:14"?
//
//  Explained, and therefore not reported (landscape.md §1: addrwatch disables this check because
//  of Windows NLB; arpwatch and Zeek report or drop these frames):
//    * Windows NLB unicast mode (protocols.md §6.1): SHA = cluster MAC 02:bf:a:b:c:d, frame source
//      masked to 02:h:a:b:c:d; more generally any SHA in `VirtualMACRanges` (VRRP/CARP/HSRP/NLB);
//    * a frame source masked for a configured NLB cluster IP;
//    * any NLB cluster MAC of the sender IP (IGMP mode 01:00:5e:7f:c:d included), and the cluster
//      IP of an NLB cluster seen on the wire (`NLBClusters`; nlb.member_conflict judges those);
//    * SHA or frame source in the configuration's `knownVirtualMACs` or `proxyARPRouters`;
//    * sender IPs in `ignoredIPs`.
//  One finding per (VLAN, sender IP, sender MAC, frame source), with counts; reported when first
//  seen and updated (same key) at the end of the capture or when its entry is evicted.

import VantageCapture
import VantageState
import VantageWire

/// Reports ARP frames whose Ethernet source differs from the ARP sender MAC, unless NLB masking,
/// a virtual MAC, a proxy-ARP router or an allow-listed MAC explains it.
public final class ARPMACMismatchDetector: ConfigurableDetector {
    /// The finding kind.
    public static let kind = FindingKind(rawValue: "arp.mac_mismatch")

    /// The tunables (section `arp.mac_mismatch`).
    public enum Tunables {
        /// Cap on tracked (sender, frame source) pairs.
        public static let maxPairs = Tunable(
            "max_pairs", unit: "pairs", default: 4096,
            "most (sender IP, sender MAC, frame source) pairs tracked; the least recently seen are reported and evicted")

        static let all = [maxPairs]
    }

    /// The thresholds, read from the analysis configuration.
    public struct Configuration: Sendable {
        /// ``Tunables/maxPairs``.
        public var maxPairs: Int

        /// The values under `arp.mac_mismatch`, defaults where not set.
        public init(_ configuration: AnalysisConfiguration) {
            maxPairs = max(16, Int(configuration.value(Tunables.maxPairs, in: ARPMACMismatchDetector.kind.rawValue)))
        }
    }

    public static var descriptions: [KindDescription] {
        [
            KindDescription(
                kind: kind,
                meaning: "An ARP frame's Ethernet source is not the MAC the ARP message claims as its sender: some "
                    + "host sends ARP in another MAC's name (ARP spoofing), or relays it (bridge, proxy) without "
                    + "being declared.",
                rule: "Ethernet source != ARP sender hardware address, except Windows NLB unicast masking (frame "
                    + "source 02:h:a:b:c:d with sender 02:bf:a:b:c:d), any well-known virtual sender MAC "
                    + "(VRRP/CARP/HSRP/NLB ranges), the sender IP's NLB IGMP-mode MAC 01:00:5e:7f:c:d, the cluster IPs of NLB clusters seen on the wire (nlb.member_conflict judges those), and MACs in allow.virtual_macs or allow.proxy_arp_routers. One "
                    + "finding per (VLAN, sender IP, sender MAC, frame source) with counts.",
                severity: "warning",
                remedies: "Find the port where the frame source MAC is learned (switch MAC table) and what runs "
                    + "there; if it is a legitimate proxy-ARP router or load balancer, add it to "
                    + "allow.proxy_arp_routers or allow.virtual_macs; otherwise treat it as ARP spoofing (dynamic ARP "
                    + "inspection, port security).",
                tunables: Tunables.all)
        ]
    }

    private struct PairKey: BoundedMapKey {
        var vlan: UInt16
        var senderIP: IPv4Address
        var senderMAC: MACAddress
        var frameSource: MACAddress
    }

    private struct Pair {
        var first: Timestamp
        var last: Timestamp
        var count = 0
        var requests = 0
        var replies = 0
        var byVantage: [Int: Int] = [:]
        var evidence: [Evidence] = []
        var lastEvidence: Evidence?

        static let evidenceLimit = 12
    }

    private let configuration: AnalysisConfiguration
    private var pairs: BoundedRecencyMap<PairKey, Pair>
    /// MAC → IPv4 address, from ARP frames whose source and sender agree (who a MAC is).
    private var identities = BoundedRecencyMap<MACAddress, IPv4Address>(capacity: 16384)

    /// Pairs evicted (and reported early) because the pair map was full.
    public var pairEvictions: Int { pairs.evictions }

    /// Entries evicted from each capped map so far.
    public var evictions: [String: Int] { ["pairs": pairs.evictions, "identities": identities.evictions] }

    public var interest: ObservationInterest { .arp }

    public init(configuration: AnalysisConfiguration) {
        self.configuration = configuration
        pairs = BoundedRecencyMap(capacity: Configuration(configuration).maxPairs)
    }

    /// Whether something other than spoofing explains an ARP sender `sha` sent from `source`.
    func isExplained(
        senderMAC sha: MACAddress, senderIP: IPv4Address, frameSource source: MACAddress, vlan: UInt16 = 0,
        nlb: NLBClusters? = nil
    ) -> Bool {
        if configuration.ignoredIPs.contains(senderIP) { return true }
        // NLB: the sender MAC is the sender IP's own cluster MAC in any mode (IGMP mode maps the
        // cluster IP to 01:00:5e:7f:c:d), or the sender IP is the cluster IP of a cluster seen on
        // the wire (nlb.member_conflict reports a member answering for it with the wrong MAC).
        if NLBClusterMAC.classify(sha, clusterIP: senderIP) != nil { return true }
        if let nlb, !nlb.isEmpty, nlb.cluster(ip: senderIP, vlan: vlan) != nil { return true }
        if configuration.isKnownVirtualMAC(sha) || configuration.knownVirtualMACs.contains(source) { return true }
        if configuration.proxyARPRouters.contains(source) || configuration.proxyARPRouters.contains(sha) { return true }
        // NLB unicast masking for a declared cluster: 02:h:a:b:c:d for cluster a.b.c.d.
        for cluster in configuration.nlbClusterIPs where NLBClusterMAC.maskedSource(source, clusterIP: cluster) != nil {
            if sha == NLBClusterMAC.unicastMAC(clusterIP: cluster) || senderIP == cluster { return true }
        }
        return false
    }

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        // Fields read in place: `let packet = observation.packet` would copy ~560 bytes per ARP frame.
        guard let arp = observation.packet.arp, arp.isEthernetIPv4, let source = observation.sourceMAC else { return }
        guard observation.packet.anomalies.contains(.arpSenderMACMismatch) else {
            if !arp.senderIP.isUnspecified, arp.senderMAC.isUnicast { identities.set(arp.senderMAC, arp.senderIP) }
            return
        }
        guard
            !isExplained(
                senderMAC: arp.senderMAC, senderIP: arp.senderIP, frameSource: source, vlan: observation.vlan,
                nlb: state.nlbClusters)
        else { return }
        let key = PairKey(vlan: observation.vlan, senderIP: arp.senderIP, senderMAC: arp.senderMAC, frameSource: source)
        let reference = observation.reference
        let isRequest = arp.operation == .request
        let note = "\(arp.variant) \(arp.senderIP) is-at \(arp.senderMAC) sent from \(source) at \(state.vantageName(reference.vantage))"
        let (isNew, evicted) = pairs.update(key, default: { Pair(first: reference.time, last: reference.time) }) { pair -> Bool in
            pair.count += 1
            pair.last = reference.time
            if isRequest { pair.requests += 1 } else { pair.replies += 1 }
            pair.byVantage[reference.vantage, default: 0] += 1
            let evidence = Evidence(reference, note)
            if pair.evidence.count < Pair.evidenceLimit { pair.evidence.append(evidence) } else { pair.lastEvidence = evidence }
            return pair.count == 1
        }
        if case let (evictedKey, pair)? = evicted { emit(evictedKey, pair, state: state, sink: sink) }
        if isNew, let pair = pairs[key] { emit(key, pair, state: state, sink: sink) }
    }

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        for (key, pair) in pairs.entries { emit(key, pair, state: state, sink: sink) }
    }

    private func emit(_ key: PairKey, _ pair: Pair, state: AnalysisState, sink: FindingSink) {
        let vantages = DurationText.list(pair.byVantage.keys.sorted().map(state.vantageName))
        let sourceIdentity = identities[key.frameSource].map { " (\($0)'s MAC)" } ?? ""
        let senderIdentity = identities[key.senderMAC].flatMap { $0 == key.senderIP ? nil : " (\($0)'s MAC)" } ?? ""
        let what: String =
            switch (pair.requests, pair.replies) {
            case (_, 0): "ARP requests"
            case (0, _): "ARP replies"
            default: "ARP requests and replies"
            }
        var text = "\(what) saying \(key.senderIP) is at \(key.senderMAC)\(senderIdentity) were sent from \(key.frameSource)"
            + "\(sourceIdentity): \(DurationText.times(pair.count)) at \(vantages)"
        if pair.count > 1 { text += " over \(DurationText.seconds(pair.last - pair.first))" }
        text += "; the host with \(key.frameSource) speaks ARP in another MAC's name (spoofing), or relays it as an undeclared proxy or bridge"
        var perVantage: [String: DetailValue] = [:]
        for (vantage, count) in pair.byVantage { perVantage[state.vantageName(vantage)] = .int(count) }
        var evidence = pair.evidence
        if let last = pair.lastEvidence { evidence.append(last) }
        sink.emit(
            Finding(
                kind: Self.kind, severity: .warning, start: pair.first, end: pair.last, summary: text,
                ips: [key.senderIP.description], macs: [key.senderMAC.description, key.frameSource.description],
                vlan: key.vlan, evidence: evidence,
                remedy: "Find the switch port where \(key.frameSource) is learned and what runs there. If it is a "
                    + "proxy-ARP router or load balancer, add \(key.frameSource) to allow.proxy_arp_routers (or "
                    + "allow.virtual_macs); otherwise treat it as ARP spoofing of \(key.senderIP): enable dynamic ARP "
                    + "inspection / port security and check the neighbour tables (`ip neigh`) of hosts that talk to "
                    + "\(key.senderIP).",
                key: "\(Self.kind.rawValue)|\(key.vlan)|\(key.senderIP)|\(key.senderMAC)|\(key.frameSource)",
                details: [
                    "sender_ip": .string(key.senderIP.description),
                    "sender_mac": .string(key.senderMAC.description),
                    "frame_source": .string(key.frameSource.description),
                    "frame_source_ip": identities[key.frameSource].map { .string($0.description) } ?? .null,
                    "count": .int(pair.count),
                    "requests": .int(pair.requests),
                    "replies": .int(pair.replies),
                    "per_vantage": .object(perVantage),
                    "first": .string(pair.first.description),
                    "last": .string(pair.last.description),
                ]))
    }
}
