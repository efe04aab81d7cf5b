//  capture.clock_offset: how each vantage point's clock was lined up with the reference.
//
//  Not a detector: the clock pre-pass (ClockAlignment, before detection) decides the offsets;
//  this file owns the kind's description, its tunables and the wording of its findings.

import VantageCapture
import VantageState

/// Describes and words `capture.clock_offset` findings (info) from a clock pre-pass.
public enum ClockOffsetReport {
    /// The finding kind.
    public static let kind = FindingKind(rawValue: "capture.clock_offset")

    /// The tunables (section `capture.clock_offset`).
    public enum Tunables {
        /// How far apart (raw clocks) two copies of a frame may be.
        public static let searchWindow = Tunable(
            "search_window", unit: "s", default: 2,
            "copies of one frame at two vantage points are looked for within this distance of each other (raw clocks)")
        /// Fewest matched frames to align a vantage point.
        public static let minimumMatches = Tunable(
            "minimum_matches", unit: "frames", default: 3, "a vantage point is aligned only with at least this many matched frames")
        /// Smallest drift reported and applied.
        public static let minimumDrift = Tunable(
            "minimum_drift", unit: "ppm", default: 1, "a clock drift below this is treated as none")
        /// Drift-fit window length.
        public static let driftWindow = Tunable(
            "drift_window", unit: "s", default: 10, "matched frames are summarised per window of this length for the drift fit")
        /// Anchors kept per capture.
        public static let anchorCapacity = Tunable(
            "anchor_capacity", unit: "frames", default: 65_536,
            "frames remembered per capture for matching (above this, a consistent sample by frame identity)")

        static let all = [searchWindow, minimumMatches, minimumDrift, driftWindow, anchorCapacity]
    }

    /// The kind's explanation for `vantage explain`.
    public static var descriptions: [KindDescription] {
        [
            KindDescription(
                kind: kind,
                meaning: "Captures from several vantage points were put on one clock before analysis: this vantage "
                    + "point's timestamps were shifted by the offset (and drift) shown, so that a frame seen at two "
                    + "places lines up. Times in every other finding are on the aligned timeline.",
                rule: "With two or more captures (and without --no-align), ARP frames and IP frames (TCP only with SYN, FIN or RST) "
                    + "get an identity (invariant header fields and a 32-byte payload prefix; TTL, checksums and MACs "
                    + "left out). "
                    + "Frames whose identity is unique within search_window at both vantage points are matched. "
                    + "The offset is the median of the time differences; drift is the Theil-Sen slope over "
                    + "drift_window medians, kept when at least minimum_drift ppm and 0.2 ms over the capture. "
                    + "A vantage point with fewer than minimum_matches matches keeps its raw times (the finding says so).",
                severity: "info",
                remedies: "Nothing to fix in the network. A large residual spread means the match is uncertain "
                    + "(busy queues, or few common frames): compare the anchor frames. Run with --no-align to keep "
                    + "each file's own clock, and keep capture hosts on NTP/PTP.",
                tunables: Tunables.all)
        ]
    }

    /// The pre-pass settings from the configuration.
    public static func settings(_ configuration: AnalysisConfiguration) -> ClockAlignmentSettings {
        let section = kind.rawValue
        var settings = ClockAlignmentSettings()
        settings.searchWindow = max(1_000_000, configuration.nanoseconds(Tunables.searchWindow, in: section))
        settings.minimumMatches = max(1, Int(configuration.value(Tunables.minimumMatches, in: section)))
        settings.anchorCapacity = max(1024, Int(configuration.value(Tunables.anchorCapacity, in: section)))
        settings.estimator.minimumDriftPPM = max(0, configuration.value(Tunables.minimumDrift, in: section))
        settings.estimator.windowLength = max(1_000_000, configuration.nanoseconds(Tunables.driftWindow, in: section))
        return settings
    }

