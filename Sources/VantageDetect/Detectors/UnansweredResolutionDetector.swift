//  arp.unanswered / ndp.unanswered: a host asked for an address (ARP request, IPv6 neighbor
//  solicitation) and no answer reached it within the window.
//
//  protocols.md §2.2: Linux INCOMPLETE sends mcast_solicit = 3 broadcast requests retrans_time
//  = 1 s apart, then FAILED; PROBE sends ucast_solicit = 3 *unicast* requests to the cached MAC,
//  1 s apart, then FAILED. RFC 4861 §10 gives the same numbers for NDP (MAX_MULTICAST_SOLICIT,
//  MAX_UNICAST_SOLICIT = 3, RETRANS_TIMER = 1 s).
//
//      requester                       target
//        | who-has T tell R  (broadcast)  |        request 1   t = 0
//        | who-has T tell R               |        request 2   t = 1 s   } one episode:
//        | who-has T tell R               |        request 3   t = 2 s   } same requester MAC,
//        |        (no is-at)              |                              } same target, gaps
//                                                                        } <= episode_gap
//
//  Several vantage points: the same request seen at several captures within
//  `vantage_tolerance` is one request. Where it was seen, and where the replies were seen, tells
//  the direction of the loss:
//    * replies seen at some capture but never at the requester's  -> replies are lost
//    * requests never seen at the target's capture                -> requests are lost
//    * requests seen at the target's capture, no reply anywhere   -> the target does not answer
//  "The requester's capture" is only a capture taken on the requester itself: one where its
//  frames are marked as sent by the capturing host (Linux cooked "outgoing"), or where it is the
//  only sender of ARP frames shorter than the 60-octet wire minimum while other hosts' frames
//  arrive padded (a sender captures its own frames before padding, protocols.md §1.1; on veth,
//  virtio and bridges nothing is padded, so short frames from several senders prove nothing),
//  or where it is the MAC that exchanges unicast frames with the most peers. A broadcast request
//  seen at another host's capture says nothing about where the reply must arrive: the unicast
//  reply never goes there. When no capture is the requester's, a reply seen at any capture
//  counts as the answer (nothing shows it was lost), and without a reply the summary says
//  neutrally where the requests were seen.
//  Limitation: with exactly two captures and no ownership evidence at all, a capture that saw the
//  requests but no reply, and no frames from anyone but the requester and the target, is taken as
//  the requester's (a mirror port that sees only those broadcasts would then read as a lost
//  reply). Replies count, and so does the data plane: after a broadcast/multicast request
//  (INCOMPLETE: no link address yet, so nothing can be sent to the target), an IP frame from the
//  requester's MAC to the target's address, or to the target's MAC (traffic routed through it),
//  proves the requester resolved the target, whatever capture it is seen at. Unicast PROBE
//  requests are not proven this way: Linux keeps sending to the cached MAC while it probes.
//  A request from the target to the requester (which also fills the requester's cache on Linux)
//  does not end an episode by itself.
//
//  Cost on the data plane (most frames of a large capture): the detector subscribes to plain IP
//  frames only for that proof. A TCP or UDP frame is recognised first, from the transport tag,
//  before anything else is read; while no episode waits (`dataWatchMask` == 0) it returns
//  there. While some do, a 64-bit Bloom filter of the waiting requesters' MACs turns away almost
//  every other sender; only frames from a waiting requester pay dictionary lookups. Measured
//  with callgrind on the benchmark capture (98.8 % TCP, ARP episodes open ~40 % of the time):
//  +157 instructions per frame over not subscribing (~2.7 % of `analyze`), of which ~60 are the
//  engine's call into any data-plane detector; the first cut, which classified the frame like
//  the control plane and looked the source up in a dictionary, cost +437.

import VantageCapture
import VantageState
import VantageWire

/// Finds address resolutions (ARP requests, IPv6 neighbor solicitations) that got no answer
/// within a window, groups retries into episodes, measures their cadence, and tells from several
/// vantage points whether the requests or the replies were lost.
public final class UnansweredResolutionDetector: ConfigurableDetector {
    /// ARP requests without a reply.
    public static let arpKind = FindingKind(rawValue: "arp.unanswered")
    /// IPv6 neighbor solicitations without an advertisement.
    public static let ndpKind = FindingKind(rawValue: "ndp.unanswered")

    /// The tunables (the same keys under `arp.unanswered` and `ndp.unanswered`).
    public enum Tunables {
        /// Time allowed for an answer.
        public static let window = Tunable(
            "window", unit: "s", default: 1.0,
            "time a request may wait for its answer before it counts as unanswered (Linux retrans_time is 1 s)")
        /// Largest gap between retries of one episode.
        public static let episodeGap = Tunable(
            "episode_gap", unit: "s", default: 5.0,
            "retries from the same requester for the same target closer than this form one episode")
        /// Clock tolerance when matching one frame seen at several captures.
        public static let vantageTolerance = Tunable(
            "vantage_tolerance", unit: "s", default: 0.25,
            "the same request or reply seen at several vantage points within this time counts once")
        /// Episode length that raises severity by one level.
        public static let longEpisode = Tunable(
            "long_episode", unit: "s", default: 10.0,
            "an episode whose retries span at least this long is one severity level higher")
        /// Distinct requesters that make an address look like a gateway.
        public static let gatewayRequesters = Tunable(
            "gateway_requesters", unit: "hosts", default: 4,
            "an address resolved by at least this many different hosts is treated like a gateway (severity +1)")
        /// Cap on open episodes.
        public static let maxPending = Tunable(
            "max_pending", unit: "episodes", default: 4096,
            "most open episodes kept; the least recently active are judged early and evicted")
        /// Cap on remembered addresses, vantage profiles and pairs.
        public static let maxAddresses = Tunable(
            "max_addresses", unit: "entries", default: 16384,
            "most addresses (owners, requesters, past episodes) remembered; the oldest are evicted")

        static let all = [window, episodeGap, vantageTolerance, longEpisode, gatewayRequesters, maxPending, maxAddresses]
    }

    /// The thresholds of one kind, read from the analysis configuration.
    public struct Configuration: Sendable {
        /// ``Tunables/window`` in nanoseconds.
        public var window: Int64
        /// ``Tunables/episodeGap`` in nanoseconds (at least the window).
        public var episodeGap: Int64
        /// ``Tunables/vantageTolerance`` in nanoseconds.
        public var vantageTolerance: Int64
        /// ``Tunables/longEpisode`` in nanoseconds.
        public var longEpisode: Int64
        /// ``Tunables/gatewayRequesters``.
        public var gatewayRequesters: Int
        /// ``Tunables/maxPending``.
        public var maxPending: Int
        /// ``Tunables/maxAddresses``.
        public var maxAddresses: Int

        /// The values under `section` (a kind's raw value), defaults where not set.
        public init(_ configuration: AnalysisConfiguration, section: String) {
            window = max(1, configuration.nanoseconds(Tunables.window, in: section))
            episodeGap = max(window, configuration.nanoseconds(Tunables.episodeGap, in: section))
            vantageTolerance = max(0, configuration.nanoseconds(Tunables.vantageTolerance, in: section))
            longEpisode = configuration.nanoseconds(Tunables.longEpisode, in: section)
            gatewayRequesters = max(2, Int(configuration.value(Tunables.gatewayRequesters, in: section)))
            maxPending = max(16, Int(configuration.value(Tunables.maxPending, in: section)))
            maxAddresses = max(64, Int(configuration.value(Tunables.maxAddresses, in: section)))
        }
    }

