import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

/// A seeded generator, so the synthetic captures are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The clock pre-pass: estimator accuracy, frame matching, and the capture.clock_offset finding.
@Suite struct ClockAlignmentTests {
    private static let start: Int64 = 1_795_300_000_000_000_000
    private static let offset: Int64 = 350_000_000
    private static let ppm = 50.0

    /// Vantage B's clock: it reads `true − offset − drift × elapsed`, so the correction to add is
    /// `offset + drift × elapsed` (ns). Frames go both ways with 20–400 µs one-way delays; 5 %
    /// of the pairs are outliers (a frame queued for 10–900 ms, or a wrong match).
    private func syntheticCapture(
        seconds: Int, frames: Int, drift: Double = ppm, seed: UInt64 = 7
    ) -> (a: FrameAnchors, b: FrameAnchors, truth: (Int64) -> Int64) {
        var random = SeededGenerator(state: seed)
        var a = FrameAnchors()
        var b = FrameAnchors()
        let span = Int64(seconds) * 1_000_000_000
        func correction(_ elapsed: Int64) -> Int64 { Self.offset + Int64((drift * 1e-6 * Double(elapsed)).rounded()) }
        var times: [Int64] = (0..<frames).map { _ in Int64.random(in: 0..<span, using: &random) }
        times.sort()
        for (index, elapsed) in times.enumerated() {
            let identity = FrameIdentity(rawValue: random.next())
            let delay = Int64.random(in: 20_000...400_000, using: &random)
            let outlier = Int.random(in: 0..<100, using: &random) < 5
            let extra = outlier ? Int64.random(in: 10_000_000...900_000_000, using: &random) * (Bool.random(using: &random) ? 1 : -1) : 0
            let fromA = index % 2 == 0
            let trueA = Self.start + elapsed
            let trueB = fromA ? trueA + delay + extra : trueA - delay - extra
            // B's clock reads its true time minus the correction at that moment.
            let readB = trueB - correction(trueB - Self.start)
            a.add(identity, time: trueA, frame: index + 1)
            b.add(identity, time: readB, frame: index + 1)
        }
        // The truth as a function of B's own time (what the merge applies).
        let truth: (Int64) -> Int64 = { readB in
            let rate = drift * 1e-6
            let elapsed = Double(readB - Self.start + Self.offset) / (1 - rate)
            return Self.offset + Int64((rate * elapsed).rounded())
        }
        return (a, b, truth)
    }

    @Test func estimatorRecoversOffsetAndDriftWithinOneMillisecond() throws {
        let capture = syntheticCapture(seconds: 3600, frames: 4000)
        let alignment = ClockAlignment.align([capture.a, capture.b])
        #expect(alignment.reference == 0)
        let clock = try #require(alignment.clocks.first)
        let fit = try #require(clock.fit)
        #expect(clock.matches > 3500, "most frames are unique and within ±2 s: \(clock.matches)")
        #expect(abs(fit.driftPPM - Self.ppm) < 1, "drift \(fit.driftPPM) ppm")
        for elapsed in stride(from: Int64(0), through: 3600_000_000_000, by: 600_000_000_000) {
            let readB = Self.start + elapsed - Self.offset
            let error = fit.correction(at: readB) - capture.truth(readB)
            #expect(abs(error) < 1_000_000, "at \(elapsed / 1_000_000_000) s the correction is off by \(error) ns")
        }
        #expect(fit.residualP90 < 1_000_000, "residual p90 \(fit.residualP90) ns")
        #expect(fit.outliers > 50, "the injected outliers are counted: \(fit.outliers)")
    }

    @Test func steadyClockHasNoDrift() throws {
        let capture = syntheticCapture(seconds: 600, frames: 600, drift: 0, seed: 11)
        let fit = try #require(ClockAlignment.align([capture.a, capture.b]).clocks.first?.fit)
        #expect(fit.drift == 0)
        #expect(abs(fit.offset - Self.offset) < 1_000_000)
    }

    @Test func oneWayTrafficBiasesTheOffsetByAtMostTheDelay() throws {
        // Every frame goes from A to B (e.g. only A's broadcasts are common to both captures):
        // the median difference is offset - median delay, so the bias stays below the delay.
        var random = SeededGenerator(state: 3)
        var a = FrameAnchors()
        var b = FrameAnchors()
        for index in 0..<500 {
            let identity = FrameIdentity(rawValue: random.next())
            let time = Self.start + Int64(index) * 100_000_000
            a.add(identity, time: time, frame: index + 1)
            b.add(identity, time: time + Int64.random(in: 20_000...400_000, using: &random) - Self.offset, frame: index + 1)
        }
        let fit = try #require(ClockAlignment.align([a, b]).clocks.first?.fit)
        #expect(fit.offset < Self.offset && Self.offset - fit.offset < 400_000, "offset \(fit.offset)")
    }

