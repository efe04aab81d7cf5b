//  health_check.host_header and health_check.failing: HTTP health checks, recognised from their
//  steady cadence, and why they fail (seed 002, second half: a load balancer's HTTP/1.0 check
//  sends no Host header, the server only serves named sites, every real server is marked down).
//
//      checker 10.0.0.2 --HEAD / HTTP/1.0 (no Host)----> 10.0.0.10:80   <-- 404   (every 2 s)
//      client  10.0.0.5 --GET / HTTP/1.1 Host: www...--> 10.0.0.10:80   <-- 200
//
//  Per frame: only TCP frames the decoder found an HTTP start line in (`applicationOffset != 0`,
//  then the `.http` case); a request is remembered per connection until its response (or the
//  timeout; answered ones a little longer, so that copies captured at other vantage points within
//  0.5 s count once), and the outcome tallied per stream (client, server, port, Host value). Streams and
//  pending requests are capped (least recently used evicted, counted). Judged at the end.

import VantageCapture
import VantageState
import VantageWire

/// Recognises HTTP health checks and reports failing ones, and checks failing only for want of
/// a Host header.
public final class HealthCheckDetector: ConfigurableDetector {
    /// Checks without a Host header fail while requests with one succeed.
    public static let hostHeaderKind = FindingKind(rawValue: "health_check.host_header")
    /// A health-check stream fails (status codes or timeouts).
    public static let failingKind = FindingKind(rawValue: "health_check.failing")

    /// The tunables (section `health_check.failing`, shared by both kinds; `alive_statuses` and
    /// `min_host_successes` under `health_check.host_header`).
    public enum Tunables {
        /// Requests needed before a stream can count as a health check.
        public static let minRequests = Tunable(
            "min_requests", unit: "requests", default: 5, "requests in a stream before its cadence is judged")
        /// Shortest median gap of a health check.
        public static let minInterval = Tunable(
            "min_interval", unit: "s", default: 0.5, "shortest median gap between requests of a health check")
        /// Longest median gap of a health check.
        public static let maxInterval = Tunable(
            "max_interval", unit: "s", default: 300, "longest median gap between requests of a health check")
        /// How far a gap may stray from the median and still be regular.
        public static let cadenceTolerance = Tunable(
            "cadence_tolerance", unit: "fraction", default: 0.3,
            "a gap within this fraction of the median gap is regular; 80 % of the gaps must be")
        /// Consecutive failures that make a stream failing.
        public static let minFailures = Tunable(
            "min_failures", unit: "checks", default: 3, "consecutive failing checks (status or timeout) to report")
        /// Time without a response after which a request counts as timed out.
        public static let responseTimeout = Tunable(
            "response_timeout", unit: "s", default: 5, "a request unanswered this long is a failed check")
        /// Alive status codes, as a bit list: 1 = 2xx, 2 = 301, 4 = 302, 8 = 401, 16 = 3xx, 32 = 4xx.
        public static let aliveStatuses = Tunable(
            "alive_statuses", unit: "bitmask", default: 15,
            "status codes a load balancer treats as alive: 1 = 200-299, 2 = 301, 4 = 302, 8 = 401, 16 = any 3xx, "
                + "32 = any 4xx (default 15: 200-299, 301, 302, 401, as KEMP's LoadMaster)")
        /// Alive responses to requests with a Host header needed to name that Host as working.
        public static let minHostSuccesses = Tunable(
            "min_host_successes", unit: "responses", default: 1,
            "alive responses to requests with a Host header, to the same server, needed to name that Host")
        /// Cap on request streams.
        public static let maxStreams = Tunable(
            "max_streams", unit: "streams", default: 4096, "most (client, server, port, Host) streams tracked")
        /// Cap on requests awaiting a response.
        public static let maxPending = Tunable(
            "max_pending", unit: "requests", default: 8192, "most requests awaiting a response")

