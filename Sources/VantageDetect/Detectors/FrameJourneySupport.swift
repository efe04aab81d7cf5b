//  JourneyLog: the frames one episode of a detector counted, and where else each was seen.
//
//  With several vantage points one frame is often captured two or three times (the sender,
//  a switch's mirror port, the wrong receiver). A detector asks its episode's log whether a
//  frame it is about to count is a copy of one it already counted (same journey in
//  ``FrameSightings``); a copy is not counted again. When the finding is written, each counted
//  frame's evidence becomes its journey: the first copy with "seen at A (to MAC), B (to MAC);
//  last seen at B", then one piece of evidence per other copy. Sightings at vantage points
//  where the detector did not fire (a copy before a router rewrote the MACs) come from the
//  sightings ring, looked up once more when the copy window has passed (``settle``).
//
//  Bounded: the first and the last `limit - 1` counted frames per episode. Without FrameSightings (one vantage
//  point) nothing is kept and nothing is a copy.

import VantageCapture
import VantageState
import VantageWire

/// The frames one episode counted, with their sightings at every vantage point.
struct JourneyLog {
    /// One counted frame.
    struct Journey {
        var identity: FrameIdentity
        /// The copy the detector counted (the one its evidence cites).
        var counted: FrameReference
        /// Every sighting known so far, in time order.
        var sightings: [FrameSighting]
        /// Whether copies can no longer arrive (capture time passed the copy window).
        var settled = false
    }

    /// Frames remembered per episode (the most recent ones).
    static let limit = 16
    private(set) var journeys: [Journey] = []
    /// Whether some counted frame may still get copies (``settle(at:state:)`` is worth calling).
    private(set) var hasUnsettled = false

    /// Whether `observation` is a copy of a frame this episode already counted; if so its
    /// sighting joins that frame's journey. Otherwise the frame is remembered as counted.
    mutating func isCopy(_ observation: Observation, state: AnalysisState) -> Bool {
        guard let sightings = state.sightings, let identity = observation.identity else { return false }
        let journey = sightings.sightings(of: observation)
        guard !journey.isEmpty else { return false }
        let references = Set(journey.map(\.reference))
        if let index = journeys.lastIndex(where: { $0.identity == identity && $0.sightings.contains { references.contains($0.reference) } }) {
            let known = Set(journeys[index].sightings.map(\.reference))
            journeys[index].sightings += journey.filter { !known.contains($0.reference) }
            journeys[index].sightings.sort { $0.reference < $1.reference }
            return true
        }
        // Full: forget the oldest but the first (an episode's first frame is always cited).
        if journeys.count >= Self.limit { journeys.remove(at: 1) }
        journeys.append(Journey(identity: identity, counted: observation.reference, sightings: journey))
        hasUnsettled = true
        return false
    }

    /// Picks up the copies seen since at vantage points where the detector did not fire, once
    /// capture time `now` is past each counted frame's copy window (or at once with `now` nil,
    /// when the finding is written). Each journey is looked up once more, then settled.
    mutating func settle(at now: Timestamp?, state: AnalysisState) {
        guard hasUnsettled, let sightings = state.sightings else { return }
        hasUnsettled = false
        for index in journeys.indices where !journeys[index].settled {
            let counted = journeys[index].counted
            if let now, now - counted.time <= sightings.copyWindow {
                hasUnsettled = true
                continue
            }
            let latest = sightings.sightings(of: journeys[index].identity, containing: counted)
            if latest.count > journeys[index].sightings.count { journeys[index].sightings = latest }
            journeys[index].settled = true
        }
    }

    /// The evidence for a counted frame: `note` at `reference`, plus its journey when the frame
    /// was seen at more than one vantage point.
    func evidence(_ reference: FrameReference, _ note: String, state: AnalysisState) -> [Evidence] {
        guard let journey = journeys.last(where: { $0.counted == reference }), journey.sightings.count > 1 else {
            return [Evidence(reference, note)]
        }
        func place(_ sighting: FrameSighting) -> String {
            state.vantageName(sighting.reference.vantage) + (sighting.destinationMAC.map { " (to \($0))" } ?? "")
        }
        let route = journey.sightings.map(place).joined(separator: ", ")
        let last = journey.sightings[journey.sightings.count - 1]
        var result = [Evidence(reference, "\(note); seen at \(route); last seen at \(state.vantageName(last.reference.vantage))")]
        for sighting in journey.sightings where sighting.reference != reference {
            result.append(Evidence(sighting.reference, "the same frame at \(place(sighting))"))
        }
        return result
    }

    /// The vantage points where the counted frame at `reference` was seen.
    func vantages(of reference: FrameReference) -> [Int] {
        journeys.last(where: { $0.counted == reference })?.sightings.map(\.reference.vantage) ?? [reference.vantage]
    }
}
