//  tcp.handshake_failed / tcp.handshake_slow: TCP handshakes that never completed, or completed
//  only after a retransmission (the delay a user feels), tied to their L2 cause; and
//  tcp.handshake_table_saturated when the bounded table of open handshakes forgot some.
//
//      client                         server
//        | SYN  ------------------------> |   t = 0
//        |        <-------------- SYN-ACK |   (lost: to a stale MAC, to a CARP backup, ...)
//        | SYN  ------------------------> |   t = 1 s (Linux) or 3 s (Windows, old stacks)
//        |        <-------------- SYN-ACK |
//        | ACK  ------------------------> |   completed after 1 s / 3 s: tcp.handshake_slow
//
//  Tracking (this file): every SYN and SYN-ACK goes into a bounded table keyed by (VLAN,
//  connection) in canonical order; a transmission seen at several vantage points is one
//  (HandshakeSegments.swift). Any other segment is looked at only when a direction-free 12-bit
//  hash of its two ports is marked in a 512-byte bitmap of buckets with pending handshakes: a
//  data segment of an established connection costs the transport tag, the flags, the ports and
//  one bit test; SYNs and the rare segments that pass go to out-of-line functions, so the fast
//  path sets up no large stack frame. Measured with perf on the 1M-frame benchmark capture
//  (98 % TCP, 1.2 % of SYNs lost): observe() 1.0 % of `analyze` samples and 3.0 % for everything
//  of this detector, down from 1.9 % / 3.4 % with an address hash over a counting array. A non-SYN segment with ACK completes a handshake; a RST ends it.
//  A handshake is decided when it completes (at once with one vantage point; after copy_window
//  with several, so late copies from a vantage point whose clock is behind still join it), after
//  give_up seconds without a SYN, SYN-ACK or completion, when it is evicted, or at the end.
//  Handshakes that completed at once only count; the rest are kept (bounded) for the report.
//
//  At finish (TCPHandshakeCauses.swift) each kept handshake is tied to a cause among the
//  findings of the detectors that ran before (stale neighbor cache, VIP traffic to a backup,
//  unanswered ARP/NDP) or to its RST, and (TCPHandshakeReport.swift) aggregated per (server,
//  cause) with the server's handshake counts and the "1 in N" figure.

import VantageCapture
import VantageState
import VantageWire

/// Tracks TCP handshakes and reports the failed and the slow ones, with their cause.
public final class TCPHandshakeDetector: ConfigurableDetector {
    /// Handshakes that never completed.
    public static let failedKind = FindingKind(rawValue: "tcp.handshake_failed")
    /// Handshakes that completed only after retransmission.
    public static let slowKind = FindingKind(rawValue: "tcp.handshake_slow")
    /// The pending-handshake table was full and forgot handshakes.
    public static let saturatedKind = FindingKind(rawValue: "tcp.handshake_table_saturated")