        static let failing = [minRequests, minInterval, maxInterval, cadenceTolerance, minFailures, responseTimeout, maxStreams, maxPending]
        static let hostHeader = [aliveStatuses, minHostSuccesses]
    }

    public static var descriptions: [KindDescription] {
        [
            KindDescription(
                kind: hostHeaderKind,
                meaning: "A load balancer's (or monitor's) HTTP health checks carry no Host header (HTTP/1.0, or "
                    + "HTTP/1.1 without Host) and the server, which only serves named sites, answers them with an "
                    + "error, while ordinary requests that name a Host succeed: the checker marks healthy servers "
                    + "down and stops sending them traffic.",
                rule: "A health-check stream (see health_check.failing: steady cadence) from one client to a server "
                    + "port without a Host header has min_failures failing checks in a row (a status not in "
                    + "alive_statuses, or no response within response_timeout), and requests with a Host header to "
                    + "the same server port got at least min_host_successes alive responses. One finding per "
                    + "checker, naming each server and the Host that works there.",
                severity: "warning",
                remedies: "Make the checker send HTTP/1.1 with the Host header the site is bound to (KEMP: enable "
                    + "HTTP 1.1 and set the check host; HAProxy: `http-check send meth HEAD uri / ver HTTP/1.1 hdr "
                    + "Host <name>`; F5: `HEAD / HTTP/1.1\\r\\nHost: <name>\\r\\n\\r\\n`), or give the server a "
                    + "default site that answers the check URL.",
                tunables: Tunables.hostHeader),
            KindDescription(
                kind: failingKind,
                meaning: "An HTTP health check (requests from one host to a server at a steady cadence) fails: the "
                    + "server answers with a failing status or not at all, so the checker marks it down.",
                rule: "HTTP/1.x on the decoder's HTTP ports (80, 8000, 8008, 8080, 8888, or --http-port / the config file's http_ports). Streams of requests (client, "
                    + "server, port, Host value) with at least min_requests requests "
                    + "whose median gap lies in [min_interval, max_interval] and 80 % of the gaps within "
                    + "cadence_tolerance of it are health checks. Requests are matched to responses per TCP "
                    + "connection. A check fails on a status outside health_check.host_header.alive_statuses or no "
                    + "response within response_timeout; min_failures failures in a row make the stream failing, "
                    + "from the first of them.",
                severity: "warning",
                remedies: "Look at the failing status: 4xx means the check asks for something the server does not "
                    + "serve (URL, Host header: see health_check.host_header), 5xx a broken application, timeouts a "
                    + "server or path that does not answer. Fix the check or the server.",
                tunables: Tunables.failing),
        ]
    }

    private let minRequests: Int
    private let intervals: ClosedRange<Int64>
    private let tolerance: Double
    private let minFailures: Int
    private let timeout: Int64
    private let aliveMask: Int
    private let minHostSuccesses: Int
    private var streams: BoundedRecencyMap<HealthStreamKey, HealthStream>
    private var pending: BoundedRecencyMap<HTTPConnectionKey, PendingHTTPRequest>
    private var nextSweep: Timestamp = .zero
    /// Copies of one request at two vantage points lie at most this far apart (clock offsets).
    static let copyWindow: Int64 = 500_000_000

    /// Streams and pending requests evicted because their maps were full.
    public var evictions: [String: Int] { ["streams": streams.evictions, "pending": pending.evictions] }

    public var interest: ObservationInterest { .tcp }

    public init(configuration: AnalysisConfiguration) {
        let failing = Self.failingKind.rawValue
        let host = Self.hostHeaderKind.rawValue
        minRequests = max(3, Int(configuration.value(Tunables.minRequests, in: failing)))
        let low = max(1, configuration.nanoseconds(Tunables.minInterval, in: failing))
        intervals = low...max(low, configuration.nanoseconds(Tunables.maxInterval, in: failing))
        tolerance = max(0, configuration.value(Tunables.cadenceTolerance, in: failing))
        minFailures = max(1, Int(configuration.value(Tunables.minFailures, in: failing)))
        timeout = max(1, configuration.nanoseconds(Tunables.responseTimeout, in: failing))
        aliveMask = Int(configuration.value(Tunables.aliveStatuses, in: host))
        minHostSuccesses = max(1, Int(configuration.value(Tunables.minHostSuccesses, in: host)))
        streams = BoundedRecencyMap(capacity: max(16, Int(configuration.value(Tunables.maxStreams, in: failing))))
        pending = BoundedRecencyMap(capacity: max(16, Int(configuration.value(Tunables.maxPending, in: failing))))
    }

