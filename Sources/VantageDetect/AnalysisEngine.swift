import VantageCapture
import VantageState
import VantageWire

/// Runs the state engines and every detector over a time-ordered stream of observations in one
/// streaming pass (offline or live: time comes only from the packets).
public final class AnalysisEngine {
    /// The shared state.
    public let state: AnalysisState
    private let detectors: [any Detector]
    private let interests: [ObservationInterest]
    private let sink = FindingSink()
    private var nextTick: Timestamp?

    /// Detectors hear the passage of time at least this often (capture time).
    public static let tickInterval: Int64 = 100_000_000

    /// An engine with the standard detectors (or the given ones).
    public init(configuration: AnalysisConfiguration, vantageNames: [String], detectors: [any Detector]? = nil) {
        state = AnalysisState(configuration: configuration, vantageNames: vantageNames)
        self.detectors = detectors ?? DetectorRegistry.standard(configuration)
        interests = self.detectors.map(\.interest)
    }

    /// Takes in one observation: state engines first, then the interested detectors.
    public func observe(_ observation: Observation) {
        let time = observation.time
        if time > state.now { state.now = time }
        if let tick = nextTick {
            if time >= tick {
                state.virtualIPs.advance(to: time)
                for detector in detectors { detector.advance(to: time, state: state, sink: sink) }
                nextTick = time + Self.tickInterval
            }
        } else {
            nextTick = time + Self.tickInterval
        }
        if let identity = observation.identity, let sightings = state.sightings {
            sightings.record(identity, reference: observation.reference, destinationMAC: observation.packet.destinationMAC)
        }
        let events = state.neighbors.observe(observation)
        let interest = ObservationInterest.of(observation.packet)
        guard !interest.isEmpty else { return }
        // Virtual-IP groups need adverts, ARP and pfsync (CARP peers) only: keep the data plane cheap.
        if interest == .redundancy || interest == .arp
            || (interest.contains(.ipData) && observation.packet.ipv4?.protocol == .pfsync)
        {
            state.virtualIPs.observe(observation)
        }
        // Windows NLB clusters need heartbeats and ARP only.
        if interest == .nlb || interest == .arp { state.nlbClusters.observe(observation) }
        // A detector hears the frame when it wants the frame's class, or any frame with a claim.
        let heard = events.hasClaim ? interest.union(.neighborClaim) : interest
        for index in detectors.indices where !interests[index].isDisjoint(with: heard) {
            detectors[index].observe(observation, state: state, sink: sink)
        }
    }

    /// Adds a finding made outside the detectors (e.g. `capture.clock_offset` from the clock
    /// pre-pass); it is suppressed and ordered like the others.
    public func report(_ finding: Finding) {
        sink.emit(finding)
    }

    /// Closes every open episode and returns the findings, suppressed kinds removed, ordered by
    /// start time.
    public func finish() -> [Finding] {
        state.virtualIPs.advance(to: state.now)
        for detector in detectors { detector.finish(at: state.now, state: state, sink: sink) }
        let suppressed = state.configuration.suppressedKinds
        return sink.findings
            .filter { !suppressed.contains($0.kind) }
            .sorted { ($0.start, $0.kind, $0.key) < ($1.start, $1.kind, $1.key) }
    }
}