    /// The tunables: tracking and failures under `tcp.handshake_failed`, slowness under `tcp.handshake_slow`.
    public enum Tunables {
        /// Copies of one segment at different vantage points lie within this.
        public static let copyWindow = Tunable(
            "copy_window", unit: "s", default: 1,
            "the same SYN or SYN-ACK captured at several vantage points (identical IP id and TCP timestamp) within this is one transmission; cover the clock offsets between the captures")
        /// A handshake idle this long is decided.
        public static let giveUp = Tunable(
            "give_up", unit: "s", default: 35,
            "a handshake with no SYN, SYN-ACK or completing segment for this long is decided (Linux SYN gaps grow to 32 s)")
        /// Unanswered handshakes younger than this at the end of the capture are in flight.
        public static let inFlight = Tunable(
            "in_flight", unit: "s", default: 3,
            "at the end of the capture, an open handshake whose first SYN is younger than this is in flight, not failed")
        /// Pending table capacity.
        public static let tableCapacity = Tunable(
            "table_capacity", unit: "entries", default: 16384,
            "handshakes tracked at once (about 1.3 kB each); when full, the least recently active is forgotten and counted as evicted")
        /// Failures that make a finding critical (with the ratio).
        public static let criticalCount = Tunable(
            "critical_count", unit: "handshakes", default: 10,
            "a (server, cause) episode with at least this many failed handshakes, at a failure ratio of critical_ratio or more, is critical")
        /// Failure ratio that makes a finding critical (with the count).
        public static let criticalRatio = Tunable(
            "critical_ratio", unit: "ratio", default: 0.2,
            "the share of the server's handshakes that failed for this cause, from which an episode with critical_count failures is critical")
        /// Isolated failures against a server that never answered are info.
        public static let isolatedCount = Tunable(
            "isolated_count", unit: "handshakes", default: 2,
            "at most this many failures (RST, or no SYN-ACK at all) against a server that completed no handshake are reported as info: the server or service is down")
        /// Slow means at least this much delay.
        public static let slowDelay = Tunable(
            "minimum_delay", unit: "s", default: 0.5,
            "a handshake completed after retransmission is slow when it took at least this long from the first SYN")
        /// Slow handshakes without a cause are a warning from this ratio.
        public static let slowWarningRatio = Tunable(
            "warning_ratio", unit: "ratio", default: 0.05,
            "slow handshakes without an established cause are a warning when they are at least this share of the server's handshakes (and warning_count or more), else info")
        /// Slow handshakes without a cause are a warning from this count.
        public static let slowWarningCount = Tunable(
            "warning_count", unit: "handshakes", default: 5,
            "the number of slow handshakes without an established cause from which (with warning_ratio) they are a warning")

        static let failed = [copyWindow, giveUp, inFlight, tableCapacity, criticalCount, criticalRatio, isolatedCount]
        static let slow = [slowDelay, slowWarningRatio, slowWarningCount]
    }

    /// The thresholds, read from the analysis configuration.
    public struct Configuration: Sendable {
        /// ``Tunables/copyWindow`` in ns.
        public var copyWindow: Int64
        /// ``Tunables/giveUp`` in ns.
        public var giveUp: Int64
        /// ``Tunables/inFlight`` in ns.
        public var inFlight: Int64
        /// ``Tunables/tableCapacity``.
        public var tableCapacity: Int
        /// ``Tunables/criticalCount``.
        public var criticalCount: Int
        /// ``Tunables/criticalRatio``.
        public var criticalRatio: Double
        /// ``Tunables/isolatedCount``.
        public var isolatedCount: Int
        /// ``Tunables/slowDelay`` in ns.
        public var slowDelay: Int64
        /// ``Tunables/slowWarningRatio``.
        public var slowWarningRatio: Double
        /// ``Tunables/slowWarningCount``.
        public var slowWarningCount: Int

        /// The values under `tcp.handshake_failed` and `tcp.handshake_slow`, defaults where not set.
        public init(_ configuration: AnalysisConfiguration) {
            let failed = TCPHandshakeDetector.failedKind.rawValue
            let slow = TCPHandshakeDetector.slowKind.rawValue
            copyWindow = max(0, configuration.nanoseconds(Tunables.copyWindow, in: failed))
            giveUp = max(1_000_000, configuration.nanoseconds(Tunables.giveUp, in: failed))
            inFlight = max(0, configuration.nanoseconds(Tunables.inFlight, in: failed))
            tableCapacity = Int(min(max(configuration.value(Tunables.tableCapacity, in: failed), 16), 4_000_000))
            criticalCount = max(1, Int(configuration.value(Tunables.criticalCount, in: failed)))
            criticalRatio = configuration.value(Tunables.criticalRatio, in: failed)
            isolatedCount = max(0, Int(configuration.value(Tunables.isolatedCount, in: failed)))
            slowDelay = max(0, configuration.nanoseconds(Tunables.slowDelay, in: slow))
            slowWarningRatio = configuration.value(Tunables.slowWarningRatio, in: slow)
            slowWarningCount = max(1, Int(configuration.value(Tunables.slowWarningCount, in: slow)))
        }
    }

