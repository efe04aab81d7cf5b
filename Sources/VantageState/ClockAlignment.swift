//  ClockAlignment: the pre-pass that puts several vantage points on one clock.
//
//  1. Each capture is read once for its anchors (FrameAnchors: identity, raw time, frame no.;
//     ARP and IP frames except TCP segments without SYN/FIN/RST, sampled by identity).
//  2. Every two captures are matched: a frame identity present in both whose copies are each
//     the only one within ±searchWindow of the other (mutually unique): periodic identical
//     frames, such as a VRRP advert repeated byte for byte every second, are ambiguous and left
//     out; an ARP request, a ping, a TCP segment or an advert with a changing field is unique.
//  3. The reference is the first capture when it reaches every capture that any capture reaches
//     (directly or through captures it matches); otherwise the best-connected capture. Which
//     file comes first is the user's choice, so it must not depend on how many stray frames
//     happened to be flooded to a backup router's port.
//  4. Captures are aligned one by one along the best-matched links (a maximum spanning tree from
//     the reference, Prim's order): each next capture is the one with the most matched frames
//     with a capture already aligned, and its correction comes from ClockOffsetEstimator over
//     those pairs, the aligned side's times first put on the reference clock. A backup router
//     that shares few frames with a client but many with its peer is aligned through the peer,
//     not by a handful of client frames. A capture with fewer than minimumMatches pairs with
//     every aligned capture keeps its raw times.

/// Settings of the clock pre-pass.
public struct ClockAlignmentSettings: Sendable {
    /// Copies of one frame are looked for within this distance of each other, raw times (ns).
    public var searchWindow: Int64 = 2_000_000_000
    /// A vantage point is aligned only with at least this many matched frames.
    public var minimumMatches = 3
    /// Anchors kept per capture (sampled by identity above this).
    public var anchorCapacity = 1 << 16
    /// Frame identities with more copies than this in one capture are not matched.
    public var maximumCopies = 32
    /// The offset and drift estimator.
    public var estimator = ClockOffsetEstimator()

    /// The default settings.
    public init() {}
}

/// One frame matched at the reference and at another vantage point.
public struct AnchorPair: Sendable, Hashable {
    /// The copy at the reference.
    public var reference: FrameAnchor
    /// The copy at the other vantage point.
    public var other: FrameAnchor

    /// A matched pair.
    public init(reference: FrameAnchor, other: FrameAnchor) {
        self.reference = reference
        self.other = other
    }
}

/// What the pre-pass found for one vantage point other than the reference.
public struct VantageClock: Sendable {
    /// The vantage point's index.
    public var vantage: Int
    /// The aligned vantage point its frames were matched with (the reference, or one aligned
    /// through it).
    public var via: Int
    /// Its correction; nil when too few frames matched (it keeps its raw times).
    public var fit: ClockFit?
    /// Frames matched with `via`.
    public var matches: Int
    /// A few well-fitting pairs (first, middle, last; `reference` is the copy at `via`), for evidence.
    public var examples: [AnchorPair]
    /// Raw times (ns) of the vantage's first and last anchor frame; nil without anchors.
    public var anchorSpan: ClosedRange<Int64>?
}

/// The result of the pre-pass.
public struct ClockAlignment: Sendable {
    /// Index of the vantage point whose clock the others are aligned to.
    public var reference: Int
    /// One entry per other vantage point that could be read.
    public var clocks: [VantageClock]

    /// Aligns the captures whose anchors are given (nil for one that could not be read).
    public static func align(_ tables: [FrameAnchors?], settings: ClockAlignmentSettings = .init()) -> ClockAlignment {
        let readable = tables.indices.filter { tables[$0] != nil }
        var sortedAnchors: [Int: [FrameAnchor]] = [:]
        var pairs: [Int: [Int: [AnchorPair]]] = [:]
        for (position, i) in readable.enumerated() {
            for j in readable[(position + 1)...] {
                guard let a = tables[i], let b = tables[j] else { continue }
                let level = min(a.level, b.level)
                let left = Self.sortedByIdentity(a.thinned(to: level), cache: &sortedAnchors, key: i, full: level == a.level)
                let right = Self.sortedByIdentity(b.thinned(to: level), cache: &sortedAnchors, key: j, full: level == b.level)
                let matched = match(left, right, settings: settings)
                pairs[i, default: [:]][j] = matched
                pairs[j, default: [:]][i] = matched.map { AnchorPair(reference: $0.other, other: $0.reference) }
            }
        }
        let reference = chooseReference(readable, pairs: pairs, minimum: settings.minimumMatches)
        // Corrections onto the reference clock of the captures aligned so far (nil: the reference).
        var aligned: [Int: ClockFit?] = [reference: nil]
        var tried: Set<Int> = [reference]
        var clocks: [VantageClock] = []
        while let (via, vantage) = bestLink(readable, aligned: aligned, tried: tried, pairs: pairs, minimum: settings.minimumMatches) {
            tried.insert(vantage)
            let matched = pairs[via]?[vantage] ?? []
            let viaFit = aligned[via] ?? nil
            let onReference = { (time: Int64) in time + (viaFit?.correction(at: time) ?? 0) }
            let fit = settings.estimator.fit(matched.map { ($0.other.time, onReference($0.reference.time) - $0.other.time) })
            var clock = VantageClock(vantage: vantage, via: via, fit: fit, matches: matched.count, examples: [], anchorSpan: span(tables[vantage]))
            if let fit {
                aligned[vantage] = fit
                clock.examples = examples(matched, fit: fit, onReference: onReference)
            }
            clocks.append(clock)
        }
        for vantage in readable where !tried.contains(vantage) {
            let matches = pairs[reference]?[vantage]?.count ?? 0
            clocks.append(VantageClock(vantage: vantage, via: reference, fit: nil, matches: matches, examples: [], anchorSpan: span(tables[vantage])))
        }
        clocks.sort { $0.vantage < $1.vantage }
        return ClockAlignment(reference: reference, clocks: clocks)
    }

