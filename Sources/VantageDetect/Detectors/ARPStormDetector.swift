//  arp.storm: too many ARP requests. Three rules, one episode per sender (or one for the whole
//  segment), reported once per episode, not per frame:
//
//    sender flood   one sender's requests/s over a sliding `rate_window` >= `sender_rate`
//    scan           one sender asks for >= `scan_targets` distinct addresses within `scan_window`
//    segment storm  all senders together >= `total_rate` requests/s at one capture
//
//  What other tools do (landscape.md §1, "Request storm / flood / scan"): arpalert per-MAC and
//  global requests/s, Wireshark > 30 requests in 100 ms, Slips >= 5 distinct targets in 30 s,
//  Colasoft > 10 requests/s. The defaults here are higher so that a gateway resolving a busy
//  subnet does not trip them. Counted: ordinary requests and RFC 5227 probes; gratuitous ARPs and
//  announcements (failover bursts) are not. A request copied to several captures is counted at
//  the first capture that saw the sender only.

import VantageCapture
import VantageState
import VantageWire

/// Finds ARP request floods, address scans and segment-wide ARP storms.
public final class ARPStormDetector: ConfigurableDetector {
    /// The finding kind.
    public static let kind = FindingKind(rawValue: "arp.storm")

    /// The tunables (section `arp.storm`).
    public enum Tunables {
        /// Sliding window for request rates.
        public static let rateWindow = Tunable(
            "rate_window", unit: "s", default: 1.0, "sliding window over which request rates are measured")
        /// Per-sender rate.
        public static let senderRate = Tunable(
            "sender_rate", unit: "requests/s", default: 20,
            "one sender's ARP requests per second (over rate_window) at or above this are a flood")
        /// Segment-wide rate.
        public static let totalRate = Tunable(
            "total_rate", unit: "requests/s", default: 200,
            "all senders' ARP requests per second at one capture (over rate_window) at or above this are a storm")
        /// Distinct targets of a scan.
        public static let scanTargets = Tunable(
            "scan_targets", unit: "addresses", default: 32,
            "one sender asking for at least this many distinct addresses within scan_window is scanning")
        /// Window of a scan.
        public static let scanWindow = Tunable(
            "scan_window", unit: "s", default: 10, "time window for counting a sender's distinct targets")
        /// Quiet time that ends an episode.
        public static let episodeGap = Tunable(
            "episode_gap", unit: "s", default: 10,
            "an episode ends after this long with every rule below its threshold")
        /// Cap on tracked senders.
        public static let maxSenders = Tunable(
            "max_senders", unit: "senders", default: 4096,
            "most senders tracked; the least recently active are evicted (an open episode is reported first)")

        static let all = [rateWindow, senderRate, totalRate, scanTargets, scanWindow, episodeGap, maxSenders]
    }

    /// The thresholds, read from the analysis configuration.
    public struct Configuration: Sendable {
        /// ``Tunables/rateWindow`` in nanoseconds.
        public var rateWindow: Int64
        /// Requests within `rateWindow` that make one sender a flood.
        public var senderRequests: Int
        /// Requests within `rateWindow` that make a segment storm.
        public var totalRequests: Int
        /// ``Tunables/scanTargets``.
        public var scanTargets: Int
        /// ``Tunables/scanWindow`` in nanoseconds.
        public var scanWindow: Int64
        /// ``Tunables/episodeGap`` in nanoseconds.
        public var episodeGap: Int64
        /// ``Tunables/maxSenders``.
        public var maxSenders: Int
        /// ``Tunables/senderRate``.
        public var senderRate: Double
        /// ``Tunables/totalRate``.
        public var totalRate: Double

        /// The values under `arp.storm`, defaults where not set.
        public init(_ configuration: AnalysisConfiguration) {
            let section = ARPStormDetector.kind.rawValue
            rateWindow = max(1_000_000, configuration.nanoseconds(Tunables.rateWindow, in: section))
            senderRate = configuration.value(Tunables.senderRate, in: section)
            totalRate = configuration.value(Tunables.totalRate, in: section)
            let seconds = Double(rateWindow) / 1e9
            senderRequests = max(2, Int((senderRate * seconds).rounded(.up)))
            totalRequests = max(2, Int((totalRate * seconds).rounded(.up)))
            scanTargets = max(2, Int(configuration.value(Tunables.scanTargets, in: section)))
            scanWindow = max(1, configuration.nanoseconds(Tunables.scanWindow, in: section))
            episodeGap = max(rateWindow, configuration.nanoseconds(Tunables.episodeGap, in: section))
            maxSenders = max(16, Int(configuration.value(Tunables.maxSenders, in: section)))
        }
    }