    public static var descriptions: [KindDescription] {
        [
            KindDescription(
                kind: arpKind,
                meaning: "A host asked for an IPv4 address with ARP and no reply reached it within the window: "
                    + "its neighbour entry stays INCOMPLETE (or goes FAILED from PROBE) and traffic to that address is dropped.",
                rule: "An ARP request (not a probe, announcement or gratuitous ARP; broadcast or unicast PROBE-state) "
                    + "with no reply from the target within `window`. Retries from the same requester MAC for the same "
                    + "target with gaps up to `episode_gap` form one episode (count, median cadence, the Linux 3 x 1 s "
                    + "INCOMPLETE/PROBE patterns). The same frame seen at several captures within `vantage_tolerance` "
                    + "counts once; replies seen at one capture but never at the requester's mean the replies are lost, "
                    + "requests missing at the target's capture mean the requests are lost. A late reply still reports "
                    + "the resolution time when it exceeded the window. Requests with less than `window` left before "
                    + "the end of the capture are not judged. Gateways/VIPs: addresses in VRRP/HSRP adverts, Windows NLB "
                    + "cluster IPs, addresses answered with a virtual MAC, or resolved by `gateway_requesters` hosts. "
                    + "Only a capture taken on the requester itself (its frames seen leaving there) is where a reply must "
                    + "arrive; with none, a reply seen anywhere answers. After a broadcast request, an IP frame from the "
                    + "requester's MAC to the target's address or MAC also proves the resolution succeeded.",
                severity: "warning; info for one request for an address no capture ever saw in use, for a scanner's "
                    + "requests, and one level lower when answered late; +1 level when the retries span "
                    + "`long_episode`, +1 when the target is a gateway or VIP.",
                remedies: "Follow the direction in the summary: if the target never replies, check its NIC/driver, "
                    + "firewall, arp_ignore/arp_filter and that the address is configured; if its replies are lost, "
                    + "check the path back (switch port, VLAN, port security/DAI); if the requests are lost, check the "
                    + "path to it. A static ARP entry does not fix a host that does not answer. Compare `ip neigh` on "
                    + "both ends during the outage.",
                tunables: Tunables.all),
            KindDescription(
                kind: ndpKind,
                meaning: "A host asked for an IPv6 address with a neighbor solicitation and no neighbor advertisement "
                    + "reached it within the window.",
                rule: "As arp.unanswered, for neighbor solicitations that are not DAD probes (source ::), multicast "
                    + "(INCOMPLETE) or unicast (PROBE); answered by a neighbor advertisement for the target addressed "
                    + "to the requester, or any advertisement for it sent to all nodes. Routers (RA senders) count as "
                    + "gateways.",
                severity: "as arp.unanswered",
                remedies: "As arp.unanswered, with `ip -6 neigh`; also check that MLD snooping lets the "
                    + "solicited-node multicast group through, and ip6tables/nftables rules for ICMPv6 types 135/136.",
                tunables: Tunables.all),
        ]
    }

    // MARK: - State

    private enum Family {
        case arp, ndp

        var kind: FindingKind { self == .arp ? UnansweredResolutionDetector.arpKind : UnansweredResolutionDetector.ndpKind }
        var request: String { self == .arp ? "request" : "solicitation" }
        var reply: String { self == .arp ? "reply" : "advertisement" }
        var replies: String { self == .arp ? "replies" : "advertisements" }
        var neighCommand: String { self == .arp ? "ip neigh" : "ip -6 neigh" }
    }

    /// A request's or reply's evidence note, kept as its parts and worded only when a finding
    /// cites it: most episodes are answered and never reported, and wording every ARP request
    /// and reply cost more than the rest of the detector.
    private struct DraftEvidence {
        enum Note {
            /// The same request seen at another vantage point.
            case repeatedRequest(Family)
            /// The requester's `number`th request.
            case request(
                Family, number: Int, unicast: Bool, destination: MACAddress?, requesterIP: ResolvedAddress, target: ResolvedAddress)
            /// A reply (or an unsolicited one) for `target` from `replier`.
            case reply(Family, gratuitous: Bool, target: ResolvedAddress, replier: MACAddress)
        }

        var reference: FrameReference
        var note: Note

        init(_ reference: FrameReference, _ note: Note) {
            self.reference = reference
            self.note = note
        }

        /// The worded evidence.
        func evidence(_ state: AnalysisState) -> Evidence {
            let vantage = state.vantageName(reference.vantage)
            switch note {
            case .repeatedRequest(let family):
                return Evidence(reference, "the same \(family.request) seen at \(vantage)")
            case .request(let family, let number, let unicast, let destination, let requesterIP, let target):
                let kind =
                    unicast
                    ? "unicast to \(destination.map(\.description) ?? "one host")" : (family == .arp ? "broadcast" : "multicast")
                return Evidence(reference, "\(family.request) \(number) (\(kind)) from \(requesterIP) for \(target) at \(vantage)")
            case .reply(let family, let gratuitous, let target, let replier):
                let what = gratuitous ? "unsolicited \(family.reply)" : family.reply
                return Evidence(reference, "\(what) from \(target) (\(replier)) seen at \(vantage)")
            }
        }
    }

    private struct EpisodeKey: BoundedMapKey {
        var vlan: UInt16
        var requester: MACAddress
        var target: ResolvedAddress

        var bucketHash: UInt64 {
            (requester.rawValue &* 0xC2B2_AE3D_27D4_EB4F) ^ target.bucketHash ^ UInt64(vlan) << 48
        }
    }

    private struct AddressKey: BoundedMapKey {
        var vlan: UInt16
        var address: ResolvedAddress

        var bucketHash: UInt64 { address.bucketHash ^ UInt64(vlan) << 48 }
    }

    private struct RequesterKey: BoundedMapKey {
        var vlan: UInt16
        var mac: MACAddress

        var bucketHash: UInt64 { mac.rawValue ^ UInt64(vlan) << 48 }
    }

    /// One frame (request or reply) and the captures it was seen at.
    private struct Transmission {
        var time: Timestamp
        var vantages: VantageSet
    }

    /// An open episode (a class: it is updated in place inside the capped map, never copied).
    private final class Episode {
        let family: Family
        let key: EpisodeKey
        let requesterIP: ResolvedAddress
        let first: Timestamp
        var last: Timestamp
        var count = 0
        var unicastCount = 0
        var broadcastCount = 0
        var probedMAC: MACAddress?
        var recentRequests: [Transmission] = []
        var gaps: [Int64] = []
        var requestEvidence: [DraftEvidence] = []
        var lastRequestEvidence: DraftEvidence?
        var requestsByVantage = VantageTally<Int>()
        var replyCount = 0
        var recentReplies: [Transmission] = []
        var repliesByVantage = VantageTally<Int>()
        var firstReplyByVantage = VantageTally<Timestamp>()
        var replyEvidence: [DraftEvidence] = []
        var lastReplyEvidence: DraftEvidence?
        var replierMAC: MACAddress?
        var evaluateAt: Timestamp?
        /// Whether the data plane is watched for this episode's proof (after a broadcast request).
        var watching = false
        /// Target MACs registered in `dataWatchByMAC` for this episode.
        var watchedTargetMACs: [MACAddress] = []
        /// The requester's first data frame to the target after a broadcast request.
        var dataProof: DataProof?

        static let recentLimit = 4
        static let gapLimit = 64
        static let requestEvidenceLimit = 14
        static let replyEvidenceLimit = 8

        init(family: Family, key: EpisodeKey, requesterIP: ResolvedAddress, first: Timestamp) {
            self.family = family
            self.key = key
            self.requesterIP = requesterIP
            self.first = first
            self.last = first
        }
    }

    /// An IP frame proving that the requester resolved the target.
    private struct DataProof {
        var time: Timestamp
        /// The destination MAC it was sent to, where the capture keeps it.
        var mac: MACAddress?
        var evidence: Evidence
    }

    /// A (source, destination) MAC pair of the data plane.
    private struct MACPair: BoundedMapKey {
        var source: MACAddress
        var destination: MACAddress

        var bucketHash: UInt64 { source.rawValue &* 0x9E37_79B9_7F4A_7C15 ^ destination.rawValue }
    }

    /// What one capture shows about whose point of view it is (a class: updated in place).
    private final class VantageProfile {
        /// MACs whose frames this capture marks as sent by the capturing host (Linux cooked
        /// "outgoing": reliable).
        var outgoing = BoundedRecencyMap<MACAddress, Int>(capacity: 16)
        /// Senders of ARP frames shorter than the wire minimum (up to `senderLimit`; one more
        /// means "several").
        var shortSenders: [MACAddress] = []
        /// Senders of ARP frames padded to the wire minimum (up to `senderLimit`).
        var paddedSenders: [MACAddress] = []
        /// Unicast peers per MAC (up to `peerLimit` each).
        var unicastPeers: BoundedRecencyMap<MACAddress, [MACAddress]>
        /// MACs seen as a frame source here.
        var sources: BoundedRecencyMap<MACAddress, Timestamp>

        static let peerLimit = 8
        static let senderLimit = 3

        init(capacity: Int) {
            unicastPeers = BoundedRecencyMap(capacity: min(capacity, 2048))
            sources = BoundedRecencyMap(capacity: capacity)
        }

        /// Notes an ARP frame's length; returns whether the short-frame evidence changed.
        func noteARPLength(from source: MACAddress, short: Bool) -> Bool {
            if short {
                guard shortSenders.count < Self.senderLimit, !shortSenders.contains(source) else { return false }
                shortSenders.append(source)
            } else {
                guard paddedSenders.count < Self.senderLimit, !paddedSenders.contains(source) else { return false }
                paddedSenders.append(source)
            }
            return true
        }