    /// Raw times (ns) of a capture's first and last anchor frame.
    private static func span(_ table: FrameAnchors?) -> ClosedRange<Int64>? {
        let times = (table?.anchors ?? []).map(\.time)
        return times.min().flatMap { low in times.max().map { low...$0 } }
    }

    /// The (aligned, unaligned) pair of captures with the most matched frames, at least `minimum`.
    private static func bestLink(
        _ readable: [Int], aligned: [Int: ClockFit?], tried: Set<Int>, pairs: [Int: [Int: [AnchorPair]]], minimum: Int
    ) -> (Int, Int)? {
        var best: (Int, Int)?
        var bestCount = minimum - 1
        for via in readable where aligned.keys.contains(via) {
            for vantage in readable where !tried.contains(vantage) {
                let count = pairs[via]?[vantage]?.count ?? 0
                if count > bestCount {
                    best = (via, vantage)
                    bestCount = count
                }
            }
        }
        return best
    }

    /// Anchors sorted by (identity, time); a table used unthinned is sorted once.
    private static func sortedByIdentity(
        _ anchors: [FrameAnchor], cache: inout [Int: [FrameAnchor]], key: Int, full: Bool
    ) -> [FrameAnchor] {
        if full, let known = cache[key] { return known }
        let sorted = anchors.sorted { ($0.identity, $0.time) < ($1.identity, $1.time) }
        if full { cache[key] = sorted }
        return sorted
    }

    /// Mutually unique copies of each identity within the search window (inputs sorted by identity, time).
    static func match(_ a: [FrameAnchor], _ b: [FrameAnchor], settings: ClockAlignmentSettings) -> [AnchorPair] {
        var result: [AnchorPair] = []
        var i = 0
        var j = 0
        while i < a.count && j < b.count {
            let identity = a[i].identity
            if identity < b[j].identity {
                i += 1
                continue
            }
            if b[j].identity < identity {
                j += 1
                continue
            }
            var iEnd = i
            while iEnd < a.count && a[iEnd].identity == identity { iEnd += 1 }
            var jEnd = j
            while jEnd < b.count && b[jEnd].identity == identity { jEnd += 1 }
            if iEnd - i <= settings.maximumCopies && jEnd - j <= settings.maximumCopies {
                for x in i..<iEnd {
                    var candidate = -1
                    var count = 0
                    for y in j..<jEnd where abs(b[y].time - a[x].time) <= settings.searchWindow {
                        candidate = y
                        count += 1
                    }
                    guard count == 1 else { continue }
                    let rivals = (i..<iEnd).reduce(0) { $0 + (abs(a[$1].time - b[candidate].time) <= settings.searchWindow ? 1 : 0) }
                    if rivals == 1 { result.append(AnchorPair(reference: a[x], other: b[candidate])) }
                }
            }
            i = iEnd
            j = jEnd
        }
        return result
    }

    /// The first capture if it reaches as many captures as any other does (directly, or through
    /// captures it matches: a client shares few frames with a backup router but many with its
    /// peer); else the capture matching most others (then most frames) among those reaching most.
    private static func chooseReference(_ readable: [Int], pairs: [Int: [Int: [AnchorPair]]], minimum: Int) -> Int {
        func linked(_ a: Int, _ b: Int) -> Bool { (pairs[a]?[b]?.count ?? 0) >= minimum }
        func reach(_ start: Int) -> Int {
            var seen: Set<Int> = [start]
            var frontier = [start]
            while let next = frontier.popLast() {
                for other in readable where !seen.contains(other) && linked(next, other) {
                    seen.insert(other)
                    frontier.append(other)
                }
            }
            return seen.count
        }
        let reaches = Dictionary(uniqueKeysWithValues: readable.map { ($0, reach($0)) })
        func score(_ vantage: Int) -> (Int, Int, Int) {
            let counts = readable.filter { $0 != vantage }.map { pairs[vantage]?[$0]?.count ?? 0 }
            return (reaches[vantage] ?? 1, counts.filter { $0 >= minimum }.count, counts.reduce(0, +))
        }
        guard let first = readable.first else { return 0 }
        if reaches[first] == reaches.values.max() { return first }
        return readable.max { score($0) < score($1) || (score($0) == score($1) && $0 > $1) } ?? first
    }

    /// The first, middle and last pairs (by time) within the residual spread.
    private static func examples(_ matched: [AnchorPair], fit: ClockFit, onReference: (Int64) -> Int64) -> [AnchorPair] {
        let good = matched.filter {
            abs(onReference($0.reference.time) - $0.other.time - fit.correction(at: $0.other.time)) <= max(fit.residualP90, 1)
        }.sorted { $0.other.time < $1.other.time }
        guard !good.isEmpty else { return [] }
        var picked = [good[0]]
        if good.count > 2 { picked.append(good[good.count / 2]) }
        if good.count > 1 { picked.append(good[good.count - 1]) }
        return picked
    }
}