    public static var descriptions: [KindDescription] {
        [
            KindDescription(
                kind: kind,
                meaning: "Too many ARP requests: one host flooding requests, one host scanning many addresses, or "
                    + "the whole segment carrying an ARP storm (often a bridging loop).",
                rule: "Counting ARP requests and RFC 5227 probes (not gratuitous ARPs or announcements), each request "
                    + "once even when several captures saw it: a sender at or above `sender_rate` requests/s over "
                    + "`rate_window` (flood), or asking for at least `scan_targets` distinct addresses within "
                    + "`scan_window` (scan); all senders together at or above `total_rate` requests/s at one capture "
                    + "(storm). One finding per episode per sender (per segment for storms); an episode ends after "
                    + "`episode_gap` below every threshold.",
                severity: "warning",
                remedies: "Identify the sender (scanner, monitoring, a host with a wrong netmask, malware); allow-list "
                    + "an expected scanner with allow.ignore_ips; for repeating identical requests or a segment storm "
                    + "look for a bridging loop (STP state, port counters); rate-limit ARP on access ports "
                    + "(storm control, dynamic ARP inspection rate limits).",
                tunables: Tunables.all)
        ]
    }

    // MARK: - State

    private struct SenderKey: BoundedMapKey {
        var vlan: UInt16
        var mac: MACAddress

        /// The fields folded into one word: the sender map looks a key up without SipHash.
        var bucketHash: UInt64 { mac.rawValue | UInt64(vlan) << 48 }
    }

    /// The last `capacity` request times, oldest first once full.
    private struct TimeRing {
        private var times: [Timestamp] = []
        private var head = 0
        let capacity: Int

        init(capacity: Int) { self.capacity = capacity }

        /// Adds `time`; returns the time of the request `capacity - 1` requests before it, once
        /// the ring is full (so `time - result` spans `capacity` requests).
        mutating func add(_ time: Timestamp) -> Timestamp? {
            if times.count < capacity {
                times.append(time)
                return times.count == capacity ? times[0] : nil
            }
            times[head] = time
            head = (head + 1) % capacity
            return times[head]
        }
    }

    private struct Episode {
        var start: Timestamp
        var lastOver: Timestamp
        var last: Timestamp
        var requests = 0
        var targets: Set<IPv4Address> = []
        var targetOverflow = false
        var senders: Set<MACAddress> = []
        var flood = false
        var scan = false
        var peakRate = 0.0
        var vantages: Set<Int> = []
        var evidence: [Evidence] = []
        var lastEvidence: Evidence?
        var senderIP: IPv4Address?
        var lowest: IPv4Address?
        var highest: IPv4Address?

        static let targetLimit = 65536
        static let evidenceLimit = 12

        /// Counts one request; `note` is worded only when it becomes evidence.
        mutating func add(_ reference: FrameReference, target: IPv4Address, sender: MACAddress, note: @autoclosure () -> String) {
            requests += 1
            last = reference.time
            vantages.insert(reference.vantage)
            if senders.count < 4096 { senders.insert(sender) }
            if targets.count < Self.targetLimit { targets.insert(target) } else { targetOverflow = true }
            lowest = min(lowest ?? target, target)
            highest = max(highest ?? target, target)
            if evidence.count < Self.evidenceLimit {
                evidence.append(Evidence(reference, note()))
            } else {
                lastEvidence = Evidence(reference, note())
            }
        }
    }

    private struct Sender {
        var vantage: Int
        var ring: TimeRing
        var targets: [IPv4Address: Timestamp] = [:]
        var recent: [(reference: FrameReference, target: IPv4Address)] = []
        var ip: IPv4Address
        var episode: Episode?
        var episodeNumber = 0
    }