        /// The one host whose ARP frames this Ethernet capture shows unpadded while another
        /// host's arrive padded: a sender sees its own frames before the NIC pads them. On links
        /// that pad nothing (veth, virtio, a Linux bridge) every sender's frames are short, so
        /// short frames from more than one sender, or no padded frame at all, prove nothing.
        var shortFrameOwner: MACAddress? {
            guard shortSenders.count == 1, paddedSenders.contains(where: { $0 != shortSenders[0] }) else { return nil }
            return shortSenders[0]
        }

        /// The capturing host's MACs: those seen outgoing, else the single sender of short ARP
        /// frames (see ``shortFrameOwner``), else the MAC with the most unicast peers (at least
        /// 2, strictly more than any other), else none.
        func owners() -> Set<MACAddress> {
            if !outgoing.isEmpty { return Set(outgoing.keys) }
            if let owner = shortFrameOwner { return [owner] }
            let ranked = unicastPeers.entries.map { (mac: $0.key, peers: $0.value.count) }.sorted { $0.peers > $1.peers }
            guard let best = ranked.first, best.peers >= 2 else { return [] }
            if ranked.count > 1 && ranked[1].peers >= best.peers { return [] }
            return [best.mac]
        }
    }

    private let arpSettings: Configuration
    private let ndpSettings: Configuration
    private let scanTargets: Int
    private let scanWindow: Int64
    private let ignoredIPs: Set<IPv4Address>
    private let nlbClusterIPs: Set<IPv4Address>
    private let configuration: AnalysisConfiguration

    private var pending: BoundedRecencyMap<EpisodeKey, Episode>
    private var nextCheck: Timestamp?
    private var profiles: [Int: VantageProfile] = [:]
    /// The profile last looked up (consecutive frames come from the same capture).
    private var lastProfile: (vantage: Int, profile: VantageProfile)?
    private var ownerCache: (owners: [Int: Set<MACAddress>], time: Timestamp)?
    private var addressOwners: BoundedRecencyMap<AddressKey, MACAddress>
    private var requesters: BoundedRecencyMap<AddressKey, [MACAddress]>
    private var vips: BoundedRecencyMap<ResolvedAddress, String>
    private var pairEpisodes: BoundedRecencyMap<EpisodeKey, Int>
    private var recentTargets: BoundedRecencyMap<RequesterKey, [(target: ResolvedAddress, time: Timestamp)]>
    /// Open episodes waiting for a data-plane proof, per requester MAC. Each key has a watching
    /// episode in `pending`, so the capacity of `pending` bounds it and nothing is ever evicted.
    private var dataWatchers: BoundedRecencyMap<MACAddress, Int>
    /// One bit per requester MAC in `dataWatchers` (a 64-bit Bloom filter: 0 = none waits), read
    /// on every data frame. Unchecked exclusivity (a checked class property costs a runtime
    /// call, ~70 instructions, per frame): only `watch`/`unwatch` write it, never re-entrantly.
    @exclusivity(unchecked) private var dataWatchMask: UInt64 = 0
    /// Requester MACs in `dataWatchers` per bit of `dataWatchMask`.
    private var dataWatchBitCounts = [Int](repeating: 0, count: 64)
    /// The same episodes by (requester MAC, target MAC), once the target's MAC is known (at most
    /// `watchedTargetLimit` per watching episode, so never evicted either).
    private var dataWatchByMAC: BoundedRecencyMap<MACPair, [Episode]>
    /// Target MACs watched per episode at most.
    private static let watchedTargetLimit = 4

    /// Episodes judged early because the pending map was full.
    public var pendingEvictions: Int { pending.evictions }

    /// Entries evicted from each capped map so far (saturation shows up here first).
    public var evictions: [String: Int] {
        var counts = [
            "pending": pending.evictions, "address_owners": addressOwners.evictions,
            "requesters": requesters.evictions, "vips": vips.evictions, "pairs": pairEpisodes.evictions,
            "recent_targets": recentTargets.evictions,
        ]
        for profile in profiles.values {
            counts["vantage_sources", default: 0] += profile.sources.evictions
            counts["vantage_peers", default: 0] += profile.unicastPeers.evictions
            counts["vantage_outgoing", default: 0] += profile.outgoing.evictions
        }
        return counts
    }

    /// The Ethernet minimum without FCS: shorter ARP frames were captured on their sender.
    static let minimumWireFrame = 60

    /// Plain IP data is subscribed to only for the data-plane proof; while no episode waits for
    /// it, a data frame costs a tag test and one compare (see ``observe(_:state:sink:)``).
    public var interest: ObservationInterest { [.arp, .neighborDiscovery, .redundancy, .ipData] }

    public init(configuration: AnalysisConfiguration) {
        self.configuration = configuration
        arpSettings = Configuration(configuration, section: Self.arpKind.rawValue)
        ndpSettings = Configuration(configuration, section: Self.ndpKind.rawValue)
        let storm = ARPStormDetector.Configuration(configuration)
        scanTargets = storm.scanTargets
        scanWindow = storm.scanWindow
        ignoredIPs = configuration.ignoredIPs
        nlbClusterIPs = configuration.nlbClusterIPs
        let cap = arpSettings.maxAddresses
        pending = BoundedRecencyMap(capacity: arpSettings.maxPending)
        dataWatchers = BoundedRecencyMap(capacity: arpSettings.maxPending + 1)
        dataWatchByMAC = BoundedRecencyMap(capacity: (arpSettings.maxPending + 1) * Self.watchedTargetLimit)
        addressOwners = BoundedRecencyMap(capacity: cap)
        requesters = BoundedRecencyMap(capacity: cap)
        vips = BoundedRecencyMap(capacity: 1024)
        pairEpisodes = BoundedRecencyMap(capacity: cap)
        recentTargets = BoundedRecencyMap(capacity: min(cap, 4096))
    }

    private func settings(_ family: Family) -> Configuration { family == .arp ? arpSettings : ndpSettings }

