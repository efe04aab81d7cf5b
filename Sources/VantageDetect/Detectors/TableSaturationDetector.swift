import VantageCapture
import VantageState

/// `neighbor.table_saturated`: one of the neighbor model's bounded maps reached its capacity
/// and evicted its least recently seen entries, so some history was forgotten.
///
/// The capacities are this kind's tunables; ``AnalysisState`` builds the ``NeighborTable`` with
/// them (``limits(_:)``). Reported when evictions first happen (so a live run hears it) and again
/// at the end with the final counts (same key: one finding per map).
public final class TableSaturationDetector: ConfigurableDetector {
    /// The kind this detector emits.
    public static let kind = FindingKind(rawValue: "neighbor.table_saturated")

    /// Tunables (section `neighbor.table_saturated`): the capacities of the neighbor model.
    public struct Configuration: Sendable {
        /// Address map capacity.
        public static let addressCapacity = Tunable(
            "address_capacity", unit: "entries", default: Double(NeighborTable.Limits.standard.addresses),
            "(VLAN, IP) addresses tracked with their ownership history (about 350 bytes each, 170 more per change of owner kept)")
        /// Sender map capacity.
        public static let senderCapacity = Tunable(
            "sender_capacity", unit: "entries", default: Double(NeighborTable.Limits.standard.senders),
            "(VLAN, sending MAC, on-link destination IP) entries: the destination MAC each host uses (about 350 bytes each)")
        /// Station map capacity.
        public static let stationCapacity = Tunable(
            "station_capacity", unit: "entries", default: Double(NeighborTable.Limits.standard.stations),
            "(VLAN, MAC) stations seen in ARP/NDP/redundancy adverts (about 180 bytes each)")
    }

    /// The table limits configured in `configuration`.
    public static func limits(_ configuration: AnalysisConfiguration) -> NeighborTable.Limits {
        func entries(_ tunable: Tunable) -> Int {
            Int(min(max(configuration.value(tunable, in: kind.rawValue), 1), Double(Int32.max)))
        }
        return NeighborTable.Limits(
            addresses: entries(Configuration.addressCapacity), senders: entries(Configuration.senderCapacity),
            stations: entries(Configuration.stationCapacity))
    }

    public static var descriptions: [KindDescription] {
        [
            KindDescription(
                kind: kind,
                meaning:
                    "The neighbor model is bounded; a map reached its capacity and forgot its least recently seen entries, so moves, duplicates or stale caches of those entries may be missed.",
                rule: "A NeighborTable map (addresses, senders, stations) evicted at least one entry.",
                severity: "warning when the address map evicted (ownership history lost); info for the sender and station maps",
                remedies: "Raise the capacity in the config file (memory grows with it), or analyse fewer VLANs / a shorter capture at once.",
                tunables: [Configuration.addressCapacity, Configuration.senderCapacity, Configuration.stationCapacity]),
        ]
    }

    public let interest: ObservationInterest = []

    private var reported: [String: Int] = [:]
    private var lastTotal = 0
    private var firstEviction: Timestamp?

    public init(configuration: AnalysisConfiguration) {}

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {}

    public func advance(to time: Timestamp, state: AnalysisState, sink: FindingSink) {
        let total = state.neighbors.totalEvictions
        guard total != lastTotal else { return }
        lastTotal = total
        if firstEviction == nil { firstEviction = time }
        for usage in state.neighbors.usage where usage.evictions > 0 && reported[usage.table] == nil {
            reported[usage.table] = usage.evictions
            sink.emit(finding(usage, at: time))
        }
    }

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        for usage in state.neighbors.usage where usage.evictions > 0 {
            if firstEviction == nil { firstEviction = time }
            sink.emit(finding(usage, at: time))
        }
    }

    private func finding(_ usage: NeighborTable.Usage, at time: Timestamp) -> Finding {
        let what: String
        let severity: Severity
        let tunable: Tunable
        switch usage.table {
        case "addresses":
            what = "addresses (ownership history)"
            severity = .warning
            tunable = Configuration.addressCapacity
        case "senders":
            what = "sender entries (the MAC each host uses per address)"
            severity = .info
            tunable = Configuration.senderCapacity
        default:
            what = "stations"
            severity = .info
            tunable = Configuration.stationCapacity
        }
        return Finding(
            kind: Self.kind, severity: severity, start: firstEviction ?? time, end: time,
            summary:
                "The neighbor \(usage.table) map reached its capacity of \(usage.capacity) \(what) and evicted \(usage.evictions) least recently seen \(usage.evictions == 1 ? "entry" : "entries"): findings about the evicted entries may be missing",
            remedy:
                "Raise \(Self.kind.rawValue).\(tunable.key) in the config file (now \(usage.capacity)), or analyse fewer VLANs or a shorter span at once.",
            key: "\(Self.kind.rawValue)|\(usage.table)",
            details: [
                "table": .string(usage.table), "capacity": .int(usage.capacity), "entries": .int(usage.count),
                "peak": .int(usage.peak), "evictions": .int(usage.evictions),
            ])
    }
}