    public static var descriptions: [KindDescription] {
        [
            KindDescription(
                kind: failedKind,
                meaning: "TCP connections that never got through the three-way handshake: the SYNs were never "
                    + "answered, the SYN-ACKs never reached the client, or the server refused with a RST. Users see "
                    + "connection timeouts or refusals; load balancers mark servers down.",
                rule: "Per connection (VLAN, 4-tuple; a segment captured at several vantage points counts once): a SYN "
                    + "was seen (handshakes whose SYN no capture saw are not judged) and no segment with ACK (other than "
                    + "SYN-ACKs) followed before give_up seconds without activity or the end of the capture (then only "
                    + "if the first SYN is older than in_flight), although the SYN or the SYN-ACK was retransmitted (a "
                    + "lone SYN, or SYN and SYN-ACK, that nobody retried is a scan or a capture missing one direction: "
                    + "not judged); or the server answered a SYN with a RST. Failures are tied to a cause among the other findings: "
                    + "a SYN or SYN-ACK sent to a MAC that no longer owns the address (neighbor.stale_after_move), "
                    + "delivered to a non-master router (vip.traffic_to_backup), an unanswered ARP/NDP by an endpoint or "
                    + "its next hop (arp.unanswered, ndp.unanswered), or the RST; one finding per (server, cause) with the "
                    + "server's handshake counts, failure ratio and the 1-in-N figure.",
                severity: "critical with at least critical_count failures at a ratio of critical_ratio or more; info for "
                    + "at most isolated_count failures (RST or no SYN-ACK) against a server that completed no handshake "
                    + "(the server or service is down, and the summary says so); warning otherwise",
                remedies: "Follow the cause: fix the stale neighbour entry or the VIP delivery (see the causing finding), "
                    + "make the next hop answer ARP/NDP, start the service or open the port (RST). Without a cause: "
                    + "capture at the server and the client at once to see where the SYN-ACKs stop.",
                tunables: Tunables.failed),
            KindDescription(
                kind: slowKind,
                meaning: "TCP connections that completed only after the client retransmitted its SYN (or the server "
                    + "its SYN-ACK): the user waited the retransmission timeout, 1 s on modern Linux, 3 s on Windows "
                    + "and older stacks (protocols.md §8).",
                rule: "A handshake completed at least minimum_delay after its first SYN, with a SYN or SYN-ACK sent more "
                    + "than once (copies at several vantage points count once). The SYN gaps are matched to the "
                    + "retransmission schedules (1 s initial RTO doubling or linear: Linux; 3 s doubling: Windows, "
                    + "pre-3.1 Linux) and the lost segment is tied to a cause as for tcp.handshake_failed; one finding "
                    + "per (server, cause) with handshake counts, the slow ratio and the 1-in-N figure.",
                severity: "warning when a cause is established, or when the slow handshakes without one are at least "
                    + "warning_ratio of the server's handshakes and warning_count or more; info otherwise",
                remedies: "Follow the cause (stale neighbour entry, VIP traffic to a backup, unanswered ARP). Without "
                    + "one: find where the first SYN or SYN-ACK was dropped (captures at both ends; interface and "
                    + "switch drop counters, firewall state tables, SYN backlog overflow: netstat -s | grep -i listen).",
                tunables: Tunables.slow),
            KindDescription(
                kind: saturatedKind,
                meaning: "The table of handshakes in progress is bounded; it was full and forgot its least recently "
                    + "active handshakes, so failed or slow handshakes among them are not reported (a SYN flood or scan, "
                    + "or a capture with very many connections opening at once).",
                rule: "At least one pending handshake was evicted because table_capacity (tcp.handshake_failed) "
                    + "handshakes were open at once.",
                severity: "warning",
                remedies: "Raise tcp.handshake_failed.table_capacity in the config file (about 1.3 kB per handshake), or "
                    + "analyse a shorter span; if a flood caused it, find its sources (many SYNs, few completions)."),
        ]
    }