    /// Whether `status` counts as alive under the configured mask.
    func isAlive(_ status: UInt16) -> Bool {
        switch status {
        case 200...299: aliveMask & 1 != 0
        case 301: aliveMask & (2 | 16) != 0
        case 302: aliveMask & (4 | 16) != 0
        case 401: aliveMask & (8 | 32) != 0
        case 300...399: aliveMask & 16 != 0
        case 400...499: aliveMask & 32 != 0
        default: false
        }
    }

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        // Cheap early-out on the shape: nearly every TCP segment stops here, before the large
        // stack frame of ``observeHTTP`` is set up and `packet` (~560 bytes) copied.
        let application = observation.shape.application
        guard application == .httpRequest || application == .httpResponse else { return }
        observeHTTP(observation, state: state, sink: sink)
    }

    /// A segment carrying an HTTP request or response head.
    @inline(never)
    private func observeHTTP(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        let packet = observation.packet
        guard case .http(let message) = packet.application, let tcp = packet.tcp else { return }
        let source: ResolvedAddress
        let destination: ResolvedAddress
        if let ipv4 = packet.ipv4 {
            source = .v4(ipv4.source)
            destination = .v4(ipv4.destination)
        } else if let ipv6 = packet.ipv6 {
            source = .v6(ipv6.source)
            destination = .v6(ipv6.destination)
        } else {
            return
        }
        let vlan = observation.vlan
        let reference = observation.reference
        switch message {
        case .request(let head):
            let connection = HTTPConnectionKey(
                vlan: vlan, client: source, clientPort: tcp.sourcePort, server: destination, serverPort: tcp.destinationPort)
            // The same request captured at another vantage point (clocks may differ by a few
            // hundred ms, and its response may already have been seen) is one request.
            if let earlier = pending[connection], earlier.reference.vantage != reference.vantage,
                abs(reference.time - earlier.reference.time) < Self.copyWindow
            {
                return
            }
            let key = HealthStreamKey(vlan: vlan, client: source, server: destination, serverPort: tcp.destinationPort, host: head.hostName)
            _ = streams.update(key, default: { HealthStream() }) { $0.noteRequest(reference, method: head.method, version: head.version) }
            pending.set(connection, PendingHTTPRequest(stream: key, reference: reference))
        case .response(let status):
            let connection = HTTPConnectionKey(
                vlan: vlan, client: destination, clientPort: tcp.destinationPort, server: source, serverPort: tcp.sourcePort)
            // Only the first copy of a response counts.
            guard var request = pending[connection], !request.answered else { return }
            request.answered = true
            pending.set(connection, request)
            let alive = isAlive(status.statusCode)
            let threshold = minFailures
            _ = streams.update(request.stream, default: { HealthStream() }) {
                $0.noteOutcome(alive: alive, status: status.statusCode, reference, failureThreshold: threshold)
            }
        }
    }

    public func advance(to time: Timestamp, state: AnalysisState, sink: FindingSink) {
        guard time >= nextSweep else { return }
        nextSweep = time + 1_000_000_000
        sweep(olderThan: time - timeout)
    }

    /// Counts requests unanswered since before `limit` as timed-out checks.
    private func sweep(olderThan limit: Timestamp) {
        guard !pending.isEmpty else { return }
        var expired: [(HTTPConnectionKey, PendingHTTPRequest)] = []
        pending.forEach { key, request in if request.reference.time < limit { expired.append((key, request)) } }
        let threshold = minFailures
        for (key, request) in expired.sorted(by: { $0.1.reference < $1.1.reference }) {
            _ = pending.remove(key)
            guard !request.answered else { continue }
            _ = streams.update(request.stream, default: { HealthStream() }) {
                $0.noteOutcome(alive: false, status: nil, request.reference, failureThreshold: threshold)
            }
        }
    }

    /// A failing check stream without a Host header, and the Host that works on its server.
    private struct HostlessCheck {
        var key: HealthStreamKey
        var stream: HealthStream
        var workingHost: HTTPHostName
        var hostStream: HealthStream
    }

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        sweep(olderThan: time - timeout)
        let all = streams.entries
        let checks = all
            .filter { $0.value.isSteady(minRequests: minRequests, intervals: intervals, tolerance: tolerance, regularShare: 0.8) }
            .sorted { ($0.value.firstRequest?.time ?? .zero, $0.key.serverText) < ($1.value.firstRequest?.time ?? .zero, $1.key.serverText) }
        // health_check.host_header: per (VLAN, checker), the Host-less failing streams whose server
        // answers requests that name a Host.
        var hostless: [String: [HostlessCheck]] = [:]
        for (key, stream) in checks where key.host.isEmpty && stream.failingSince != nil {
            let named = all.filter {
                $0.key.vlan == key.vlan && $0.key.server == key.server && $0.key.serverPort == key.serverPort
                    && !$0.key.host.isEmpty && $0.value.alive >= minHostSuccesses
            }
            let best = named.max {
                ($0.value.alive, $1.key.host.description) < ($1.value.alive, $0.key.host.description)
            }
            guard let best else { continue }
            let findingKey = "\(Self.hostHeaderKind.rawValue)|\(key.vlan)|\(key.client)"
            hostless[findingKey, default: []].append(
                HostlessCheck(key: key, stream: stream, workingHost: best.key.host, hostStream: best.value))
        }
        var hostHeaderKeys: [HealthStreamKey: String] = [:]
        for (findingKey, entries) in hostless.sorted(by: { $0.key < $1.key }) {
            for entry in entries { hostHeaderKeys[entry.key] = findingKey }
            sink.emit(hostHeaderFinding(entries, key: findingKey, state: state))
        }
        for (key, stream) in checks where stream.failingSince != nil {
            sink.emit(failingFinding(key, stream, causedBy: hostHeaderKeys[key], state: state))
        }
    }

    private func every(_ stream: HealthStream) -> String {
        stream.medianInterval.map { "every \(DurationText.seconds($0))" } ?? ""
    }

    private func hostHeaderFinding(_ entries: [HostlessCheck], key: String, state: AnalysisState) -> Finding {
        let first = entries[0].stream
        let checker = entries[0].key.client
        let servers = entries.map { entry in
            let since = entry.stream.failingSince.map { NeighborText.frame($0, state) } ?? "?"
            return "\(entry.key.serverText) (\(entry.stream.failureText) since \(since); "
                + "with Host \(entry.workingHost): \(entry.hostStream.aliveText))"
        }
        let hosts = Array(Set(entries.map(\.workingHost.description))).sorted()
        let summary =
            "Health checks from \(checker) (\(first.method) over \(first.version) without a Host header, \(every(first))) "
            + "fail at \(DurationText.list(servers)), while requests naming Host \(DurationText.list(hosts)) succeed "
            + "there: the checker marks the server\(entries.count == 1 ? "" : "s") down only because its checks carry no Host header"
        var evidence: [Evidence] = []
        for entry in entries {
            evidence += entry.stream.evidence.prefix(3)
            if let alive = entry.hostStream.firstAlive {
                evidence.append(Evidence(alive, "alive response to a request with Host \(entry.workingHost)"))
            }
            if let last = entry.stream.lastFailure { evidence.append(Evidence(last, "latest failing check")) }
        }
        let start = entries.compactMap { $0.stream.failingSince?.time }.min() ?? state.now
        let end = entries.compactMap { $0.stream.lastFailure?.time }.max() ?? start
        let serverDetails: [DetailValue] = entries.map { entry in
            .object([
                "server": .string(entry.key.serverText),
                "checks": .int(entry.stream.requests),
                "failed": .int(entry.stream.failed + entry.stream.timeouts),
                "failing_statuses": Self.statusDetail(entry.stream.failingStatuses),
                "working_host": .string(entry.workingHost.description),
                "host_alive_responses": .int(entry.hostStream.alive),
            ])
        }
        return Finding(
            kind: Self.hostHeaderKind, severity: .warning, start: start, end: max(start, end), summary: summary,
            ips: [checker.description] + entries.map(\.key.server.description), vlan: entries[0].key.vlan,
            evidence: evidence,
            remedy: "Make the checker at \(checker) send HTTP/1.1 with `Host: \(hosts[0])` (KEMP LoadMaster: enable HTTP "
                + "1.1 and set the check host; HAProxy: `http-check send meth HEAD uri / ver HTTP/1.1 hdr Host "
                + "\(hosts[0])`), or bind a default site on the server that answers the check.",
            key: key,
            details: [
                "checker": .string(checker.description),
                "method": .string(first.method.rawValue),
                "version": .string(first.version.description),
                "interval_s": first.medianInterval.map { .double(Double($0) / 1e9) } ?? .null,
                "servers": .list(serverDetails),
            ])
    }

    /// Status code → count, as a detail object.
    static func statusDetail(_ statuses: [UInt16: Int]) -> DetailValue {
        .object(Dictionary(uniqueKeysWithValues: statuses.map { (String($0.key), DetailValue.int($0.value)) }))
    }

    private func failingFinding(_ key: HealthStreamKey, _ stream: HealthStream, causedBy: String?, state: AnalysisState) -> Finding {
        let since = stream.failingSince ?? stream.firstRequest ?? FrameReference(vantage: 0, frame: 0, time: state.now)
        let hostText = key.host.isEmpty ? "without a Host header" : "with Host \(key.host)"
        let recovered = stream.lastOutcomeAlive ? "; it recovered by the end of the capture" : "; still failing at the end of the capture"
        let summary =
            "Health check from \(key.client) to \(key.serverText) (\(stream.method) over \(stream.version) \(hostText), \(every(stream))) "
            + "fails from \(NeighborText.frame(since, state)): \(stream.failureText) of \(stream.requests) checks"
            + (stream.alive > 0 ? ", \(stream.alive) alive" : "") + recovered
        var evidence = stream.evidence
        if let last = stream.lastFailure { evidence.append(Evidence(last, "latest failing check")) }
        return Finding(
            kind: Self.failingKind, severity: .warning, start: since.time, end: max(since.time, stream.lastFailure?.time ?? since.time),
            summary: summary, ips: [key.client.description, key.server.description], vlan: key.vlan, evidence: evidence,
            remedy: causedBy != nil
                ? "The checks fail for want of a Host header (see health_check.host_header): make \(key.client) send one."
                : "Check what \(key.server) answers to the check (\(stream.failureText)) and fix the check URL or the server.",
            key: "\(Self.failingKind.rawValue)|\(key.vlan)|\(key.client)|\(key.serverText)|\(key.host)",
            causedBy: causedBy.map { [$0] } ?? [],
            details: [
                "checker": .string(key.client.description),
                "server": .string(key.serverText),
                "host": key.host.isEmpty ? .null : .string(key.host.description),
                "checks": .int(stream.requests),
                "alive": .int(stream.alive),
                "failed": .int(stream.failed),
                "timeouts": .int(stream.timeouts),
                "failing_statuses": Self.statusDetail(stream.failingStatuses),
                "interval_s": stream.medianInterval.map { .double(Double($0) / 1e9) } ?? .null,
                "failing_since": .string(since.time.description),
                "recovered": .bool(stream.lastOutcomeAlive),
            ])
    }
}