    @Test func periodicIdenticalFramesAreNotMatched() {
        // A VRRP advert repeated byte for byte every second: each copy has several candidates
        // within ±2 s at the other vantage point, so none is a trustworthy anchor.
        var a = FrameAnchors()
        var b = FrameAnchors()
        let advert = FrameIdentity(rawValue: 42)
        for second in 0..<30 {
            let time = Self.start + Int64(second) * 1_000_000_000
            a.add(advert, time: time, frame: second + 1)
            b.add(advert, time: time - Self.offset, frame: second + 1)
        }
        let clock = ClockAlignment.align([a, b]).clocks.first
        #expect(clock?.matches == 0)
        #expect(clock?.fit == nil)
    }

    @Test(arguments: [6, 2, 0])
    func aCaptureIsAlignedThroughThePeerItSharesMostFramesWith(strays: Int) throws {
        // Seed 001's shape: the client (reference) and the primary share many frames; the backup
        // shares many with the primary but only a few wrong matches with the client (a stray
        // SYN-ACK at the backup "matching" its retransmission at the client 1.03 s later), or
        // fewer than minimumMatches, or none: the client stays the reference all the same.
        var client = FrameAnchors()
        var primary = FrameAnchors()
        var backup = FrameAnchors()
        let primaryLag: Int64 = 350_000_000
        let backupLag: Int64 = 120_000_000
        for index in 0..<40 {
            let shared = FrameIdentity(rawValue: UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15)
            let time = Self.start + Int64(index) * 250_000_000
            client.add(shared, time: time, frame: index + 1)
            primary.add(shared, time: time - primaryLag + 30_000, frame: index + 1)
            let routerFrame = FrameIdentity(rawValue: UInt64(index + 1) &* 0xBF58_476D_1CE4_E5B9)
            primary.add(routerFrame, time: time + 100_000_000 - primaryLag, frame: 100 + index)
            backup.add(routerFrame, time: time + 100_000_000 - backupLag + 20_000, frame: index + 1)
        }
        for index in 0..<strays {
            let stray = FrameIdentity(rawValue: UInt64(index + 1) &* 0x94D0_49BB_1331_11EB)
            let time = Self.start + Int64(index) * 1_500_000_000 + 77_000_000
            backup.add(stray, time: time - backupLag, frame: 200 + index)
            client.add(stray, time: time + 1_030_000_000, frame: 200 + index)
        }
        let alignment = ClockAlignment.align([client, primary, backup])
        #expect(alignment.reference == 0)
        let clock = try #require(alignment.clocks.first { $0.vantage == 2 })
        #expect(clock.via == 1)
        let fit = try #require(clock.fit)
        #expect(abs(fit.offset - backupLag) < 1_000_000, "backup offset \(fit.offset)")
    }

    @Test func aFirstCaptureSharingNothingIsNotTheReference() throws {
        // The first file shares no frame with the others (another segment, another day): the
        // two that match each other are aligned, and the first keeps its raw times.
        var lone = FrameAnchors()
        var a = FrameAnchors()
        var b = FrameAnchors()
        for index in 0..<20 {
            let time = Self.start + Int64(index) * 100_000_000
            lone.add(FrameIdentity(rawValue: UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15), time: time, frame: index + 1)
            let shared = FrameIdentity(rawValue: UInt64(index + 1) &* 0xBF58_476D_1CE4_E5B9)
            a.add(shared, time: time, frame: index + 1)
            b.add(shared, time: time - Self.offset, frame: index + 1)
        }
        let alignment = ClockAlignment.align([lone, a, b])
        #expect(alignment.reference == 1)
        let clock = try #require(alignment.clocks.first { $0.vantage == 2 })
        #expect(clock.fit?.offset == Self.offset)
        #expect(alignment.clocks.first { $0.vantage == 0 }?.fit == nil)
    }

    @Test func offsetBeyondTheSearchWindowIsNotGuessed() {
        var a = FrameAnchors()
        var b = FrameAnchors()
        for index in 0..<20 {
            let identity = FrameIdentity(rawValue: UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15)
            let time = Self.start + Int64(index) * 100_000_000
            a.add(identity, time: time, frame: index + 1)
            b.add(identity, time: time + 5_000_000_000, frame: index + 1)
        }
        let alignment = ClockAlignment.align([a, b])
        #expect(alignment.clocks.first?.fit == nil)
        var wide = ClockAlignmentSettings()
        wide.searchWindow = 6_000_000_000
        let fit = ClockAlignment.align([a, b], settings: wide).clocks.first?.fit
        #expect(fit?.offset == -5_000_000_000)
    }