    // MARK: - Observe

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        // The data plane (nearly every frame) first, before anything is copied: TCP, and UDP
        // that is not HSRP, cost a test of the decoded shape and one word compare while no
        // episode waits.
        let shape = observation.shape
        if shape.transport == .tcp || (shape.transport == .udp && shape.application != .hsrp) {
            if dataWatchMask != 0 { observeData(observation, state: state) }
            return
        }
        observeControl(observation, state: state, sink: sink)
    }

    /// ARP, neighbor discovery, redundancy adverts, and the rest of the data plane (ICMP, other
    /// IP protocols). Out of line, so the data-plane path above keeps a small stack frame.
    /// Cases are told apart on ``Observation/shape``; only the one layer a case needs is read
    /// out of the packet (copying the whole packet costs more than the rest of an ARP frame).
    @inline(never)
    private func observeControl(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        let shape = observation.shape
        switch shape.network {
        case .arp:
            guard case .arp(let arp) = observation.packet.network else { return }
            profile(observation)
            observeARP(arp, observation, state: state, sink: sink)
        case .ipv4, .ipv6:
            switch shape.transport {
            case .neighborDiscovery:
                guard case .neighborDiscovery(_, let message) = observation.packet.transport else { return }
                profile(observation)
                observeND(message, observation, state: state, sink: sink)
            case .carp:
                profile(observation)
            case .vrrp:
                guard case .vrrp(let advert) = observation.packet.transport else { return }
                profile(observation)
                if let address = advert.firstIPv4Address, !address.isUnspecified {
                    vips.set(.v4(address), "a VRRP virtual address")
                }
                if let address = advert.firstIPv6Address, !address.isUnspecified {
                    vips.set(.v6(address), "a VRRP virtual address")
                }
            default:
                if shape.application == .hsrp, case .hsrp(let message) = observation.packet.application {
                    profile(observation)
                    if let address = message.virtualIP, !address.isUnspecified {
                        vips.set(.v4(address), "an HSRP virtual address")
                    }
                    if let address = message.virtualIPv6, !address.isUnspecified {
                        vips.set(.v6(address), "an HSRP virtual address")
                    }
                } else if dataWatchMask != 0 {
                    // The rest of the data plane (ICMP, other protocols).
                    observeData(observation, state: state)
                }
            }
        default:
            break
        }
    }

    /// Open episodes are swept on the engine's ticks only (every 100 ms of capture time), so
    /// a stream of episodes falling due one after another costs one pass per tick, not per frame.
    public func advance(to time: Timestamp, state: AnalysisState, sink: FindingSink) {
        if let check = nextCheck, time >= check { sweep(at: time, state: state, sink: sink) }
    }

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        for key in pending.keys {
            guard let episode = pending.remove(key) else { continue }
            judge(episode, at: time, closing: true, atEnd: true, state: state, sink: sink)
        }
        nextCheck = nil
    }

    /// Notes who sends and who receives unicast at this capture, to infer whose point of view it is.
    private func profile(_ observation: Observation) {
        guard let source = observation.sourceMAC, source.isUnicast else { return }
        let profile = profile(of: observation.reference.vantage)
        profile.sources.set(source, observation.time)
        var outgoing = false
        switch observation.shape.link {
        case .ethernet:
            if observation.shape.network == .arp,
                profile.noteARPLength(from: source, short: observation.originalLength < Self.minimumWireFrame)
            {
                ownerCache = nil
            }
            if let destination = observation.destinationMAC, destination.isUnicast, destination != source {
                notePeer(source, destination, in: profile)
                notePeer(destination, source, in: profile)
            }
        case .linuxSLL:
            if case .linuxSLL(let header) = observation.packet.link { outgoing = header.packetType == .outgoing }
        case .linuxSLL2:
            if case .linuxSLL2(let header) = observation.packet.link { outgoing = header.packetType == .outgoing }
        default:
            break
        }
        if outgoing {
            if !profile.outgoing.contains(source) { ownerCache = nil }
            _ = profile.outgoing.update(source, default: { 0 }) { $0 += 1 }
        }
    }

    /// The profile of capture `vantage`, created on first use.
    @inline(__always)
    private func profile(of vantage: Int) -> VantageProfile {
        if let last = lastProfile, last.vantage == vantage { return last.profile }
        let profile: VantageProfile
        if let existing = profiles[vantage] {
            profile = existing
        } else {
            profile = VantageProfile(capacity: arpSettings.maxAddresses)
            profiles[vantage] = profile
            ownerCache = nil
        }
        lastProfile = (vantage, profile)
        return profile
    }

    /// Notes `peer` as a unicast peer of `mac` (up to ``VantageProfile/peerLimit``).
    private func notePeer(_ mac: MACAddress, _ peer: MACAddress, in profile: VantageProfile) {
        _ = profile.unicastPeers.update(mac, default: { [] }) { peers in
            if peers.count < VantageProfile.peerLimit, !peers.contains(peer) { peers.append(peer) }
        }
    }

    private func observeARP(_ arp: ARPPacket, _ observation: Observation, state: AnalysisState, sink: FindingSink) {
        guard arp.isEthernetIPv4, arp.protocolType == .ipv4 else { return }
        let vlan = observation.vlan
        let sender = ResolvedAddress.v4(arp.senderIP)
        if !arp.senderIP.isUnspecified, arp.senderMAC.isUnicast {
            addressOwners.set(AddressKey(vlan: vlan, address: sender), arp.senderMAC)
        }
        switch arp.variant {
        case .request:
            guard !arp.senderIP.isUnspecified, !arp.targetIP.isUnspecified, !arp.targetIP.isMulticast,
                arp.targetIP != .broadcast, arp.senderIP != arp.targetIP, arp.senderMAC.isUnicast,
                !ignoredIPs.contains(arp.senderIP), !ignoredIPs.contains(arp.targetIP)
            else { return }
            let destination = observation.destinationMAC
            let unicast = isUnicastRequest(observation)
            request(
                family: .arp, vlan: vlan, requester: arp.senderMAC, requesterIP: sender, target: .v4(arp.targetIP),
                unicast: unicast, destination: unicast ? destination : nil, observation, state: state, sink: sink)
        case .reply:
            let key = EpisodeKey(vlan: vlan, requester: arp.targetMAC, target: sender)
            var matched = pending.contains(key) ? key : nil
            if matched == nil, let destination = observation.destinationMAC, destination.isUnicast {
                let alternative = EpisodeKey(vlan: vlan, requester: destination, target: sender)
                if pending.contains(alternative) { matched = alternative }
            }
            if matched == nil { matched = findEpisode(vlan: vlan, target: sender, requesterIP: .v4(arp.targetIP)) }
            guard let matched else { return }
            answer(matched, from: arp.senderMAC, gratuitous: false, observation, state: state)
        case .gratuitousRequest, .gratuitousReply, .announcement:
            answerAll(vlan: vlan, target: sender, from: arp.senderMAC, observation, state: state)
        default:
            break
        }
    }

    private func isUnicastRequest(_ observation: Observation) -> Bool {
        switch observation.shape.link {
        case .ethernet:
            return observation.destinationMAC?.isUnicast ?? false
        case .linuxSLL:
            guard case .linuxSLL(let header) = observation.packet.link else { return false }
            return header.packetType == .host || header.packetType == .otherHost
        case .linuxSLL2:
            guard case .linuxSLL2(let header) = observation.packet.link else { return false }
            return header.packetType == .host || header.packetType == .otherHost
        default:
            return false
        }
    }

    private func observeND(_ message: NDMessage, _ observation: Observation, state: AnalysisState, sink: FindingSink) {
        guard let ipv6 = observation.packet.ipv6 else { return }
        let vlan = observation.vlan
        let sourceMAC = observation.sourceMAC ?? message.sourceLinkLayerAddress
        switch message.kind {
        case .neighborSolicitation:
            guard !message.isDADProbe(ipSource: ipv6.source), let target = message.targetAddress,
                !target.isMulticast, !target.isUnspecified, let requester = sourceMAC,
                requester.isUnicast, target != ipv6.source
            else { return }
            addressOwners.set(AddressKey(vlan: vlan, address: .v6(ipv6.source)), requester)
            let unicast = !ipv6.destination.isMulticast
            request(
                family: .ndp, vlan: vlan, requester: requester, requesterIP: .v6(ipv6.source), target: .v6(target),
                unicast: unicast, destination: unicast ? observation.destinationMAC : nil, observation,
                state: state, sink: sink)
        case .neighborAdvertisement:
            guard let target = message.targetAddress, let replier = message.targetLinkLayerAddress ?? sourceMAC else {
                return
            }
            let address = ResolvedAddress.v6(target)
            if replier.isUnicast { addressOwners.set(AddressKey(vlan: vlan, address: address), replier) }
            if ipv6.destination.isMulticast {
                answerAll(vlan: vlan, target: address, from: replier, observation, state: state)
                return
            }
            var matched: EpisodeKey?
            if let destination = observation.destinationMAC {
                let key = EpisodeKey(vlan: vlan, requester: destination, target: address)
                if pending.contains(key) { matched = key }
            }
            if matched == nil { matched = findEpisode(vlan: vlan, target: address, requesterIP: .v6(ipv6.destination)) }
            if let matched { answer(matched, from: replier, gratuitous: false, observation, state: state) }
        case .routerAdvertisement:
            vips.set(.v6(ipv6.source), "a router (it sends router advertisements)")
            if let mac = sourceMAC, mac.isUnicast {
                addressOwners.set(AddressKey(vlan: vlan, address: .v6(ipv6.source)), mac)
            }
        default:
            break
        }
    }

    /// An open episode of any requester asking `requesterIP` → `target` (slow path for replies
    /// whose link addresses do not name the requester directly).
    private func findEpisode(vlan: UInt16, target: ResolvedAddress, requesterIP: ResolvedAddress) -> EpisodeKey? {
        guard !pending.isEmpty else { return nil }
        return pending.first { key, episode in
            key.vlan == vlan && key.target == target && episode.requesterIP == requesterIP
        }?.key
    }

    // MARK: - Data-plane proof

    /// An IP frame while some episode waits for a proof: is it the requester sending to the
    /// target? Only frames from a waiting requester's MAC get past the first lookup.
    @inline(never)
    private func observeData(_ observation: Observation, state: AnalysisState) {
        guard let source = observation.sourceMAC, dataWatchMask & Self.watchBit(source) != 0,
            dataWatchers.contains(source)
        else { return }
        // The link destination: Ethernet keeps it; a cooked capture only says whether the frame
        // was for the capturing host, for another host, or sent by it.
        var destination: MACAddress?
        var toCapturingHost = false
        switch observation.shape.link {
        case .ethernet:
            guard let mac = observation.destinationMAC, mac.isUnicast else { return }
            destination = mac
        case .linuxSLL:
            guard case .linuxSLL(let header) = observation.packet.link,
                header.packetType == .host || header.packetType == .otherHost || header.packetType == .outgoing
            else { return }
            toCapturingHost = header.packetType == .host
        case .linuxSLL2:
            guard case .linuxSLL2(let header) = observation.packet.link,
                header.packetType == .host || header.packetType == .otherHost || header.packetType == .outgoing
            else { return }
            toCapturingHost = header.packetType == .host
        default:
            return
        }
        guard let address = Self.destinationAddress(observation) else { return }
        let vlan = observation.vlan
        // Sent to the target's own address: the requester has a link address for it.
        if let episode = pending[EpisodeKey(vlan: vlan, requester: source, target: address)], episode.watching {
            prove(episode, mac: destination, toAddress: true, address, observation, state: state)
            return
        }
        // Sent to the target's MAC for another address (the target routes it: a gateway).
        guard !dataWatchByMAC.isEmpty else { return }
        if let destination {
            proveThrough(destination, from: source, to: address, vlan: vlan, observation, state: state)
        } else if toCapturingHost, let owners = currentOwners(at: observation.time)[observation.reference.vantage] {
            for mac in owners { proveThrough(mac, from: source, to: address, vlan: vlan, observation, state: state) }
        }
    }

    /// The IP destination of an IPv4 or IPv6 frame, from the observation's extracted addresses.
    @inline(__always)
    private static func destinationAddress(_ observation: Observation) -> ResolvedAddress? {
        guard let destination = observation.ipDestination else { return nil }
        switch observation.shape.network {
        case .ipv4: return .v4(IPv4Address(rawValue: UInt32(truncatingIfNeeded: destination.low)))
        case .ipv6: return .v6(IPv6Address(high: destination.high, low: destination.low))
        default: return nil
        }
    }

    /// Proves the episodes of `source` whose target has the MAC `mac`, unless `address` is known
    /// to belong to that same MAC (a second address of one host, e.g. a VIP sharing the interface
    /// MAC: traffic to it proves nothing about the address asked for).
    private func proveThrough(
        _ mac: MACAddress, from source: MACAddress, to address: ResolvedAddress, vlan: UInt16,
        _ observation: Observation, state: AnalysisState
    ) {
        guard let episodes = dataWatchByMAC[MACPair(source: source, destination: mac)],
            addressOwners[AddressKey(vlan: vlan, address: address)] != mac
        else { return }
        for episode in episodes where episode.key.vlan == vlan && episode.watching {
            prove(episode, mac: mac, toAddress: false, address, observation, state: state)
        }
    }

    /// The bit number (0..<64) of `mac` in `dataWatchMask` (Fibonacci hashing).
    @inline(__always)
    private static func watchBitIndex(_ mac: MACAddress) -> Int {
        Int(truncatingIfNeeded: (mac.rawValue &* 0x9E37_79B9_7F4A_7C15) &>> 58)
    }

    /// The bit of `mac` in `dataWatchMask`.
    @inline(__always)
    private static func watchBit(_ mac: MACAddress) -> UInt64 { 1 &<< UInt64(watchBitIndex(mac)) }

    /// Starts watching the data plane for `episode` (after a broadcast/multicast request).
    private func watch(_ episode: Episode, targetMAC: MACAddress?) {
        guard episode.dataProof == nil else { return }
        if !episode.watching {
            episode.watching = true
            let requester = episode.key.requester
            let watchers = dataWatchers.update(requester, default: { 0 }) { count -> Int in
                count += 1
                return count
            }.result
            if watchers == 1 {
                dataWatchBitCounts[Self.watchBitIndex(requester)] += 1
                dataWatchMask |= Self.watchBit(requester)
            }
        }
        if let targetMAC { watchTargetMAC(episode, targetMAC) }
    }

    /// Also watches frames from the requester to `targetMAC` (at most a few MACs per episode).
    private func watchTargetMAC(_ episode: Episode, _ mac: MACAddress) {
        guard episode.watching, mac.isUnicast, mac != episode.key.requester,
            episode.watchedTargetMACs.count < Self.watchedTargetLimit,
            !episode.watchedTargetMACs.contains(mac)
        else { return }
        episode.watchedTargetMACs.append(mac)
        _ = dataWatchByMAC.update(MACPair(source: episode.key.requester, destination: mac), default: { [] }) {
            $0.append(episode)
        }
    }

    /// Stops watching for `episode` (proven, or judged and dropped).
    private func unwatch(_ episode: Episode) {
        guard episode.watching else { return }
        episode.watching = false
        let requester = episode.key.requester
        if let count = dataWatchers[requester], count > 1 {
            dataWatchers.modifyExisting(requester) { $0 = count - 1 }
        } else {
            dataWatchers.remove(requester)
            let bit = Self.watchBitIndex(requester)
            dataWatchBitCounts[bit] -= 1
            if dataWatchBitCounts[bit] == 0 { dataWatchMask &= ~Self.watchBit(requester) }
        }
        for mac in episode.watchedTargetMACs {
            let pair = MACPair(source: requester, destination: mac)
            dataWatchByMAC.modifyExisting(pair) { $0.removeAll { $0 === episode } }
            if dataWatchByMAC[pair]?.isEmpty == true { dataWatchByMAC.remove(pair) }
        }
        episode.watchedTargetMACs = []
    }

    private func prove(
        _ episode: Episode, mac: MACAddress?, toAddress: Bool, _ address: ResolvedAddress, _ observation: Observation,
        state: AnalysisState
    ) {
        guard episode.dataProof == nil else { return }
        let family = episode.family
        let version = family == .arp ? "IPv4" : "IPv6"
        var note = "\(episode.requesterIP) sent \(version) to \(address)"
        note += mac.map { " at \($0)" } ?? ""
        note += toAddress ? "" : ", \(episode.key.target)'s MAC"
        note += " (seen at \(state.vantageName(observation.reference.vantage))): it had resolved \(episode.key.target)"
        episode.dataProof = DataProof(
            time: observation.time, mac: mac, evidence: Evidence(observation.reference, note))
        unwatch(episode)
        if episode.evaluateAt == nil || observation.time < episode.evaluateAt! { episode.evaluateAt = observation.time }
        schedule(episode)
    }

    // MARK: - Requests and answers

    private func request(
        family: Family, vlan: UInt16, requester: MACAddress, requesterIP: ResolvedAddress, target: ResolvedAddress,
        unicast: Bool, destination: MACAddress?, _ observation: Observation, state: AnalysisState, sink: FindingSink
    ) {
        let time = observation.time
        let settings = settings(family)
        let key = EpisodeKey(vlan: vlan, requester: requester, target: target)
        noteRequester(key, settings: settings)
        noteScan(key, time: time)
        if let existing = pending[key] {
            let stale = time - existing.last > settings.episodeGap
            let reevaluate = existing.evaluateAt.map { time >= $0 } ?? false
            if stale || reevaluate {
                pending.remove(key)
                if !judge(existing, at: time, closing: stale, atEnd: false, state: state, sink: sink) {
                    existing.evaluateAt = nil
                    pending.set(key, existing)
                }
            }
        }
        let vantage = observation.reference.vantage
        let tolerance = settings.vantageTolerance
        let result = pending.update(
            key, default: { Episode(family: family, key: key, requesterIP: requesterIP, first: time) }
        ) { episode in
            episode.requestsByVantage.update(vantage, initial: 0) { $0 += 1 }
            if let index = episode.recentRequests.lastIndex(where: {
                abs(time - $0.time) <= tolerance && !$0.vantages.contains(vantage)
            }) {
                episode.recentRequests[index].vantages.insert(vantage)
                Self.record(
                    DraftEvidence(observation.reference, .repeatedRequest(family)), in: &episode.requestEvidence,
                    last: &episode.lastRequestEvidence, limit: Episode.requestEvidenceLimit)
                return
            }
            if episode.count > 0 {
                if episode.gaps.count < Episode.gapLimit { episode.gaps.append(time - episode.last) }
                episode.last = time
            }
            episode.count += 1
            if unicast {
                episode.unicastCount += 1
                if let destination { episode.probedMAC = destination }
            } else {
                episode.broadcastCount += 1
            }
            episode.recentRequests.append(Transmission(time: time, vantages: VantageSet(vantage)))
            if episode.recentRequests.count > Episode.recentLimit { episode.recentRequests.removeFirst() }
            let note = DraftEvidence.Note.request(
                family, number: episode.count, unicast: unicast, destination: destination, requesterIP: requesterIP, target: target)
            Self.record(
                DraftEvidence(observation.reference, note), in: &episode.requestEvidence, last: &episode.lastRequestEvidence,
                limit: Episode.requestEvidenceLimit)
        }
        closeEvicted(result.evicted, at: time, state: state, sink: sink)
        if !unicast, let episode = pending[key] {
            // INCOMPLETE: the requester has no link address for the target until answered, so
            // its data to the target proves an answer (PROBE keeps using the cached MAC: not so).
            watch(episode, targetMAC: episode.replierMAC ?? addressOwners[AddressKey(vlan: vlan, address: target)])
        }
        schedule(pending[key])
    }

    private static func record(_ evidence: DraftEvidence, in list: inout [DraftEvidence], last: inout DraftEvidence?, limit: Int) {
        if list.count < limit { list.append(evidence) } else { last = evidence }
    }

    private func answer(
        _ key: EpisodeKey, from replier: MACAddress, gratuitous: Bool, _ observation: Observation, state: AnalysisState
    ) {
        let time = observation.time
        let vantage = observation.reference.vantage
        guard let family = pending[key]?.family else { return }
        let tolerance = settings(family).vantageTolerance
        if let episode = pending[key], episode.watching {
            // A reply at the requester's own capture, or anywhere when it has none, answers the
            // episode: stop paying for the data plane now rather than at the judgement.
            let owners = currentOwners(at: time)
            let requester = key.requester
            if owners[vantage]?.contains(requester) == true || !owners.values.contains(where: { $0.contains(requester) }) {
                unwatch(episode)
            } else {
                watchTargetMAC(episode, replier)
            }
        }
        pending.modifyExisting(key) { episode in
            episode.replierMAC = replier
            episode.repliesByVantage.update(vantage, initial: 0) { $0 += 1 }
            episode.firstReplyByVantage.update(vantage, initial: time) { _ in }
            if let index = episode.recentReplies.lastIndex(where: {
                abs(time - $0.time) <= tolerance && !$0.vantages.contains(vantage)
            }) {
                episode.recentReplies[index].vantages.insert(vantage)
            } else {
                episode.replyCount += 1
                episode.recentReplies.append(Transmission(time: time, vantages: VantageSet(vantage)))
                if episode.recentReplies.count > Episode.recentLimit { episode.recentReplies.removeFirst() }
            }
            let note = DraftEvidence.Note.reply(family, gratuitous: gratuitous, target: key.target, replier: replier)
            Self.record(
                DraftEvidence(observation.reference, note), in: &episode.replyEvidence, last: &episode.lastReplyEvidence,
                limit: Episode.replyEvidenceLimit)
            let due = time + tolerance
            if episode.evaluateAt == nil || due < episode.evaluateAt! { episode.evaluateAt = due }
        }
        schedule(pending[key])
    }

    /// A gratuitous ARP or an advertisement to all nodes for `target` answers every open
    /// request for it (Linux updates an INCOMPLETE entry from it; RFC 4861 §7.2.5).
    private func answerAll(
        vlan: UInt16, target: ResolvedAddress, from replier: MACAddress, _ observation: Observation, state: AnalysisState
    ) {
        guard !pending.isEmpty else { return }
        for key in pending.keys where key.vlan == vlan && key.target == target {
            answer(key, from: replier, gratuitous: true, observation, state: state)
        }
    }

    private func schedule(_ episode: Episode?) {
        guard let episode else { return }
        let settings = settings(episode.family)
        var due = episode.last + settings.episodeGap
        if let evaluate = episode.evaluateAt, evaluate < due { due = evaluate }
        if nextCheck == nil || due < nextCheck! { nextCheck = due }
    }

    private func sweep(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        nextCheck = nil
        let arpGap = arpSettings.episodeGap
        let ndpGap = ndpSettings.episodeGap
        var due: [EpisodeKey] = []
        var next: Timestamp?
        pending.forEach { key, episode in
            var deadline = episode.last + (episode.family == .arp ? arpGap : ndpGap)
            if let evaluate = episode.evaluateAt, evaluate < deadline { deadline = evaluate }
            if time >= deadline {
                due.append(key)
            } else if next == nil || deadline < next! {
                next = deadline
            }
        }
        nextCheck = next
        for key in due {
            guard let episode = pending.remove(key) else { continue }
            let stale = time - episode.last >= settings(episode.family).episodeGap
            if judge(episode, at: time, closing: stale, atEnd: false, state: state, sink: sink) { continue }
            episode.evaluateAt = nil
            pending.set(key, episode)
            schedule(episode)
        }
    }

    private func closeEvicted(_ evicted: (key: EpisodeKey, value: Episode)?, at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        if let (_, episode) = evicted { judge(episode, at: time, closing: true, atEnd: false, state: state, sink: sink) }
    }

    private func noteRequester(_ key: EpisodeKey, settings: Configuration) {
        let limit = settings.gatewayRequesters
        _ = requesters.update(AddressKey(vlan: key.vlan, address: key.target), default: { [] }) { list in
            if list.count < limit, !list.contains(key.requester) { list.append(key.requester) }
        }
    }

    private func noteScan(_ key: EpisodeKey, time: Timestamp) {
        let window = scanWindow
        let limit = scanTargets
        _ = recentTargets.update(RequesterKey(vlan: key.vlan, mac: key.requester), default: { [] }) { list in
            list.removeAll { time - $0.time > window || $0.target == key.target }
            list.append((key.target, time))
            if list.count > limit { list.removeFirst(list.count - limit) }
        }
    }

    // MARK: - Judging an episode

    private enum Direction: String {
        case answered
        case replyLost = "reply_lost"
        case requestLost = "request_lost"
        case targetSilent = "target_silent"
        case noReply = "no_reply"
    }

    private struct Picture {
        var requestVantages: [Int]
        var replyVantages: [Int]
        var requesterSide: [Int]
        var answered: Bool
        /// Answered only as far as the data plane shows (no reply seen where it must arrive).
        var provenByData: Bool
        var resolution: Int64?
        var direction: Direction
        var targetMAC: MACAddress?
        /// Captures that show the target's own frames (sent by the capturing host itself).
        var targetOwnVantages: [Int]
        /// Captures where the requests arrived and the target's frames are seen.
        var reachedTarget: [Int]
        /// Captures that show the target's frames but not the requests.
        var missedTarget: [Int]
        /// Captures that saw none of the requests.
        var silentVantages: [Int]
    }

    /// Whose point of view each capture is, recomputed at most once per second of capture time
    /// (it ranks a capture's unicast peers, too costly to redo for every episode of a scan).
    private func currentOwners(at time: Timestamp) -> [Int: Set<MACAddress>] {
        if let cache = ownerCache, time - cache.time < 1_000_000_000, time >= cache.time { return cache.owners }
        let owners = profiles.mapValues { $0.owners() }
        ownerCache = (owners, time)
        return owners
    }

    /// What every judgement needs: where the requests and replies were seen, the requester's
    /// side, and whether (and how fast) the episode was answered. Most episodes are answered in
    /// time and need nothing more (``picture(of:_:state:)`` completes it for a report).
    private struct Answer {
        var requestVantages: [Int]
        var replyVantages: [Int]
        var owners: [Int: Set<MACAddress>]
        var targetMAC: MACAddress?
        var side: [Int]
        var answeringVantages: [Int]
        var resolution: Int64?
        var answered: Bool
    }

    private func answer(of episode: Episode, state: AnalysisState) -> Answer {
        let requestVantages = episode.requestsByVantage.vantages
        let replyVantages = episode.repliesByVantage.pairs.filter { $0.count > 0 }.map(\.vantage)
        let owners = currentOwners(at: state.now)
        let requester = episode.key.requester
        let targetMAC =
            episode.replierMAC ?? addressOwners[AddressKey(vlan: episode.key.vlan, address: episode.key.target)]
            ?? episode.dataProof?.mac
        // The requester's side: only captures taken on the requester itself. A capture that merely
        // saw its broadcast requests (another host's, a mirror port) is not where a unicast reply
        // to it would appear.
        var side = owners.filter { $0.value.contains(requester) }.keys.sorted()
        if side.isEmpty, !replyVantages.isEmpty, requestVantages.count == 2 {
            // Two captures, no ownership evidence: the one that saw the requests but no reply is
            // the requester's only if it shows nobody else's frames either (not another host's).
            let candidates = requestVantages.filter { vantage in
                guard !replyVantages.contains(vantage), (owners[vantage] ?? []).isEmpty else { return false }
                guard let profile = profiles[vantage] else { return true }
                return profile.sources.first { key, _ in key != requester && key != targetMAC } == nil
            }
            if candidates.count == 1 { side = candidates }
        }
        // No capture is the requester's: any reply seen answers (nothing shows it was lost).
        let answeringVantages = side.isEmpty ? replyVantages : replyVantages.filter(side.contains)
        var resolution = answeringVantages.compactMap { episode.firstReplyByVantage[$0] }.min().map { $0 - episode.first }
        if resolution == nil, let proof = episode.dataProof,
            episode.last - episode.first >= settings(episode.family).window
        {
            // Proven by the data plane only: the requester was still asking after the window, so
            // the answer took at least that long and at most until its data was seen. Without
            // retries past the window it was answered in time.
            resolution = proof.time - episode.first
        }
        let answered = !answeringVantages.isEmpty || episode.dataProof != nil
        return Answer(
            requestVantages: requestVantages, replyVantages: replyVantages, owners: owners, targetMAC: targetMAC, side: side,
            answeringVantages: answeringVantages, resolution: resolution, answered: answered)
    }

    /// The whole picture of `episode` for a report, completing `answer`.
    private func picture(of episode: Episode, _ answer: Answer, state: AnalysisState) -> Picture {
        let requestVantages = answer.requestVantages
        let replyVantages = answer.replyVantages
        let owners = answer.owners
        let targetMAC = answer.targetMAC
        let answered = answer.answered
        var targetOwn: [Int] = []
        var targetSeen: [Int] = []
        if let targetMAC {
            targetOwn = owners.filter { $0.value.contains(targetMAC) }.keys.sorted()
            targetSeen = profiles.filter { $0.value.sources.contains(targetMAC) }.keys.sorted()
        }
        let targetSide = Set(targetOwn).union(targetSeen).union(replyVantages)
        let reached = targetSide.filter(requestVantages.contains).sorted()
        let missed = targetSide.filter { !requestVantages.contains($0) }.sorted()
        let silent = state.vantageNames.indices.filter { !requestVantages.contains($0) && profiles[$0] != nil }
        let direction: Direction
        if answered {
            direction = .answered
        } else if !replyVantages.isEmpty {
            direction = .replyLost
        } else if !missed.isEmpty && Set(reached).isDisjoint(with: targetOwn) {
            direction = .requestLost
        } else if !reached.isEmpty && (state.vantageNames.count > 1 || !Set(reached).isDisjoint(with: targetOwn)) {
            direction = .targetSilent
        } else {
            direction = .noReply
        }
        return Picture(
            requestVantages: requestVantages, replyVantages: replyVantages, requesterSide: answer.side, answered: answered,
            provenByData: answer.answeringVantages.isEmpty && episode.dataProof != nil, resolution: answer.resolution,
            direction: direction, targetMAC: targetMAC, targetOwnVantages: targetOwn,
            reachedTarget: reached, missedTarget: missed, silentVantages: silent)
    }

    /// Judges `episode` at `time`; returns whether it is finished (reported or dismissed).
    /// Not closing, an episode whose answer did not reach the requester stays open.
    @discardableResult
    private func judge(
        _ episode: Episode, at time: Timestamp, closing: Bool, atEnd: Bool, state: AnalysisState, sink: FindingSink
    ) -> Bool {
        let settings = settings(episode.family)
        let answer = answer(of: episode, state: state)
        if answer.answered {
            unwatch(episode)
            if let resolution = answer.resolution, resolution > settings.window {
                report(episode, picture(of: episode, answer, state: state), late: true, state: state, sink: sink)
            }
            return true
        }
        guard closing else { return false }
        unwatch(episode)
        // Not yet judgeable: the first request had less than the window before the capture ended.
        if atEnd && time - episode.first < settings.window { return true }
        report(episode, picture(of: episode, answer, state: state), late: false, state: state, sink: sink)
        return true
    }

    private func gatewayReason(_ episode: Episode, _ view: Picture) -> String? {
        let target = episode.key.target
        if let reason = vips[target] { return reason }
        if case .v4(let ip) = target, nlbClusterIPs.contains(ip) { return "a Windows NLB cluster address" }
        if let mac = view.targetMAC, configuration.isKnownVirtualMAC(mac) { return "answered by the virtual MAC \(mac)" }
        let count = requesters[AddressKey(vlan: episode.key.vlan, address: target)]?.count ?? 0
        if count >= settings(episode.family).gatewayRequesters {
            return "resolved by \(count) or more hosts, like a gateway"
        }
        return nil
    }

    private struct Cadence {
        var median: Int64
        var pattern: String
        var text: String
    }

    private func cadence(_ episode: Episode) -> Cadence {
        let median = DurationText.median(episode.gaps)
        let second: Int64 = 1_000_000_000
        let regular =
            !episode.gaps.isEmpty && abs(median - second) <= second / 5
            && episode.gaps.allSatisfy { $0 <= second * 3 / 2 }
        let arp = episode.family == .arp
        let mac = episode.probedMAC.map { " \($0)" } ?? ""
        guard regular else {
            return Cadence(median: median, pattern: "other", text: "")
        }
        switch (episode.count, episode.unicastCount, episode.broadcastCount) {
        case (3, 0, 3):
            let text = arp
                ? "the Linux INCOMPLETE pattern, 3 broadcasts then FAILED"
                : "the INCOMPLETE pattern, 3 multicast solicitations (RFC 4861 MAX_MULTICAST_SOLICIT) then FAILED"
            return Cadence(median: median, pattern: "incomplete", text: text)
        case (3, 3, 0):
            let text = arp
                ? "the Linux PROBE pattern, 3 unicast requests to the cached MAC\(mac) then FAILED"
                : "the PROBE pattern, 3 unicast solicitations to the cached MAC\(mac) then FAILED"
            return Cadence(median: median, pattern: "probe", text: text)
        case (6, 3, 3):
            return Cadence(
                median: median, pattern: "probe_then_incomplete",
                text: "PROBE (3 unicast to the cached MAC\(mac)) then INCOMPLETE (3 \(arp ? "broadcasts" : "multicasts")): the cached MAC stopped answering")
        case (let count, 0, _) where count > 3 && count % 3 == 0:
            return Cadence(
                median: median, pattern: "repeated_incomplete",
                text: "\(count / 3) INCOMPLETE cycles of 3 \(arp ? "broadcasts" : "multicasts") back to back: traffic keeps retrying")
        default:
            return Cadence(median: median, pattern: "other", text: "")
        }
    }

    private func report(_ episode: Episode, _ view: Picture, late: Bool, state: AnalysisState, sink: FindingSink) {
        let family = episode.family
        let settings = settings(family)
        let key = episode.key
        let target = key.target
        let requesterText = "\(episode.requesterIP) (\(key.requester))"
        let targetText = view.targetMAC.map { "\(target) (\($0))" } ?? "\(target)"
        let names: ([Int]) -> String = { DurationText.list($0.map(state.vantageName)) }
        let span = episode.last - episode.first
        let cadence = cadence(episode)
        let multi = state.vantageNames.count > 1
        let gateway = gatewayReason(episode, view)
        let neverOwned = view.targetMAC == nil && view.replyVantages.isEmpty
        let scanning =
            (recentTargets[RequesterKey(vlan: key.vlan, mac: key.requester)]?.count ?? 0) >= scanTargets
        let episodeNumber = pairEpisodes.update(key, default: { 0 }) { count -> Int in
            count += 1
            return count
        }.result

        // The sentence.
        var text = "\(requesterText) asked for \(target) \(DurationText.times(episode.count))"
        if episode.count > 1 {
            text += " over \(DurationText.seconds(span)) (\(DurationText.seconds(cadence.median)) apart"
            text += cadence.text.isEmpty ? ")" : ": \(cadence.text))"
        } else if episode.unicastCount == 1 {
            text += " (unicast to \(episode.probedMAC.map(\.description) ?? "its cached MAC"))"
        }
        var remedy: String
        let plural = episode.count == 1 ? family.request : "\(family.request)s"
        let wasWere = episode.count == 1 ? "was" : "were"
        let neigh = family.neighCommand
        let compare =
            "Compare `\(neigh) show \(target)` on \(episode.requesterIP) with the neighbour table on \(target) during the outage."
        let staticNote =
            "A static \(family == .arp ? "ARP" : "neighbour") entry does not fix a host that does not answer: its replies and its own resolutions still fail."
        if late, view.provenByData, let proof = episode.dataProof {
            let resolution = view.resolution ?? 0
            text += " before it was seen sending to \(targetText)"
            if let mac = proof.mac, mac != view.targetMAC { text += " at \(mac)" }
            text += ", \(DurationText.seconds(resolution)) after its first \(family.request) (window \(DurationText.seconds(settings.window))):"
            text += " resolution took that long at most"
            if view.replyVantages.isEmpty {
                text += "; no \(family.reply) was seen at any capture"
            } else if !view.requesterSide.isEmpty {
                text += "; the \(family.replies) seen at \(names(view.replyVantages)) never reached \(names(view.requesterSide))"
            }
            remedy = "Resolution works but is slow: the first \(family.request)s or answers are lost or \(target) answers late. "
                + "Check load and NIC/driver health on \(target), and drops on the path (switch port errors, storm control). "
                + compare
        } else if late {
            let resolution = view.resolution ?? 0
            text += " before \(targetText) answered: resolution took \(DurationText.seconds(resolution))"
            text += " (window \(DurationText.seconds(settings.window)))"
            text += ", answer seen at \(names(view.replyVantages))"
            remedy = "Resolution works but is slow: the first \(family.request)s or answers are lost or \(target) answers late. "
                + "Check load and NIC/driver health on \(target), and drops on the path (switch port errors, storm control). "
                + compare
        } else {
            switch view.direction {
            case .replyLost:
                text += "; the \(plural) reached \(names(view.replyVantages)) and \(targetText)"
                let each = episode.replyCount >= episode.count ? "each time" : DurationText.times(episode.replyCount)
                text += " \(family == .arp ? "replied" : "advertised") there \(each)"
                text += ", but no \(family.reply) reached \(names(view.requesterSide)): \(family.replies) are lost between"
                text += " \(names(view.replyVantages)) and \(names(view.requesterSide)), on the way from \(target) back to \(episode.requesterIP)"
                remedy = "\(target) answers but its \(family.replies) do not arrive: check the path from \(target) back to "
                    + "\(episode.requesterIP) (switch port and VLAN of both, the MAC table entry for \(key.requester), "
                    + "port security or dynamic ARP inspection dropping the replies, and the transmit side of \(target)'s "
                    + "NIC/driver: offloads, teaming). A static \(family == .arp ? "ARP" : "neighbour") entry on \(episode.requesterIP) only hides this "
                    + "direction: \(target)'s own resolutions and replies can fail the same way. " + compare
            case .requestLost:
                let own = view.missedTarget.filter(view.targetOwnVantages.contains)
                let whose = own.isEmpty ? "where \(target)'s frames are seen" : "where \(target)'s own frames are captured"
                text += "; the \(plural) \(wasWere) seen at \(names(view.requestVantages)) but never reached"
                text += " \(names(view.missedTarget)), \(whose): \(family.request)s are lost between"
                text += " \(names(view.requestVantages)) and \(names(view.missedTarget)), on the way from \(episode.requesterIP) to \(target)"
                remedy = "The \(family.request)s from \(episode.requesterIP) do not reach \(target): check the path to it "
                    + "(switch port state, VLAN membership of both ports, broadcast/multicast storm control or "
                    + "\(family == .arp ? "ARP" : "MLD snooping") filtering, \(target)'s receive side). " + compare
            case .targetSilent:
                let own = view.reachedTarget.filter(view.targetOwnVantages.contains)
                if own.isEmpty {
                    text += "; the \(plural) reached \(names(view.reachedTarget)), where \(target)'s frames are also seen,"
                } else {
                    text += "; the \(plural) reached \(names(own)), \(target)'s own capture,"
                }
                text += " but \(target) never \(family == .arp ? "replied" : "advertised"): it is not answering"
                remedy = "\(target) receives the \(family.request)s but does not answer: check its NIC and driver "
                    + "(update or replace it; a reboot that helps only for a while points there), its firewall or "
                    + "filter drivers, \(family == .arp ? "arp_ignore/arp_filter, " : "")and that \(target) is "
                    + "configured on that interface. " + staticNote + " " + compare
            case .noReply, .answered:
                if multi {
                    text += "; the \(plural) \(wasWere) seen at \(names(view.requestVantages)) and no \(family.reply) at any capture"
                    let silent = view.silentVantages
                    if !silent.isEmpty { text += " (not seen at \(names(silent)))" }
                } else {
                    text += " and no \(family.reply) was seen at \(names(view.requestVantages))"
                }
                remedy = "Capture on \(target)'s side too (`tcpdump -i IFACE \(family == .arp ? "arp" : "icmp6")`) to see whether the "
                    + "\(family.request)s arrive and whether it answers. Check that \(target) is up and configured, its "
                    + "NIC/driver and firewall\(family == .arp ? ", arp_ignore/arp_filter" : ""). " + staticNote + " " + compare
            }
        }
        var notes: [String] = []
        if let gateway { notes.append("\(target) is \(gateway)") }
        if neverOwned && !late { notes.append("no capture ever saw \(target) in use") }
        if scanning {
            notes.append("\(key.requester) asked for \(scanTargets)+ addresses within \(DurationText.seconds(scanWindow)): a scan, see arp.storm")
        }
        if episodeNumber > 1 { notes.append("episode \(episodeNumber) for this pair") }
        if !notes.isEmpty { text += " (" + notes.joined(separator: "; ") + ")" }

        // Severity.
        var level = 1
        if neverOwned && (episode.count == 1 || scanning) { level = 0 }
        if settings.longEpisode > 0 && span >= settings.longEpisode { level += 1 }
        if gateway != nil { level += 1 }
        if late { level -= 1 }
        let severity: Severity = level >= 2 ? .critical : (level <= 0 ? .info : .warning)

        // Evidence.
        var drafts = episode.requestEvidence
        if let last = episode.lastRequestEvidence { drafts.append(last) }
        drafts += episode.replyEvidence
        if let last = episode.lastReplyEvidence { drafts.append(last) }
        var evidence = drafts.map { $0.evidence(state) }
        if let proof = episode.dataProof { evidence.append(proof.evidence) }

        // Details.
        var perVantage: [String: DetailValue] = [:]
        for vantage in Set(episode.requestsByVantage.vantages).union(episode.repliesByVantage.vantages).sorted() {
            perVantage[state.vantageName(vantage)] = .object([
                "requests": .int(episode.requestsByVantage[vantage] ?? 0),
                "replies": .int(episode.repliesByVantage[vantage] ?? 0),
            ])
        }
        var details: [String: DetailValue] = [
            "requester": .string(episode.requesterIP.description),
            "requester_mac": .string(key.requester.description),
            "target": .string(target.description),
            "target_mac": view.targetMAC.map { .string($0.description) } ?? .null,
            "count": .int(episode.count),
            "unicast_count": .int(episode.unicastCount),
            "cadence_seconds": episode.count > 1 ? .double(Double(cadence.median) / 1e9) : .null,
            "cadence": .string(episode.count > 1 ? DurationText.seconds(cadence.median) : "single request"),
            "pattern": .string(cadence.pattern),
            "first": .string(episode.first.description),
            "last": .string(episode.last.description),
            "answered": .bool(view.answered),
            "answered_by": view.answered ? .string(view.provenByData ? "data_plane" : "reply") : .null,
            "resolution_seconds": view.resolution.map { .double(Double($0) / 1e9) } ?? .null,
            "direction": .string(view.direction.rawValue),
            "per_vantage": .object(perVantage),
            "replies": .int(episode.replyCount),
            "gateway_or_vip": gateway.map { .string($0) } ?? .bool(false),
            "episode": .int(episodeNumber),
            "part_of_scan": .bool(scanning),
            "requester_vantages": .list(view.requesterSide.map { .string(state.vantageName($0)) }),
        ]
        if let probed = episode.probedMAC { details["probed_mac"] = .string(probed.description) }

        var macs = [key.requester.description]
        if let targetMAC = view.targetMAC, targetMAC != key.requester { macs.append(targetMAC.description) }
        let end = late ? episode.first + (view.resolution ?? 0) : max(episode.last, episode.first + settings.window)
        sink.emit(
            Finding(
                kind: family.kind, severity: severity, start: episode.first, end: end, summary: text,
                ips: [episode.requesterIP.description, target.description], macs: macs,
                vlan: key.vlan, evidence: evidence, remedy: remedy,
                // Episodes of one pair merge when they tell the same story (same direction, so the
                // same remedy); a late answer is a separate finding.
                key: "\(family.kind.rawValue)|\(key.vlan)|\(key.requester)|\(target)|\(late ? "late" : view.direction.rawValue)",
                details: details))
    }
}
