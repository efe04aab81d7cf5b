//  ClockOffsetEstimator: one vantage point's clock against the reference, from matched frames.
//
//  Input: pairs (t, D) for frames seen at both, t = the vantage's own timestamp, D = reference
//  timestamp - vantage timestamp. The correction to add to the vantage's times is
//
//      correction(t) = offset + drift * (t - origin)
//
//  and D = correction(t) ± one-way delay (minus when the frame went from the reference to the
//  vantage, plus the other way). Why this estimator:
//  - The direction of a frame is not known from the bytes (a broadcast from a third host
//    reaches both), so the delays cannot be subtracted per frame. On a LAN they are tens to
//    hundreds of µs, and frames flow both ways (requests and replies, adverts from each side),
//    so the *median* of D centres between the two directions' delays: its bias is at most
//    the typical one-way delay, well under the 1 ms the report needs. (A low quantile per
//    direction would remove it, but needs the sender's side, which a mirror port hides.)
//  - Drift: D is split into windows along t; each window gives its median (t, D). The slope is
//    the Theil–Sen estimate over the window medians (median of pairwise slopes: 29 % of the
//    windows may be outliers), the intercept the median of the pairs' D minus the line.
//    A slope is kept only when it is at least `minimumDriftPPM` and moves the correction by
//    at least `minimumDriftEffect` over the capture; otherwise the offset is the plain median.
//  - Residual spread: the 90th percentile of |D - correction(t)| over all pairs, and the count
//    of pairs further than `outlierThreshold` from the line (mismatches, queued copies).

/// Estimates one vantage point's clock offset and drift from matched frame timestamps.
public struct ClockOffsetEstimator: Sendable {
    /// Windows of at least this length (ns) along the capture feed the drift fit.
    public var windowLength: Int64 = 10_000_000_000
    /// Window medians used at most (the capture is split into at most this many windows).
    public var maximumWindows = 64
    /// A drift smaller than this (parts per million) is reported as none.
    public var minimumDriftPPM = 1.0
    /// A drift whose effect over the capture is smaller than this (ns) is reported as none.
    public var minimumDriftEffect: Int64 = 200_000
    /// Pairs further than this (ns) from the fitted line count as outliers.
    public var outlierThreshold: Int64 = 5_000_000

    /// An estimator with the default settings.
    public init() {}

    /// The fitted correction, or nil without pairs.
    public func fit(_ pairs: [(time: Int64, difference: Int64)]) -> ClockFit? {
        guard !pairs.isEmpty else { return nil }
        let sorted = pairs.sorted { $0.time < $1.time }
        let origin = sorted[0].time
        let span = sorted[sorted.count - 1].time - origin
        var slope = 0.0
        let windows = windowMedians(sorted, origin: origin, span: span)
        if windows.count >= 3 {
            let candidate = Self.theilSen(windows)
            if abs(candidate) * 1e6 >= minimumDriftPPM, abs(candidate) * Double(span) >= Double(minimumDriftEffect) {
                slope = candidate
            }
        }
        let intercepts = sorted.map { Double($0.difference) - slope * Double($0.time - origin) }
        let offset = Self.median(intercepts)
        var residuals = sorted.map { abs(Double($0.difference) - offset - slope * Double($0.time - origin)) }
        residuals.sort()
        let p90 = residuals[min(residuals.count - 1, Int((Double(residuals.count) * 0.9).rounded(.up)) - 1)]
        let outliers = residuals.reduce(0) { $0 + ($1 > Double(outlierThreshold) ? 1 : 0) }
        return ClockFit(
            offset: Int64(offset.rounded()), origin: origin, drift: slope, pairs: pairs.count, span: span,
            residualP90: Int64(p90.rounded()), outliers: outliers)
    }

    /// Median (t, D) of each window of the capture with at least one pair.
    private func windowMedians(_ sorted: [(time: Int64, difference: Int64)], origin: Int64, span: Int64) -> [(Double, Double)] {
        let length = max(windowLength, span / Int64(max(1, maximumWindows)) + 1)
        var result: [(Double, Double)] = []
        var start = 0
        while start < sorted.count {
            let window = (sorted[start].time - origin) / length
            var end = start
            while end < sorted.count, (sorted[end].time - origin) / length == window { end += 1 }
            let slice = sorted[start..<end]
            result.append((Self.median(slice.map { Double($0.time - origin) }), Self.median(slice.map { Double($0.difference) })))
            start = end
        }
        return result
    }

    /// The Theil–Sen slope: the median of the slopes between every two points with distinct x.
    static func theilSen(_ points: [(Double, Double)]) -> Double {
        var slopes: [Double] = []
        slopes.reserveCapacity(points.count * (points.count - 1) / 2)
        for i in points.indices {
            for j in points.indices where j > i && points[j].0 != points[i].0 {
                slopes.append((points[j].1 - points[i].1) / (points[j].0 - points[i].0))
            }
        }
        return slopes.isEmpty ? 0 : median(slopes)
    }

    /// The median (mean of the two middle values for an even count); 0 when empty.
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

/// A vantage point's clock correction: add `correction(at:)` to its timestamps.
public struct ClockFit: Sendable, Hashable {
    /// The correction (ns) at `origin`.
    public var offset: Int64
    /// The vantage's own time (ns since the epoch) at which `offset` holds.
    public var origin: Int64
    /// Drift: ns of correction per ns of capture time (1e-6 = 1 ppm); 0 when not significant.
    public var drift: Double
    /// Matched frames the fit used.
    public var pairs: Int
    /// Time between the first and last matched frame (ns).
    public var span: Int64
    /// 90th percentile of the absolute residuals (ns).
    public var residualP90: Int64
    /// Pairs further than the estimator's outlier threshold from the fit.
    public var outliers: Int

    /// A fit (for tests and callers that know the answer).
    public init(offset: Int64, origin: Int64, drift: Double, pairs: Int, span: Int64, residualP90: Int64, outliers: Int) {
        self.offset = offset
        self.origin = origin
        self.drift = drift
        self.pairs = pairs
        self.span = span
        self.residualP90 = residualP90
        self.outliers = outliers
    }

    /// Drift in parts per million.
    public var driftPPM: Double { drift * 1e6 }

    /// The correction (ns) to add to a timestamp `time` (ns) of this vantage.
    public func correction(at time: Int64) -> Int64 {
        offset + Int64((drift * Double(time - origin)).rounded())
    }
}