    private let settings: Configuration
    private let ignoredIPs: Set<IPv4Address>
    /// Least recently active evicted first (exact LRU: a request marks its sender used).
    private var senders: BoundedMap<SenderKey, Sender>
    private var openSenders: Set<SenderKey> = []
    /// The segment-wide request times per capture, indexed by vantage (mutated in place).
    private var segmentRings: [TimeRing] = []
    private var segment: Episode?
    /// The capture whose requests the segment episode counts (the one that tripped it).
    private var segmentVantage = 0
    private var segmentEpisodes = 0

    /// Senders evicted because the sender map was full.
    public var senderEvictions: Int { senders.evictions }

    /// Entries evicted from each capped map so far.
    public var evictions: [String: Int] { ["senders": senders.evictions] }

    public var interest: ObservationInterest { .arp }

    public init(configuration: AnalysisConfiguration) {
        settings = Configuration(configuration)
        ignoredIPs = configuration.ignoredIPs
        senders = BoundedMap(capacity: settings.maxSenders)
    }

    // MARK: - Observe

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        guard let arp = observation.packet.arp, arp.isEthernetIPv4 else { return }
        let variant = arp.variant
        // An empty allow list (the usual case) costs no hashing.
        guard variant == .request || variant == .probe,
            ignoredIPs.isEmpty || (!ignoredIPs.contains(arp.senderIP) && !ignoredIPs.contains(arp.targetIP))
        else { return }
        let reference = observation.reference
        let time = reference.time
        let key = SenderKey(vlan: observation.vlan, mac: arp.senderMAC)
        // Worded only for a request that becomes evidence (inside an episode).
        func note() -> String {
            "who-has \(arp.targetIP) tell \(arp.senderIP.isUnspecified ? "0.0.0.0 (probe)" : arp.senderIP.description) at \(state.vantageName(reference.vantage))"
        }
        let settings = settings

        // Segment-wide rate, per capture.
        while segmentRings.count <= reference.vantage {
            segmentRings.append(TimeRing(capacity: settings.totalRequests))
        }
        let segmentOldest = segmentRings[reference.vantage].add(time)
        var segmentOpened = false
        if let oldest = segmentOldest, time - oldest <= settings.rateWindow {
            let rate = Self.rate(count: settings.totalRequests, span: time - oldest, window: settings.rateWindow)
            if segment == nil {
                segmentEpisodes += 1
                var episode = Episode(start: oldest, lastOver: time, last: time)
                // The requests within the window that reached the threshold, this one added below.
                episode.requests = settings.totalRequests - 1
                segment = episode
                segmentVantage = reference.vantage
                segmentOpened = true
            }
            if var episode = segment {
                episode.lastOver = time
                episode.peakRate = max(episode.peakRate, rate)
                segment = episode
            }
        }
        if reference.vantage == segmentVantage {
            segment?.add(reference, target: arp.targetIP, sender: arp.senderMAC, note: note())
        }
        if segmentOpened { emitSegment(state: state, sink: sink) }

