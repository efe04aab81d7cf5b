//  vip.config_mismatch: the routers of one group are not configured alike, or the group flaps.
//
//    peers disagree   VRRP: version, advert interval, auth type or password, VIP list (count and
//                     an order-independent digest of the addresses); HSRP: version, hello / hold
//                     time, authentication, VIP
//    TTL ≠ 255        VRRP / CARP adverts must leave with TTL (hop limit) 255; receivers drop others
//    two owners       two routers advertise priority 255 (both claim to own the addresses)
//    flapping         `flap_count` master changes within `flap_window` (a preemption loop)
//
//  CARP peers are not compared on advbase / advskew: in CARP those *are* the election (the more
//  frequent advertiser wins), so they differ by design. Each issue is reported once per group and
//  pair of routers; flapping is one finding per group whose window grows.

import VantageCapture
import VantageState
import VantageWire

/// Reports configuration disagreements inside a virtual-IP group, bad TTLs, duplicate owners and
/// preemption loops (warning).
public final class VIPConfigMismatchDetector: ConfigurableDetector {
    /// The finding kind.
    public static let kind = FindingKind(rawValue: "vip.config_mismatch")

    /// The tunables (section `vip.config_mismatch`).
    public enum Tunables {
        /// Master changes within the window that make a loop.
        public static let flapCount = Tunable(
            "flap_count", unit: "changes", default: 4,
            "report a preemption loop when the master changes at least this many times within flap_window")
        /// The window for flap counting.
        public static let flapWindow = Tunable(
            "flap_window", unit: "s", default: 60, "the window in which flap_count master changes make a loop")

        static let all = [flapCount, flapWindow]
    }

    /// The thresholds, read from the analysis configuration.
    public struct Configuration: Sendable {
        /// ``Tunables/flapCount``.
        public var flapCount: Int
        /// ``Tunables/flapWindow`` in ns.
        public var flapWindow: Int64

        /// The values under `vip.config_mismatch`, defaults where not set.
        public init(_ configuration: AnalysisConfiguration) {
            let section = VIPConfigMismatchDetector.kind.rawValue
            flapCount = max(2, Int(configuration.value(Tunables.flapCount, in: section)))
            flapWindow = max(0, configuration.nanoseconds(Tunables.flapWindow, in: section))
        }
    }

    public static var descriptions: [KindDescription] {
        [
            KindDescription(
                kind: kind,
                meaning: "The routers of one virtual router are configured differently (they may ignore each "
                    + "other's adverts and both become master), send adverts receivers must drop, both claim to "
                    + "own the addresses, or keep taking the role from each other.",
                rule: "Within one (VLAN, protocol, group): VRRP peers differ in version, advert interval, auth type "
                    + "or password, or listed addresses (count or set); HSRP peers differ in version, hello or hold "
                    + "time, authentication or VIP; a VRRP/CARP advert arrives with TTL / hop limit other than 255; "
                    + "two routers advertise priority 255; or the master changes flap_count times within flap_window.",
                severity: "warning",
                remedies: "Make the instances identical apart from priority (keepalived: virtual_router_id, "
                    + "advert_int, vrrp_version, authentication, virtual_ipaddress; HSRP: standby timers/authentication); "
                    + "send adverts with TTL 255 (or set min_ttl/max_ttl for unicast peers); give only the address "
                    + "owner priority 255; for a loop, find what toggles priority (track scripts, nopreempt, "
                    + "preempt_delay) or flapping links.",
                tunables: Tunables.all)
        ]
    }

    private let configuration: Configuration
    private var reported: Set<String> = []
    private var flapReportedAt: [Int: Int] = [:]

    public var interest: ObservationInterest { .redundancy }

    public init(configuration: AnalysisConfiguration) {
        self.configuration = Configuration(configuration)
    }

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        guard let key = VIPSplitBrainDetector.groupKey(observation), let groupIndex = state.virtualIPs.groupIndex(key),
            let source = VIPSplitBrainDetector.sourceAddress(observation)
        else { return }
        let group = state.virtualIPs.groups[groupIndex]
        guard let routerIndex = group.routerIndex(address: source), group.routers[routerIndex].lastAdvert == observation.reference
        else { return }
        let router = group.routers[routerIndex]

        if observation.packet.anomalies.contains(.redundancyTTLNot255), let ttl = router.lastBadTTL {
            emit(
                "ttl", group: group, routers: [router], sink: sink,
                text: "\(VIPFormat.group(group)): \(router.label) sends adverts with TTL \(ttl), not 255: receivers "
                    + "following the RFC drop them and may become master too.",
                details: ["ttl": .int(Int(ttl))], evidence: [Evidence(observation.reference, "advert with TTL \(ttl)")])
        }

