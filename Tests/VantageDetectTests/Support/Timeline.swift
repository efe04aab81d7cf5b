import VantageCapture
import VantageDetect
import VantageState
import VantageWire

/// Builds a scripted capture timeline from FrameBuilder frames and runs detectors over it, the
/// way `vantage analyze` does (decode, observe in time order, finish).
struct Timeline {
    private struct Entry {
        var vantage: Int
        var time: Timestamp
        var bytes: [UInt8]
        var linkType: LinkType
    }

    private var entries: [Entry] = []
    /// Vantage point names; frames name a vantage by index.
    var vantageNames: [String]
    /// Epoch of second 0 of the script (a fixed, realistic date).
    static let epoch = Timestamp(seconds: 1_795_300_000)

    /// Frames added so far.
    var count: Int { entries.count }

    /// An empty timeline with the given vantage points.
    init(vantages: [String] = ["capture"]) { vantageNames = vantages }

    /// Adds `bytes` seen at vantage `vantage`, `seconds` after the script's start.
    mutating func add(_ bytes: [UInt8], at seconds: Double, vantage: Int = 0, linkType: LinkType = .ethernet) {
        let time = Self.epoch + Int64((seconds * 1e9).rounded())
        entries.append(Entry(vantage: vantage, time: time, bytes: bytes, linkType: linkType))
    }

    /// The time `seconds` after the script's start.
    static func time(_ seconds: Double) -> Timestamp { epoch + Int64((seconds * 1e9).rounded()) }

    /// How frames reach the engine.
    enum Feed {
        /// A fresh ``Observation`` per frame, to ``AnalysisEngine/observe(_:)``.
        case direct
        /// Decoded in place into an ``AnalysisPipeline``'s slots, as `vantage analyze` does.
        case pipeline(threaded: Bool, batchSize: Int, batchCount: Int)
    }

    /// Runs the detectors (the standard set by default) and returns their findings. Frame numbers
    /// count per vantage in the order frames were added, as in a capture file.
    func findings(
        configuration: AnalysisConfiguration = AnalysisConfiguration(), detectors: [any Detector]? = nil, feed: Feed = .direct
    ) -> [Finding] {
        let engine = AnalysisEngine(configuration: configuration, vantageNames: vantageNames, detectors: detectors)
        var frameNumbers = [Int](repeating: 0, count: vantageNames.count)
        var numbered: [(Int, Entry)] = []
        for entry in entries {
            frameNumbers[entry.vantage] += 1
            numbered.append((frameNumbers[entry.vantage], entry))
        }
        numbered.sort { ($0.1.time, $0.1.vantage, $0.0) < ($1.1.time, $1.1.vantage, $1.0) }
        let decoder = PacketDecoder()
        if case .pipeline(let threaded, let batchSize, let batchCount) = feed {
            let pipeline = AnalysisPipeline(engine: engine, threaded: threaded, batchSize: batchSize, batchCount: batchCount)
            for (frame, entry) in numbered {
                let reference = FrameReference(vantage: entry.vantage, frame: frame, time: entry.time)
                let identity = engine.state.tracksJourneys ? FrameIdentity.of(entry.bytes.span, linkType: entry.linkType) : nil
                pipeline.slot.pointee.decode(
                    entry.bytes.span, linkType: entry.linkType, fcsLength: 0, with: decoder, reference: reference,
                    originalLength: entry.bytes.count, identity: identity)
                pipeline.commit()
            }
            return pipeline.finish()
        }
        for (frame, entry) in numbered {
            let packet = decoder.decode(entry.bytes.span, linkType: entry.linkType)
            let reference = FrameReference(vantage: entry.vantage, frame: frame, time: entry.time)
            let identity = engine.state.tracksJourneys ? FrameIdentity.of(entry.bytes.span, linkType: entry.linkType) : nil
            engine.observe(Observation(reference: reference, packet: packet, originalLength: entry.bytes.count, identity: identity))
        }
        return engine.finish()
    }
}

extension Array where Element == Finding {
    /// The findings of one kind.
    func of(_ kind: String) -> [Finding] { filter { $0.kind.rawValue == kind } }

    /// Findings at or above `severity`.
    func atLeast(_ severity: Severity) -> [Finding] { filter { $0.severity >= severity } }
}