    public let interest: ObservationInterest = .tcp

    let settings: Configuration
    private let windows: CopyWindows
    /// Completed handshakes stay this long, so copies from other vantage points still join them.
    private var linger: Int64 = 0
    private var lingerKnown = false
    // Read on every TCP frame while handshakes are pending; only this class touches it.
    @exclusivity(unchecked) private var pending: BoundedMap<HandshakeKey, PendingHandshake>
    /// Pending handshakes per bucket of their two ports (``bucket(_:_:)``).
    @exclusivity(unchecked) private var filter: [UInt32]
    /// One bit per bucket with pending handshakes: the only state a data segment reads (512 bytes).
    @exclusivity(unchecked) private var occupied: [UInt64]
    private var servers = BoundedMap<HandshakeServerKey, HandshakeServerStats>(capacity: 4096)
    private var services = BoundedMap<HandshakeServiceKey, HandshakeServiceSpan>(capacity: 8192)
    /// Failed and slow handshakes, for the report (bounded by ``outcomeLimit``).
    private(set) var outcomes: [HandshakeOutcome] = []
    /// Handshakes kept for the report at most.
    static let outcomeLimit = 20_000
    private var expired: [HandshakeKey] = []
    private var nextSweep: Timestamp = .zero
    /// Handshakes forgotten because the pending table was full.
    private(set) var evictions = 0
    private var firstEviction: Timestamp?
    private var lastEviction: Timestamp = .zero

    private static let filterBits = 12

    public init(configuration: AnalysisConfiguration) {
        settings = Configuration(configuration)
        windows = CopyWindows(copy: settings.copyWindow)
        pending = BoundedMap(capacity: settings.tableCapacity)
        filter = [UInt32](repeating: 0, count: 1 << Self.filterBits)
        occupied = [UInt64](repeating: 0, count: (1 << Self.filterBits) / 64)
    }

    /// Counts one more pending handshake in `bucket`.
    @inline(__always)
    private func occupy(_ bucket: Int) {
        filter[bucket] &+= 1
        occupied[bucket >> 6] |= 1 << UInt64(bucket & 63)
    }

    /// Counts one pending handshake less in `bucket`.
    private func release(_ bucket: Int) {
        filter[bucket] &-= 1
        if filter[bucket] == 0 { occupied[bucket >> 6] &= ~(1 << UInt64(bucket & 63)) }
    }

    /// The filter bucket of a segment between ports `a` and `b` (either order: the hash is
    /// symmetric). Ports only, so a segment is turned away before its IP header is read.
    @inline(__always)
    private static func bucket(_ a: UInt16, _ b: UInt16) -> Int {
        var hash = UInt32(a ^ b) &* 0x9E37_79B1 ^ UInt32(a &+ b) &* 0x85EB_CA6B
        hash ^= hash >> 15
        return Int(hash >> UInt32(32 - filterBits))
    }

    /// The filter bucket of `key`.
    @inline(__always)
    private static func bucket(_ key: HandshakeKey) -> Int { bucket(key.low.port, key.high.port) }

