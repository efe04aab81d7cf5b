import ArgumentParser
import Foundation
import VantageCapture
import VantageDetect
import VantageReport
import VantageState
import VantageWire

/// `vantage analyze`: every detector over one or several captures, in one streaming pass.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Find out why connections drop: run every detector over the captures.",
        discussion: """
            Captures from several vantage points are merged on one timeline. The report groups
            findings by severity; each names the addresses and hosts involved, the frames that
            show it (vantage point and Wireshark frame number) and what to change.
            Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage,
            configuration or input error (a damaged capture is analysed up to the damage).
            """)

    /// Output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var input: CaptureInputOptions

    @Option(help: "Output format: text (for people) or json (JSON Lines, one finding per line).")
    var format: Format = .text

    @Option(help: ArgumentHelp("Exit 1 when a finding is at or above this severity: info, warning or critical.", valueName: "severity"))
    var failOn: String = "warning"

    @Option(help: ArgumentHelp("Write, per finding, a pcap of exactly the frames it cites into this directory.", valueName: "dir"))
    var evidence: String?

    @Option(help: ArgumentHelp("YAML file with allow-lists, suppressed kinds and thresholds (see the README).", valueName: "file"))
    var config: String?

    @Option(
        name: .customLong("heartbeat"),
        help: ArgumentHelp(
            "A heartbeat stream to grade besides UDP 3343, 694, 5404/5405 and the VRRP/CARP/HSRP/NLB adverts: "
                + "udp/PORT, or udp/PORT@SECONDS to give its interval (else learned). Repeatable.",
            valueName: "udp/port[@interval]"))
    var heartbeats: [String] = []

    @Flag(help: "Colour the text report even when standard output is not a terminal.")
    var color = false

    @Flag(help: "Keep each capture's own timestamps: do not estimate and remove clock offsets between vantage points.")
    var noAlign = false

    func validate() throws {
        if Severity(name: failOn) == nil { throw ValidationError("--fail-on takes info, warning or critical.") }
        for text in heartbeats where HeartbeatDeclaration(text) == nil {
            throw ValidationError("--heartbeat \(text): expected udp/PORT or udp/PORT@SECONDS (e.g. udp/3343@1.2).")
        }
    }

    func run() throws {
        var configuration: AnalysisConfiguration
        if let config {
            do {
                configuration = try ConfigurationFile.load(config)
            } catch {
                printError("vantage: \(error)")
                throw ExitCode(2)
            }
        } else {
            configuration = AnalysisConfiguration()
        }
        configuration.heartbeats += heartbeats.compactMap(HeartbeatDeclaration.init)
        if let evidence {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: evidence, isDirectory: &isDirectory) {
                try? FileManager.default.createDirectory(atPath: evidence, withIntermediateDirectories: true)
            } else if !isDirectory.boolValue {
                printError("vantage: --evidence \(evidence) is not a directory")
                throw ExitCode(2)
            }
        }

        var session = try CaptureSession(input, configuredHTTPPorts: configuration.httpPorts)
        let names = session.vantageNames
        let engine = AnalysisEngine(configuration: configuration, vantageNames: names)
        if !noAlign { session.alignClocks(configuration: configuration, engine: engine) }
        var decoder = session.decoder
        var progress = ProgressMeter(totalBytes: session.merged.totalFileBytes)
        // Frames are decoded in place into the pipeline's slots (no per-frame copy of the layers);
        // the engine runs on a second core when there is one (see `useEngineThread`).
        let pipeline = AnalysisPipeline(
            engine: engine, threaded: Self.useEngineThread(totalBytes: session.merged.totalFileBytes ?? .max))
        let fed = try Self.feed(
            &session, decoder: &decoder, into: pipeline, journeys: engine.state.tracksJourneys, progress: &progress)
        progress.finish()
        let findings = ReportedFinding.resolve(pipeline.finish(), vantageNames: names)
        try render(findings, frames: fed.frames, names: names, span: fed.first.map { ($0, fed.last) })
        if let evidence {
            do {
                let paths = try EvidenceWriter(directory: evidence).write(findings, vantagePoints: session.merged.vantagePoints)
                printError("vantage: wrote \(paths.count) evidence file(s) to \(evidence)")
            } catch {
                printError("vantage: writing evidence failed: \(error)")
                throw ExitCode(2)
            }
        }
        try session.finish()
        let threshold = Severity(name: failOn) ?? .warning
        if findings.contains(where: { $0.severity >= threshold }) { throw ExitCode(1) }
    }

    /// How many frames went to the pipeline, and the first and last frame's time.
    struct Fed {
        var frames = 0
        var first: Timestamp?
        var last = Timestamp.zero

        mutating func note(_ time: Timestamp) {
            frames += 1
            if first == nil { first = time }
            last = time
        }
    }

    /// Decodes every frame (that passes the filter) into `pipeline`, in merged-timeline order,
    /// with its ``FrameIdentity`` when `journeys` are tracked (two or more captures). One capture
    /// file without a filter is read straight from its reader, with no merge step per record (as
    /// `decode --stats` does). `decoder` is `inout` only so that the per-frame closure captures
    /// it by address (a captured value is copied for every call).
    static func feed(
        _ session: inout CaptureSession, decoder: inout PacketDecoder, into pipeline: AnalysisPipeline, journeys: Bool,
        progress: inout ProgressMeter
    ) throws -> Fed {
        var fed = Fed()
        if session.vantageNames.count == 1 && session.filter == nil && !journeys {
            let offset = session.merged.offsetNanoseconds.first ?? 0
            var unsupported: [LinkType: Int] = [:]
            let solo = session.merged.withSoloReader { reader throws(CaptureError) in
                while try reader.advance() {
                    progress.tick { reader.bytesRead }
                    let linkType = reader.current.linkType
                    if !linkType.isSupported { unsupported[linkType, default: 0] += 1 }
                    let time = Timestamp(nanoseconds: Timestamp.saturatingAdd(reader.current.timestamp.nanoseconds, offset))
                    let reference = FrameReference(vantage: 0, frame: reader.current.frameNumber, time: time)
                    let fcsLength = reader.current.fcsLength
                    let originalLength = reader.current.originalLength
                    let slot = pipeline.slot
                    reader.withCurrentBytes { bytes in
                        slot.pointee.decode(
                            bytes, linkType: linkType, fcsLength: fcsLength, with: decoder, reference: reference,
                            originalLength: originalLength)
                    }
                    pipeline.commit()
                    fed.note(time)
                }
            }
            if solo {
                for (linkType, count) in unsupported { session.noteUnsupported(linkType, count: count) }
                return fed
            }
        }
        while let vantage = session.merged.next() {
            progress.tick { session.merged.totalBytesRead }
            guard try session.currentRecordPasses() else { continue }
            let record = session.merged.current
            let time = session.merged.currentTimestamp
            if !record.linkType.isSupported { session.noteUnsupported(record.linkType) }
            let reference = FrameReference(vantage: vantage, frame: record.frameNumber, time: time)
            let slot = pipeline.slot
            session.merged.withCurrentBytes { bytes in
                slot.pointee.decode(
                    bytes, linkType: record.linkType, fcsLength: record.fcsLength, with: decoder, reference: reference,
                    originalLength: record.originalLength,
                    identity: journeys ? FrameIdentity.of(bytes, linkType: record.linkType) : nil)
            }
            pipeline.commit()
            fed.note(time)
        }
        return fed
    }

    /// Whether the engine runs on its own thread for captures of `totalBytes` (`.max` for a
    /// pipe): when there is more than one CPU and at least 16 MiB to read (a smaller file takes
    /// milliseconds either way, less than setting up the ring). `VANTAGE_PIPELINE=0` asks for one
    /// thread, `VANTAGE_PIPELINE=1` for two whatever the size and the CPUs (the tests use it).
    ///
    /// The main thread reads and decodes, the engine thread runs the state engines and the
    /// detectors, prefetching the observations (and the neighbor entries they will look up) a few
    /// frames ahead, so that the data the other core wrote costs it no waiting. The findings are
    /// the same either way.
    static func useEngineThread(totalBytes: Int64) -> Bool {
        switch ProcessInfo.processInfo.environment["VANTAGE_PIPELINE"] {
        case "0": return false
        case "1": return true
        default: return ProcessInfo.processInfo.activeProcessorCount > 1 && totalBytes >= 16 << 20
        }
    }

    private func render(_ findings: [ReportedFinding], frames: Int, names: [String], span: (Timestamp, Timestamp)?) throws {
        let output = BufferedOutput()
        switch format {
        case .json:
            for line in try JSONLinesRenderer().lines(findings) { output.line(line) }
        case .text:
            let renderer = TextRenderer(color: color || Terminal.current().colorOutput)
            output.line(renderer.headline(findings, frames: frames, vantageNames: names, span: span) + renderer.body(findings))
        }
        output.flush()
    }
}