    @Test func samplingKeepsTheSameFramesAtEveryVantage() {
        var small = FrameAnchors(capacity: 64)
        var large = FrameAnchors(capacity: 1 << 16)
        for index in 0..<5000 {
            let identity = FrameIdentity(rawValue: UInt64(index + 1) &* 0xD6E8_FEB8_6659_FD93)
            small.add(identity, time: Int64(index), frame: index + 1)
            large.add(identity, time: Int64(index), frame: index + 1)
        }
        #expect(small.anchors.count < 64)
        #expect(small.level < large.level)
        let kept = Set(small.anchors.map(\.identity))
        #expect(kept == Set(large.thinned(to: small.level).map(\.identity)), "one rule, nested samples")
        #expect(small.anchors.first!.time < 500 && small.anchors.last!.time > 4500, "the whole capture stays covered")
    }

    @Test func findingReportsOffsetDriftMatchesAndAnchors() throws {
        let capture = syntheticCapture(seconds: 3600, frames: 2000)
        let settings = ClockAlignmentSettings()
        let alignment = ClockAlignment.align([capture.a, capture.b], settings: settings)
        let findings = ClockOffsetReport.findings(alignment, vantageNames: ["web", "fw2"], settings: settings)
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.kind.rawValue == "capture.clock_offset")
        #expect(finding.severity == .info)
        #expect(finding.summary.contains("fw2") && finding.summary.contains("web"))
        #expect(finding.summary.contains("ppm"))
        guard case .double(let offset) = finding.details["offset_ms"] else { Issue.record("no offset_ms"); return }
        #expect(abs(offset - 350) < 1)
        guard case .double(let drift) = finding.details["drift_ppm"] else { Issue.record("no drift_ppm"); return }
        #expect(abs(drift - 50) < 1)
        #expect(finding.evidence.count == 6, "three anchor pairs, each at both vantage points")
        #expect(Set(finding.evidence.map(\.reference.vantage)) == [0, 1])
        // Each anchor pair lines up on the aligned timeline (within the one-way delay).
        for index in stride(from: 0, to: finding.evidence.count, by: 2) {
            let pair = finding.evidence[index..<index + 2].map(\.reference.time)
            #expect(abs(pair[0] - pair[1]) < 1_000_000)
        }
    }

    @Test func clocksThatAgreeAreSaidToAgree() throws {
        let capture = syntheticCapture(seconds: 60, frames: 300, drift: 0, seed: 5)
        var a = FrameAnchors()
        for anchor in capture.b.anchors {
            a.add(anchor.identity, time: anchor.time + Self.offset / 1000, frame: anchor.frame)  // 0.35 ms
        }
        let settings = ClockAlignmentSettings()
        let finding = try #require(
            ClockOffsetReport.findings(ClockAlignment.align([a, capture.b], settings: settings), vantageNames: ["a", "b"], settings: settings)
                .first)
        #expect(finding.summary.hasPrefix("The clock of b runs 0.350 ms behind a"), "\(finding.summary)")
        let same = try #require(
            ClockOffsetReport.findings(ClockAlignment.align([capture.b, capture.b], settings: settings), vantageNames: ["a", "b"], settings: settings)
                .first)
        #expect(same.summary.hasPrefix("The clock of b agrees with a within 0.000 ms"), "\(same.summary)")
    }

    @Test func unmatchedVantageSaysWhyAndIsNotAligned() throws {
        var a = FrameAnchors()
        var b = FrameAnchors()
        a.add(FrameIdentity(rawValue: 1), time: Self.start, frame: 1)
        b.add(FrameIdentity(rawValue: 2), time: Self.start, frame: 1)
        let settings = ClockAlignmentSettings()
        let findings = ClockOffsetReport.findings(ClockAlignment.align([a, b]), vantageNames: ["a", "b"], settings: settings)
        let finding = try #require(findings.first)
        #expect(finding.summary.contains("not aligned"))
        #expect(finding.details["aligned"] == .bool(false))
        #expect(finding.evidence.isEmpty)
        #expect(finding.start == Timestamp(nanoseconds: Self.start), "dated by the vantage's own frames, not 1970")
    }

    @Test func explainKnowsTheKind() {
        let description = DetectorRegistry.descriptions.first { $0.kind.rawValue == "capture.clock_offset" }
        #expect(description?.tunables.map(\.key).contains("search_window") == true)
    }
}