    /// One finding per vantage point other than the reference.
    public static func findings(_ alignment: ClockAlignment, vantageNames: [String], settings: ClockAlignmentSettings) -> [Finding] {
        func name(_ index: Int) -> String { vantageNames.indices.contains(index) ? vantageNames[index] : "vantage\(index)" }
        let reference = name(alignment.reference)
        return alignment.clocks.map { clock in
            let vantage = name(clock.vantage)
            let key = "\(kind.rawValue)|\(vantage)"
            guard let fit = clock.fit else {
                let window = milliseconds(settings.searchWindow)
                let span = clock.anchorSpan ?? 0...0
                return Finding(
                    kind: kind, severity: .info, start: Timestamp(nanoseconds: span.lowerBound),
                    end: Timestamp(nanoseconds: span.upperBound),
                    summary: "The clock of \(vantage) was not aligned with \(reference): \(clock.matches) frame"
                        + "\(clock.matches == 1 ? "" : "s") matched within ±\(window) (at least \(settings.minimumMatches) needed); "
                        + "its raw timestamps are used.",
                    remedy: "Check that the captures overlap in time and see common traffic (ARP, adverts); if the clocks differ "
                        + "by more than the search window, raise capture.clock_offset search_window in the config.",
                    key: key,
                    details: [
                        "vantage": .string(vantage), "reference": .string(reference), "aligned": .bool(false),
                        "matched_frames": .int(clock.matches),
                    ])
            }
            var evidence: [Evidence] = []
            for pair in clock.examples {
                let other = Timestamp(nanoseconds: pair.other.time + fit.correction(at: pair.other.time))
                evidence.append(
                    Evidence(FrameReference(vantage: alignment.reference, frame: pair.reference.frame, time: Timestamp(nanoseconds: pair.reference.time)),
                        "anchor: this frame at \(reference)"))
                evidence.append(
                    Evidence(FrameReference(vantage: clock.vantage, frame: pair.other.frame, time: other),
                        "the same frame at \(vantage), raw time \(Timestamp(nanoseconds: pair.other.time).timeOfDay)"))
            }
            let direction = fit.offset >= 0 ? "behind" : "ahead of"
            let drifting = fit.drift != 0
            var summary: String
            if !drifting && abs(fit.offset) <= fit.residualP90 {
                // Within the matching's own spread (e.g. captures taken on one host): say so.
                summary = "The clock of \(vantage) agrees with \(reference) within \(milliseconds(fit.residualP90))"
                summary += " (\(fit.pairs) matched frames; its timestamps were shifted by \(signedMilliseconds(fit.offset)))."
            } else {
                summary = "The clock of \(vantage) runs \(milliseconds(abs(fit.offset))) \(direction) \(reference)"
                if drifting { summary += ", drifting \(fit.drift > 0 ? "+" : "")\(DurationText.fixed(fit.driftPPM, digits: 1)) ppm" }
                summary += "; its timestamps were shifted by \(signedMilliseconds(fit.offset))"
                summary += " (\(fit.pairs) matched frames, 90% within \(milliseconds(fit.residualP90)))."
            }
            let first = Timestamp(nanoseconds: fit.origin + fit.offset)
            let last = Timestamp(nanoseconds: fit.origin + fit.span + fit.correction(at: fit.origin + fit.span))
            return Finding(
                kind: kind, severity: .info, start: first, end: last, summary: summary, evidence: evidence,
                remedy: "None needed: times in the other findings are aligned. Keep capture hosts on NTP/PTP; "
                    + "use --no-align to see raw times.",
                key: key,
                details: [
                    "vantage": .string(vantage), "reference": .string(reference), "aligned": .bool(true),
                    "offset_ms": .double(Double(fit.offset) / 1e6), "drift_ppm": .double(drifting ? fit.driftPPM : 0),
                    "matched_frames": .int(fit.pairs), "residual_p90_ms": .double(Double(fit.residualP90) / 1e6),
                    "outliers": .int(fit.outliers), "span_s": .double(Double(fit.span) / 1e9),
                ])
        }
    }

    /// `12.345 ms` with three decimals.
    static func milliseconds(_ nanoseconds: Int64) -> String {
        DurationText.fixed(Double(nanoseconds) / 1e6, digits: 3) + " ms"
    }

    /// `+12.345 ms` / `-12.345 ms`.
    static func signedMilliseconds(_ nanoseconds: Int64) -> String {
        (nanoseconds >= 0 ? "+" : "") + milliseconds(nanoseconds)
    }
}
