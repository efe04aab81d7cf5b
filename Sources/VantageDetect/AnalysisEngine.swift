import VantageCapture
import VantageState
import VantageWire

/// Runs the state engines and every detector over a time-ordered stream of observations in one
/// streaming pass (offline or live: time comes only from the packets).
///
/// The per-frame path does no allocation and no reference counting: the frame's class comes
/// from the decoder's ``DecodedShape`` (no read of the layer enums), and the detectors that hear
/// a class are looked up once per class in a ``DetectorRoutes`` table of unowned references.
/// A detector idle on the data plane (no open episode, no group yet) says so through
/// ``Detector/currentInterest(_:)`` and is not called at all for those frames.
public final class AnalysisEngine {
    /// The shared state.
    public let state: AnalysisState
    /// The detectors, in registry order (the strong references that keep the routes valid).
    private let detectors: [any Detector]
    private let routes: DetectorRoutes
    private let sink = FindingSink()
    /// ``state``, ``AnalysisState/neighbors`` and ``sink`` unretained, for the per-frame path
    /// (loading a class reference from a property retains and releases it around each use).
    private let stateReference: Unmanaged<AnalysisState>
    private let neighbors: Unmanaged<NeighborTable>
    private let sinkReference: Unmanaged<FindingSink>
    /// Capture time of the next tick (meaningful once ``ticking``).
    private var nextTick: Timestamp = .zero
    private var ticking = false

    /// Detectors hear the passage of time at least this often (capture time).
    public static let tickInterval: Int64 = 100_000_000

    /// An engine with the standard detectors (or the given ones).
    public init(configuration: AnalysisConfiguration, vantageNames: [String], detectors: [any Detector]? = nil) {
        state = AnalysisState(configuration: configuration, vantageNames: vantageNames)
        self.detectors = detectors ?? DetectorRegistry.standard(configuration)
        routes = DetectorRoutes(self.detectors, state: state)
        stateReference = .passUnretained(state)
        neighbors = .passUnretained(state.neighbors)
        sinkReference = .passUnretained(sink)
    }

    /// Takes in one observation: state engines first, then the interested detectors.
    public func observe(_ observation: Observation) {
        let time = observation.time
        if time > state.now { state.now = time }
        if ticking {
            if time >= nextTick { tick(time) }
        } else {
            ticking = true
            nextTick = time + Self.tickInterval
        }
        if let identity = observation.identity, let sightings = state.sightings {
            sightings.record(identity, reference: observation.reference, destinationMAC: observation.destinationMAC)
        }
        let events = neighbors._withUnsafeGuaranteedRef { $0.observe(observation) }
        let shape = observation.shape
        let interest = ObservationInterest.of(shape)
        guard !interest.isEmpty else { return }
        // After a frame outside the plain data plane, detectors may need other classes.
        var reroute = !interest.contains(.ipData)
        // Virtual-IP groups need adverts, ARP and pfsync (CARP peers) only: keep the data plane cheap.
        if interest == .redundancy || interest == .arp
            || (shape.transport == .other && shape.network == .ipv4 && observation.packet.ipv4?.protocol == .pfsync)
        {
            state.virtualIPs.observe(observation)
            reroute = true
        }
        // Windows NLB clusters need heartbeats and ARP only.
        if interest == .nlb || interest == .arp { state.nlbClusters.observe(observation) }
        // A detector hears the frame when it wants the frame's class, or any frame with a claim,
        // or a data frame with any neighbor event.
        var heard = interest
        if !events.isEmpty {
            if events.hasClaim { heard.insert(.neighborClaim) }
            if interest.contains(.ipData) { heard.insert(.dataPlaneEvent) }
        }
        stateReference._withUnsafeGuaranteedRef { state in
            sinkReference._withUnsafeGuaranteedRef { sink in
                routes.forEach(heard) { $0.observe(observation, state: state, sink: sink) }
            }
            if reroute { routes.refresh(state) }
        }
    }

    /// Prepares the caches for observing `observation` a few frames later (``NeighborTable/prefetch(_:stage:)``).
    @inline(__always)
    public func prefetch(_ observation: UnsafePointer<Observation>, stage: Int) {
        neighbors._withUnsafeGuaranteedRef { $0.prefetch(observation, stage: stage) }
    }

    /// Lets every detector hear that capture time reached `time`.
    @inline(never)
    private func tick(_ time: Timestamp) {
        state.virtualIPs.advance(to: time)
        for detector in detectors { detector.advance(to: time, state: state, sink: sink) }
        routes.refresh(state)
        nextTick = time + Self.tickInterval
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