        // Per sender, counted at the first capture that saw it.
        var evicted: (key: SenderKey, value: Sender)?
        let slot: Int
        if let found = senders.find(key) {
            slot = found
        } else {
            let sender = Sender(vantage: reference.vantage, ring: TimeRing(capacity: settings.senderRequests), ip: arp.senderIP)
            (slot, evicted) = senders.insert(key, sender)
        }
        let inEpisode = Self.count(
            &senders[slot: slot], key: key, arp: arp, reference: reference, settings: settings, state: state, note: note())
        if let (evictedKey, sender) = evicted {
            openSenders.remove(evictedKey)
            if sender.episode != nil { emit(evictedKey, sender, state: state, sink: sink) }
        }
        if inEpisode, !openSenders.contains(key) {
            // Reported as soon as it trips (for live use); updated under the same key when it ends.
            openSenders.insert(key)
            emit(key, senders[slot: slot], state: state, sink: sink)
        }
    }

    /// Counts a request of `sender` (seen at `reference`) towards its flood and scan rules, and
    /// opens or extends its episode; returns whether the sender is in an episode.
    private static func count(
        _ sender: inout Sender, key: SenderKey, arp: ARPPacket, reference: FrameReference, settings: Configuration,
        state: AnalysisState, note: @autoclosure () -> String
    ) -> Bool {
        let time = reference.time
        // Counted at the first capture that saw the sender only.
        guard sender.vantage == reference.vantage else { return sender.episode != nil }
        if !arp.senderIP.isUnspecified { sender.ip = arp.senderIP }
        sender.recent.append((reference, arp.targetIP))
        if sender.recent.count > 8 { sender.recent.removeFirst() }
        var flood = false
        var rate = 0.0
        if let oldest = sender.ring.add(time), time - oldest <= settings.rateWindow {
            flood = true
            rate = Self.rate(count: settings.senderRequests, span: time - oldest, window: settings.rateWindow)
        }
        sender.targets[arp.targetIP] = time
        var scan = false
        if sender.targets.count >= settings.scanTargets {
            sender.targets = sender.targets.filter { time - $0.value <= settings.scanWindow }
            scan = sender.targets.count >= settings.scanTargets
            if sender.targets.count > settings.scanTargets * 4 {
                let kept = sender.targets.sorted { $0.value > $1.value }.prefix(settings.scanTargets * 2)
                sender.targets = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
            }
        }
        if flood || scan {
            if sender.episode == nil {
                sender.episodeNumber += 1
                // Back-fill what led up to the threshold: the distinct targets of the scan window,
                // and at least the flood's requests within the rate window.
                let window = sender.targets.filter { time - $0.value <= max(settings.scanWindow, settings.rateWindow) }
                var episode = Episode(start: window.values.min() ?? time, lastOver: time, last: time)
                episode.senderIP = arp.senderIP.isUnspecified ? nil : arp.senderIP
                for (earlier, target) in sender.recent.dropLast() {
                    episode.add(earlier, target: target, sender: key.mac, note: "who-has \(target) at \(state.vantageName(earlier.vantage)) (before the threshold)")
                }
                for target in window.keys where episode.targets.count < Episode.targetLimit {
                    episode.targets.insert(target)
                    episode.lowest = min(episode.lowest ?? target, target)
                    episode.highest = max(episode.highest ?? target, target)
                }
                episode.targets.remove(arp.targetIP)
                episode.requests = max(window.count - 1, flood ? settings.senderRequests - 1 : 0)
                episode.last = time
                sender.episode = episode
            }
            if var episode = sender.episode {
                episode.lastOver = time
                episode.flood = episode.flood || flood
                episode.scan = episode.scan || scan
                episode.peakRate = max(episode.peakRate, rate)
                sender.episode = episode
            }
        }
        if !arp.senderIP.isUnspecified, sender.episode?.senderIP == nil { sender.episode?.senderIP = arp.senderIP }
        sender.episode?.add(reference, target: arp.targetIP, sender: key.mac, note: note())
        return sender.episode != nil
    }

    public func advance(to time: Timestamp, state: AnalysisState, sink: FindingSink) {
        for key in openSenders {
            guard let sender = senders[key: key], let episode = sender.episode else {
                openSenders.remove(key)
                continue
            }
            guard time - episode.lastOver >= settings.episodeGap else { continue }
            emit(key, sender, state: state, sink: sink)
            if let slot = senders.slot(of: key) { senders[slot: slot].episode = nil }
            openSenders.remove(key)
        }
        if let segment, time - segment.lastOver >= settings.episodeGap {
            emitSegment(state: state, sink: sink)
            self.segment = nil
        }
    }

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        for key in openSenders {
            if let sender = senders[key: key], sender.episode != nil { emit(key, sender, state: state, sink: sink) }
        }
        openSenders.removeAll()
        if segment != nil { emitSegment(state: state, sink: sink) }
        segment = nil
    }

    private static func rate(count: Int, span: Int64, window: Int64) -> Double {
        // `count` requests within `span` (<= window): at least count / window, about count / span.
        let seconds = Double(max(span, 1)) / 1e9
        return max(Double(count - 1) / seconds, Double(count) / (Double(window) / 1e9))
    }

    // MARK: - Findings

    private func rangeText(_ episode: Episode) -> String {
        guard let low = episode.lowest, let high = episode.highest else { return "" }
        return low == high ? " (\(low))" : " (\(low) to \(high))"
    }

    private func emit(_ key: SenderKey, _ sender: Sender, state: AnalysisState, sink: FindingSink) {
        guard let episode = sender.episode else { return }
        let span = max(episode.last - episode.start, 0)
        let ipText = episode.senderIP.map { " (\($0))" } ?? ""
        let distinct = episode.targets.count
        let where_ = DurationText.list(episode.vantages.sorted().map(state.vantageName))
        var text = "\(key.mac)\(ipText) sent \(episode.requests) ARP requests for \(distinct)\(episode.targetOverflow ? "+" : "") "
            + "distinct address\(distinct == 1 ? "" : "es")\(rangeText(episode)) in \(DurationText.seconds(span)) at \(where_)"
        if episode.peakRate > 0 { text += " (peak about \(Int(episode.peakRate.rounded())) requests/s)" }
        var what: [String] = []
        if episode.scan { what.append("an address scan (\(settings.scanTargets)+ distinct addresses within \(DurationText.seconds(settings.scanWindow)))") }
        if episode.flood { what.append("a request flood (\(Int(settings.senderRate)) requests/s or more)") }
        text += ": " + DurationText.list(what)
        let repeating = episode.requests >= 3 * max(distinct, 1)
        if repeating { text += "; the same requests repeat, as in a bridging loop or a stuck retry loop" }
        let who = episode.senderIP.map(\.description) ?? key.mac.description
        // One text for every rule: the finding is emitted when it trips and updated when it ends,
        // and a merged finding keeps its first remedy.
        let remedy =
            "Find out what on \(who) sends so many requests: a scanner (inventory, monitoring, arp-scan/nmap), a "
            + "wrong netmask, malware, or a process stuck retrying. If it is expected, add it to allow.ignore_ips or "
            + "raise scan_targets / sender_rate. If the same requests repeat, look for a bridging loop (STP port "
            + "states, broadcast counters); rate-limit ARP on the access port (storm control, dynamic ARP inspection "
            + "limits)."

        var evidence = episode.evidence
        if let last = episode.lastEvidence { evidence.append(last) }
        sink.emit(
            Finding(
                kind: Self.kind, severity: .warning, start: episode.start, end: episode.last, summary: text,
                ips: episode.senderIP.map { [$0.description] } ?? [], macs: [key.mac.description], vlan: key.vlan,
                evidence: evidence, remedy: remedy,
                key: "\(Self.kind.rawValue)|sender|\(key.vlan)|\(key.mac)|\(sender.episodeNumber)",
                details: [
                    "rule": .list((episode.scan ? [DetailValue.string("scan")] : []) + (episode.flood ? [.string("flood")] : [])),
                    "sender_mac": .string(key.mac.description),
                    "sender_ip": episode.senderIP.map { .string($0.description) } ?? .null,
                    "requests": .int(episode.requests),
                    "distinct_targets": .int(distinct),
                    "seconds": .double(Double(span) / 1e9),
                    "peak_rate": .double(episode.peakRate),
                    "episode": .int(sender.episodeNumber),
                    "first": .string(episode.start.description),
                    "last": .string(episode.last.description),
                ]))
    }

    private func emitSegment(state: AnalysisState, sink: FindingSink) {
        guard let episode = segment else { return }
        let span = max(episode.last - episode.start, 0)
        let where_ = DurationText.list(episode.vantages.sorted().map(state.vantageName))
        let text = "ARP storm: \(episode.requests) ARP requests from \(episode.senders.count) senders in "
            + "\(DurationText.seconds(span)) at \(where_) (peak about \(Int(episode.peakRate.rounded())) requests/s, "
            + "threshold \(Int(settings.totalRate))/s)"
        var evidence = episode.evidence
        if let last = episode.lastEvidence { evidence.append(last) }
        sink.emit(
            Finding(
                kind: Self.kind, severity: .warning, start: episode.start, end: episode.last, summary: text,
                evidence: evidence,
                remedy: "Look for a bridging loop (STP port states, broadcast counters on the switches), a host "
                    + "flooding ARP, or a broadcast domain too large; enable storm control on access ports.",
                key: "\(Self.kind.rawValue)|segment|\(segmentEpisodes)",
                details: [
                    "rule": .list([.string("storm")]),
                    "requests": .int(episode.requests),
                    "senders": .int(episode.senders.count),
                    "seconds": .double(Double(span) / 1e9),
                    "peak_rate": .double(episode.peakRate),
                    "first": .string(episode.start.description),
                    "last": .string(episode.last.description),
                ]))
    }
}