        for peerIndex in group.advertisers where peerIndex != routerIndex {
            let peer = group.routers[peerIndex]
            guard peer.lastAdvert != nil, router.resignedAt != router.lastAdvert, peer.resignedAt != peer.lastAdvert
            else { continue }
            for (issue, text, details) in Self.differences(router, peer, protocol: group.key.redundancyProtocol) {
                emit(
                    issue, group: group, routers: [router, peer], sink: sink,
                    text: "\(VIPFormat.group(group)): \(router.address) and \(peer.address) disagree on \(text).",
                    details: details, evidence: Self.evidence(router, peer))
            }
            if group.key.redundancyProtocol == .vrrp, router.priority == 255, peer.priority == 255 {
                emit(
                    "owners", group: group, routers: [router, peer], sink: sink,
                    text: "\(VIPFormat.group(group)): \(router.address) and \(peer.address) both advertise priority 255 "
                        + "(address owner): both claim to own the VIP.",
                    details: [:], evidence: Self.evidence(router, peer))
            }
        }
        checkFlapping(groupIndex, group, at: observation.time, evidence: observation.reference, sink: sink)
    }

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {}

    /// The fields on which two routers of one group disagree: (issue, text, details).
    static func differences(_ a: VirtualRouter, _ b: VirtualRouter, protocol redundancyProtocol: RedundancyProtocol)
        -> [(String, String, [String: DetailValue])]
    {
        var found: [(String, String, [String: DetailValue])] = []
        func pair(_ x: String, _ y: String) -> [String: DetailValue] {
            ["values": .list([.string(x), .string(y)])]
        }
        switch redundancyProtocol {
        case .carp:
            return []
        case .vrrp, .hsrp:
            if a.version != b.version {
                found.append(("version", "the protocol version (\(a.version) vs \(b.version))", pair("\(a.version)", "\(b.version)")))
            }
            if a.intervalNanoseconds != b.intervalNanoseconds {
                let x = VIPFormat.duration(a.intervalNanoseconds)
                let y = VIPFormat.duration(b.intervalNanoseconds)
                let name = redundancyProtocol == .hsrp ? "the hello time" : "the advert interval"
                found.append(("interval", "\(name) (\(x) vs \(y))", pair(x, y)))
            }
            if let x = a.holdNanoseconds, let y = b.holdNanoseconds, x != y {
                found.append(
                    ("hold", "the hold time (\(VIPFormat.duration(x)) vs \(VIPFormat.duration(y)))",
                        pair(VIPFormat.duration(x), VIPFormat.duration(y))))
            }
            if a.version != b.version {
                // VRRPv3 has no authentication field: nothing more to compare.
            } else if a.authType != b.authType {
                let x = a.authType.map(String.init) ?? "none"
                let y = b.authType.map(String.init) ?? "none"
                found.append(("auth", "the authentication type (\(x) vs \(y))", pair(x, y)))
            } else if a.authType == 1, a.authData != b.authData {
                found.append(("password", "the authentication password", [:]))
            }
            if redundancyProtocol == .vrrp {
                if a.addressCount != b.addressCount || a.addressesDigest != b.addressesDigest {
                    var text = "the virtual addresses"
                    if a.addressCount != b.addressCount { text += " (\(a.addressCount) vs \(b.addressCount) listed)" }
                    found.append(("addresses", text, ["counts": .list([.int(a.addressCount), .int(b.addressCount)])]))
                }
            } else if a.firstAddress != b.firstAddress, let x = a.firstAddress, let y = b.firstAddress {
                found.append(("vip", "the virtual IP (\(x) vs \(y))", pair(x.description, y.description)))
            }
            return found
        }
    }

    private static func evidence(_ a: VirtualRouter, _ b: VirtualRouter) -> [Evidence] {
        [a, b].compactMap { router in router.lastAdvert.map { Evidence($0, "advert from \(router.address)") } }
    }

    private func checkFlapping(_ groupIndex: Int, _ group: VirtualIPGroup, at time: Timestamp, evidence: FrameReference, sink: FindingSink) {
        let recent = group.changes(within: configuration.flapWindow, endingAt: time)
        guard recent >= configuration.flapCount, flapReportedAt[groupIndex] != group.changeCount else { return }
        flapReportedAt[groupIndex] = group.changeCount
        let windowStart = group.changeTimes.filter { time - $0 <= configuration.flapWindow }.min() ?? time
        let names = group.advertisers.map { group.routers[$0].address.description }
        sink.emit(
            Finding(
                kind: Self.kind, severity: .warning, start: windowStart, end: time,
                summary: "\(VIPFormat.group(group)): the master changed \(recent) times within "
                    + "\(VIPFormat.duration(configuration.flapWindow)) between \(VIPFormat.list(names)): a preemption loop "
                    + "or a flapping link (\(group.changeCount) changes in all).",
                ips: VIPFormat.vips(group) + names, vlan: group.key.vlan,
                evidence: [Evidence(evidence, "advert after the \(group.changeCount)th master change")],
                remedy: "Find what toggles the routers' priority or reachability: track scripts, nopreempt/preempt_delay, "
                    + "a flapping link or a one-way multicast path.",
                key: "\(Self.kind.rawValue)|\(group.key.token)|flapping",
                details: [
                    "group": .string(group.key.description), "issue": .string("flapping"),
                    "changes_in_window": .int(recent), "changes_total": .int(group.changeCount),
                    "window_s": VIPFormat.secondsValue(configuration.flapWindow),
                ]))
    }

    private func emit(
        _ issue: String, group: VirtualIPGroup, routers: [VirtualRouter], sink: FindingSink, text: String,
        details: [String: DetailValue], evidence: [Evidence]
    ) {
        let names = routers.map(\.address.description).sorted()
        let key = "\(Self.kind.rawValue)|\(group.key.token)|\(issue)|\(names.joined(separator: ","))"
        guard reported.insert(key).inserted else { return }
        var allDetails = details
        allDetails["group"] = .string(group.key.description)
        allDetails["issue"] = .string(issue)
        allDetails["routers"] = .list(routers.map(VIPFormat.routerDetail))
        let times = evidence.map(\.reference.time)
        sink.emit(
            Finding(
                kind: Self.kind, severity: .warning, start: times.min() ?? group.firstSeen.time,
                end: times.max() ?? group.firstSeen.time, summary: text, ips: VIPFormat.vips(group) + names,
                macs: Array(Set(routers.flatMap(\.ownMACs))).sorted().map(\.description), vlan: group.key.vlan,
                evidence: evidence,
                remedy: "Configure the routers of \(group.key) identically apart from priority (interval, version, "
                    + "authentication, addresses), with TTL 255 and at most one priority-255 owner.",
                key: key, details: allDetails))
    }
}
