import VantageCapture
import VantageDetect
import VantageState

extension CaptureSession {
    /// Runs the clock pre-pass over two or more captures, applies the corrections to the merge
    /// and hands the `capture.clock_offset` findings to `engine`. Does nothing for one capture,
    /// or when a capture is not a regular file (a pipe cannot be read twice: raw times are kept).
    mutating func alignClocks(configuration: AnalysisConfiguration, engine: AnalysisEngine) {
        let points = merged.vantagePoints
        guard points.count >= 2 else { return }
        guard merged.readers.allSatisfy({ $0?.fileSize != nil }) else {
            printError("vantage: a capture is not a regular file; clocks are not aligned (raw times)")
            return
        }
        let settings = ClockOffsetReport.settings(configuration)
        let tables = points.map { try? FrameAnchors.read(path: $0.path, capacity: settings.anchorCapacity) }
        let alignment = ClockAlignment.align(tables, settings: settings)
        for clock in alignment.clocks {
            guard let fit = clock.fit else { continue }
            merged.setClockCorrection(offset: fit.offset, drift: fit.drift, origin: fit.origin, forVantage: clock.vantage)
        }
        for finding in ClockOffsetReport.findings(alignment, vantageNames: vantageNames, settings: settings) {
            engine.report(finding)
        }
    }
}