    // MARK: - Per frame

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        // The decoder's copies of the flags and ports (empty unless this is TCP): matching
        // `.tcp(let tcp)` here would copy the whole header out of the transport enum.
        let flags = observation.packet.tcpFlags
        let bucket = Self.bucket(observation.packet.tcpSourcePort, observation.packet.tcpDestinationPort)
        if flags.contains(.syn) {
            handshakeSegment(observation, bucket: bucket, state: state)
        } else if occupied[bucket >> 6] & (1 << UInt64(bucket & 63)) != 0, flags.contains(.ack) || flags.contains(.rst) {
            // Established traffic stops above: nothing pending between these ports.
            segmentOfPending(observation, state: state)
        }
    }

    /// The IP addresses of a TCP segment, as the observation extracted them (reading them from
    /// the packet would copy its network layer).
    @inline(__always)
    private static func addresses(_ observation: Observation) -> (source: NeighborAddress, destination: NeighborAddress)? {
        guard let source = observation.ipSource, let destination = observation.ipDestination else { return nil }
        return (source, destination)
    }

    /// A non-SYN segment between ports with a pending handshake: completes or resets it, if it is its.
    @inline(never)
    private func segmentOfPending(_ observation: Observation, state: AnalysisState) {
        guard let (source, destination) = Self.addresses(observation) else { return }
        let from = TCPEndpoint(address: source, port: observation.packet.tcpSourcePort)
        let to = TCPEndpoint(address: destination, port: observation.packet.tcpDestinationPort)
        let key = HandshakeKey(vlan: observation.vlan, source: from, destination: to)
        guard let slot = pending.slot(of: key) else { return }
        otherSegment(slot, key: key, flags: observation.packet.tcpFlags, from: from, observation, state: state)
    }

    /// A SYN or SYN-ACK: a new handshake, a retransmission, or a copy from another vantage point.
    @inline(never)
    private func handshakeSegment(_ observation: Observation, bucket: Int, state: AnalysisState) {
        guard case .tcp(let tcp) = observation.packet.transport else { return }
        let flags = tcp.flags
        guard let (source, destination) = Self.addresses(observation) else { return }
        let from = TCPEndpoint(address: source, port: tcp.sourcePort)
        let to = TCPEndpoint(address: destination, port: tcp.destinationPort)
        guard !flags.contains(.rst), !flags.contains(.fin) else { return }
        if !lingerKnown {
            linger = state.vantageNames.count > 1 ? settings.copyWindow : 0
            lingerKnown = true
        }
        let key = HandshakeKey(vlan: observation.vlan, source: from, destination: to)
        let sighting = SegmentSighting(observation)
        let fingerprint = segmentFingerprint(observation, tcp)
        let clientIsLow = key.low == (flags.contains(.ack) ? to : from)
        let clientISN = flags.contains(.ack) ? tcp.acknowledgment.rawValue &- 1 : tcp.sequence.rawValue
        if let slot = pending.find(key) {
            // Fields are read one by one: the entry is about 1.3 kB.
            if pending[slot: slot].clientIsLow == clientIsLow && pending[slot: slot].clientISN == clientISN {
                pending[slot: slot].lastActivity = sighting.time
                if flags.contains(.ack) {
                    pending[slot: slot].synAcks.record(sighting, fingerprint: fingerprint, windows: windows)
                } else {
                    let firstSYN = !pending[slot: slot].sawSYN
                    pending[slot: slot].syns.record(sighting, fingerprint: fingerprint, windows: windows)
                    if firstSYN {
                        // The SYN of a handshake first seen by its SYN-ACK (clocks of the vantage points differ).
                        pending[slot: slot].sawSYN = true
                        countHandshake(HandshakeServerKey(vlan: key.vlan, address: (clientIsLow ? key.high : key.low).address))
                    }
                }
                return
            }
            // Another attempt on the same 4-tuple (new ISN, or the other direction): decide the old one.
            guard let old = pending.remove(key) else { return }
            release(bucket)
            decide(old, key: key, atEnd: false, now: sighting.time)
        }
        var entry = PendingHandshake(
            clientIsLow: clientIsLow, sawSYN: !flags.contains(.ack), clientISN: clientISN, start: sighting.time,
            lastActivity: sighting.time)
        if flags.contains(.ack) {
            entry.synAcks.record(sighting, fingerprint: fingerprint, windows: windows)
        } else {
            entry.syns.record(sighting, fingerprint: fingerprint, windows: windows)
        }
        if entry.sawSYN {
            let server = clientIsLow ? key.high : key.low
            countHandshake(HandshakeServerKey(vlan: key.vlan, address: server.address))
        }
        let inserted = pending.insert(key, entry)
        occupy(bucket)
        if let evicted = inserted.evicted {
            release(Self.bucket(evicted.key))
            evictions += 1
            if firstEviction == nil { firstEviction = sighting.time }
            lastEviction = sighting.time
            decide(evicted.value, key: evicted.key, atEnd: false, now: sighting.time, evicted: true)
        }
    }

    /// A RST, or a segment with ACK that is not a SYN, of a pending handshake.
    private func otherSegment(
        _ slot: Int, key: HandshakeKey, flags: TCPFlags, from: TCPEndpoint, _ observation: Observation, state: AnalysisState
    ) {
        guard pending[slot: slot].completion == nil, pending[slot: slot].reset == nil else { return }
        let sighting = SegmentSighting(observation)
        let fromClient = (key.low == from) == pending[slot: slot].clientIsLow
        if flags.contains(.rst) {
            // From the server it refuses the SYN; from the client it aborts the attempt (not a failure).
            pending[slot: slot].reset = sighting
            pending[slot: slot].resetByServer = !fromClient
        } else {
            pending[slot: slot].completion = sighting
        }
        pending[slot: slot].lastActivity = sighting.time
        if linger == 0 {
            // Decided where it lies, then dropped: taking the ~1.3 kB entry out first would copy it.
            decide(pending[slot: slot], key: key, atEnd: false, now: sighting.time)
            pending.remove(key)
            release(Self.bucket(key))
        }
    }

    private func countHandshake(_ server: HandshakeServerKey) {
        if let slot = servers.find(server) {
            servers[slot: slot].handshakes += 1
        } else {
            var stats = HandshakeServerStats()
            stats.handshakes = 1
            servers.insert(server, stats)
        }
    }

    // MARK: - Deciding

    /// Decides a handshake taken out of the table: counts it, and keeps it when it failed or was slow.
    private func decide(_ entry: PendingHandshake, key: HandshakeKey, atEnd: Bool, now: Timestamp, evicted: Bool = false) {
        let client = entry.clientIsLow ? key.low : key.high
        let server = entry.clientIsLow ? key.high : key.low
        let serverKey = HandshakeServerKey(vlan: key.vlan, address: server.address)
        let result: HandshakeResult?
        if !entry.sawSYN {
            // Only SYN-ACKs were captured: nothing shows that a client wanted this connection
            // (a capture of one direction, or one that began mid-handshake). Not judged.
            result = nil
        } else if let completion = entry.completion {
            result = entry.retransmitted && completion.time - entry.start >= settings.slowDelay ? .slow : .completed
        } else if entry.reset != nil {
            result = entry.resetByServer ? .refused : nil
        } else if evicted || !entry.retransmitted {
            // Nobody retried: a real client or server retransmits a lost SYN or SYN-ACK, so a
            // single SYN (or SYN and SYN-ACK) left alone is a scan or a capture that misses one
            // direction (asymmetric routing, direct server return), not a failure. Not judged.
            result = nil
        } else if atEnd && now - entry.start < settings.inFlight {
            result = nil
        } else {
            result = entry.synAcks.isEmpty ? .noSynAck : .synAckUnacknowledged
        }
        let slot = servers.slot(of: serverKey)
        func update(_ change: (inout HandshakeServerStats) -> Void) {
            if let slot { change(&servers[slot: slot]) }
        }
        guard let result else {
            update { stats in
                if !entry.sawSYN {
                    stats.withoutSYN += 1
                } else if evicted {
                    stats.evicted += 1
                } else if entry.reset != nil {
                    stats.aborted += 1
                } else if !entry.retransmitted {
                    stats.unconfirmed += 1
                } else {
                    stats.inFlight += 1
                }
            }
            return
        }
        update { stats in
            switch result {
            case .completed: stats.completed += 1
            case .slow:
                stats.completed += 1
                stats.slow += 1
            case .refused:
                stats.failed += 1
                stats.refused += 1
            case .noSynAck, .synAckUnacknowledged: stats.failed += 1
            }
        }
        if let completion = entry.completion {
            let service = HandshakeServiceKey(vlan: key.vlan, server: server)
            if let slot = services.find(service) {
                services[slot: slot].last = max(services[slot: slot].last, completion.time)
            } else {
                services.insert(service, HandshakeServiceSpan(first: completion, last: completion.time))
            }
        }
        guard result != .completed else { return }
        guard outcomes.count < Self.outcomeLimit else {
            update { $0.unrecorded += 1 }
            return
        }
        outcomes.append(
            HandshakeOutcome(
                vlan: key.vlan, client: client, server: server, result: result, sawSYN: entry.sawSYN,
                syns: sendingOrder(entry.syns.transmissions), synCount: Int(entry.syns.total),
                synAcks: sendingOrder(entry.synAcks.transmissions),
                synAckCount: Int(entry.synAcks.total), completion: entry.completion, reset: entry.reset,
                start: entry.start, end: entry.lastActivity))
    }

    /// The statistics of `server`.
    func stats(vlan: UInt16, server: NeighborAddress) -> HandshakeServerStats {
        servers[key: HandshakeServerKey(vlan: vlan, address: server)] ?? HandshakeServerStats()
    }

    /// When `server` (address and port) accepted connections, if it did.
    func span(vlan: UInt16, server: TCPEndpoint) -> HandshakeServiceSpan? {
        services[key: HandshakeServiceKey(vlan: vlan, server: server)]
    }

    // MARK: - Time

    public func advance(to time: Timestamp, state: AnalysisState, sink: FindingSink) {
        guard !pending.isEmpty, time >= nextSweep else { return }
        nextSweep = time + 500_000_000
        expired.removeAll(keepingCapacity: true)
        pending.forEachOldestFirst { slot in
            let done = pending[slot: slot].completion != nil || pending[slot: slot].reset != nil
            if time - pending[slot: slot].lastActivity >= (done ? linger : settings.giveUp) {
                expired.append(pending.key(at: slot))
            }
            return true
        }
        for key in expired {
            guard let entry = pending.remove(key) else { continue }
            release(Self.bucket(key))
            decide(entry, key: key, atEnd: false, now: time)
        }
    }

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        for key in pending.keysOldestFirst {
            guard let entry = pending.remove(key) else { continue }
            release(Self.bucket(key))
            decide(entry, key: key, atEnd: true, now: time)
        }
        let causes = HandshakeCauses(findings: sink.findings, state: state)
        let report = HandshakeReport(detector: self, state: state)
        for finding in report.findings(outcomes, causes: causes) { sink.emit(finding) }
        if let firstEviction {
            sink.emit(
                Finding(
                    kind: Self.saturatedKind, severity: .warning, start: firstEviction, end: lastEviction,
                    summary: "The table of TCP handshakes in progress reached its capacity of \(settings.tableCapacity) and "
                        + "forgot \(evictions) least recently active handshake\(evictions == 1 ? "" : "s") (peak \(pending.peakCount) open at "
                        + "once): failed or slow handshakes among them are not reported",
                    remedy: "Raise \(Self.failedKind.rawValue).\(Tunables.tableCapacity.key) in the config file (now "
                        + "\(settings.tableCapacity)), or analyse a shorter span; a SYN flood or scan fills it: look for many SYNs with few completions.",
                    key: Self.saturatedKind.rawValue,
                    details: [
                        "capacity": .int(settings.tableCapacity), "evictions": .int(evictions), "peak": .int(pending.peakCount),
                    ]))
        }
    }
}
