//  The HTTP request/response bookkeeping behind health_check.* (HealthCheckDetector): requests
//  are matched to responses per TCP connection, and outcomes are tallied per stream
//  (client, server, port, Host value). A stream is a health check when its requests come at a
//  steady cadence. Everything is capped; no bytes are kept (the Host value is the decoder's
//  inline `HTTPHostName`).

import VantageCapture
import VantageState
import VantageWire

/// One direction-independent TCP connection: the client's and the server's endpoint.
struct HTTPConnectionKey: BoundedMapKey {
    var vlan: UInt16
    var client: ResolvedAddress
    var clientPort: UInt16
    var server: ResolvedAddress
    var serverPort: UInt16
}

/// A stream of requests: one client to one server port, with one Host value (empty = no Host).
struct HealthStreamKey: BoundedMapKey {
    var vlan: UInt16
    var client: ResolvedAddress
    var server: ResolvedAddress
    var serverPort: UInt16
    var host: HTTPHostName

    /// `10.0.0.10:80`.
    var serverText: String {
        if case .v6 = server { return "[\(server)]:\(serverPort)" }
        return "\(server):\(serverPort)"
    }
}

/// A request waiting for its response (kept a while once answered, so that copies of the same
/// request and response captured at other vantage points are recognised as copies).
struct PendingHTTPRequest {
    var stream: HealthStreamKey
    var reference: FrameReference
    var answered = false
}

/// The outcomes of one request stream.
struct HealthStream {
    /// Request times (the last ``timeLimit``), for the cadence.
    var times: [Timestamp] = []
    var requests = 0
    var alive = 0
    var failed = 0
    var timeouts = 0
    /// Failing status codes and how often each came (at most 8 codes).
    var failingStatuses: [UInt16: Int] = [:]
    /// Alive status codes and how often each came (at most 8 codes).
    var aliveStatuses: [UInt16: Int] = [:]
    var method: HTTPMethod = .get
    var version: HTTPVersion = .http11
    var firstRequest: FrameReference?
    var lastRequest: FrameReference?
    /// The current run of consecutive failures (responses or timeouts) and where it started.
    var run = 0
    var runStart: FrameReference?
    /// The first run that reached the failure threshold: where it started.
    var failingSince: FrameReference?
    var firstAlive: FrameReference?
    var lastFailure: FrameReference?
    var lastOutcomeAlive = false
    var evidence: [Evidence] = []

    static let timeLimit = 32
    static let evidenceLimit = 8

    mutating func noteRequest(_ reference: FrameReference, method: HTTPMethod, version: HTTPVersion) {
        requests += 1
        if times.count == Self.timeLimit { times.removeFirst() }
        times.append(reference.time)
        self.method = method
        self.version = version
        if firstRequest == nil {
            firstRequest = reference
            evidence.append(Evidence(reference, "first \(method) request (\(version))"))
        }
        lastRequest = reference
    }

    mutating func noteOutcome(alive isAlive: Bool, status: UInt16?, _ reference: FrameReference, failureThreshold: Int) {
        if isAlive {
            alive += 1
            if let status, aliveStatuses[status] != nil || aliveStatuses.count < 8 { aliveStatuses[status, default: 0] += 1 }
            if firstAlive == nil {
                firstAlive = reference
                addEvidence(reference, "first alive response (\(status.map(String.init) ?? "?"))")
            }
            run = 0
            runStart = nil
        } else {
            if let status {
                failed += 1
                if failingStatuses[status] != nil || failingStatuses.count < 8 { failingStatuses[status, default: 0] += 1 }
            } else {
                timeouts += 1
            }
            if run == 0 { runStart = reference }
            run += 1
            if run == failureThreshold, failingSince == nil, let runStart {
                failingSince = runStart
                addEvidence(runStart, "first of \(failureThreshold) or more failing checks in a row")
            }
            lastFailure = reference
        }
        lastOutcomeAlive = isAlive
    }

    mutating func addEvidence(_ reference: FrameReference, _ note: String) {
        if evidence.count < Self.evidenceLimit { evidence.append(Evidence(reference, note)) }
    }

    /// The median gap between requests (nil with fewer than two).
    var medianInterval: Int64? {
        guard times.count > 1 else { return nil }
        return DurationText.median((1..<times.count).map { times[$0] - times[$0 - 1] })
    }

    /// Whether at least `minRequests` requests came with a median gap in `intervals` and at least
    /// `regularShare` of the gaps within `tolerance` (a fraction) of the median.
    func isSteady(minRequests: Int, intervals: ClosedRange<Int64>, tolerance: Double, regularShare: Double) -> Bool {
        guard requests >= minRequests, times.count > 1, let median = medianInterval, intervals.contains(median) else { return false }
        let gaps = (1..<times.count).map { times[$0] - times[$0 - 1] }
        let slack = Double(median) * tolerance
        let regular = gaps.filter { abs(Double($0 - median)) <= slack }.count
        return Double(regular) >= regularShare * Double(gaps.count)
    }

    /// `404 ×12, 400 ×2, 3 timeouts`.
    var failureText: String {
        var parts = failingStatuses.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) ×\($0.value)" }
        if timeouts > 0 { parts.append("\(timeouts) timeout\(timeouts == 1 ? "" : "s")") }
        return DurationText.list(parts)
    }

    /// `200 ×5`.
    var aliveText: String {
        DurationText.list(aliveStatuses.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) ×\($0.value)" })
    }
}
