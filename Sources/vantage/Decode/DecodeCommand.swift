import ArgumentParser
import Foundation
import VantageCapture
import VantageWire

/// `vantage decode`: one line per frame like `tcpdump -nn -e`, JSON Lines, or protocol counts.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Print every frame of one or more captures, merged by time.",
        discussion: """
            Each line starts with the vantage point (when there are several) and the frame
            number as Wireshark counts it, then the time of day (UTC), the MACs, VLAN tags and
            the decoded layers. --json prints JSON Lines with every decoded field; --stats only
            counts frames per protocol (the fast path measured by `make bench`).
            """)

    @OptionGroup var input: CaptureInputOptions

    @Flag(help: "Print JSON Lines (one object per frame, every decoded field).")
    var json = false

    @Flag(help: "Print only per-protocol frame counts, per vantage point and in total.")
    var stats = false

    @Flag(help: "Verify TCP, UDP and ICMP checksums too (off by default: offloaded checksums on a sending host look bad).")
    var verifyChecksums = false

    @Option(name: .customShort("c"), help: "Stop after this many printed frames.")
    var count: Int?

    func validate() throws {
        if json && stats { throw ValidationError("--json and --stats cannot be combined.") }
        if let count, count < 1 { throw ValidationError("-c needs a positive count.") }
    }

    func run() throws {
        var session = try CaptureSession(input, verifyChecksums: verifyChecksums)
        let names = session.vantageNames
        let output = BufferedOutput()
        let formatter = PacketLineFormatter(vantageNames: names, terminal: .current())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var progress = ProgressMeter(totalBytes: session.merged.totalFileBytes)
        var printed = 0
        var decoder = session.decoder
        let (json, count) = (self.json, self.count)  // property wrappers are slow per frame
        var packet = DecodedPacket()

        if stats {
            var counts = [ProtocolCounts](repeating: ProtocolCounts(), count: names.count)
            try Self.countFrames(&session, decoder: &decoder, into: &counts, progress: &progress)
            progress.finish()
            printStats(counts, names: names, output: output)
            output.flush()
            try session.finish()
            return
        }

        while let vantage = session.merged.next() {
            progress.tick { session.merged.totalBytesRead }
            guard try session.currentRecordPasses() else { continue }
            let record = session.merged.current
            let time = session.merged.currentTimestamp
            if !record.linkType.isSupported { session.noteUnsupported(record.linkType) }
            let line: String = session.merged.withCurrentBytes { bytes in
                decoder.decode(bytes, linkType: record.linkType, fcsLength: record.fcsLength, into: &packet)
                if json {
                    let object = PacketJSON(
                        vantage: names[vantage], record: record, time: time, packet: packet, bytes: bytes)
                    return (try? encoder.encode(object)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                }
                return formatter.line(vantage: vantage, record: record, time: time, packet: packet, bytes: bytes)
            }
            output.line(line)
            printed += 1
            if let count, printed >= count { break }
        }
        progress.finish()
        output.flush()
        try session.finish()
    }

    /// `--stats`: decodes every frame and counts it, per vantage point. The loop `make bench`
    /// measures, so one capture file without a filter gets its own loop: counts in a local
    /// (no array uniqueness check per frame) and no filter call. `decoder` is `inout` only so
    /// that the per-frame closure captures it by address: a captured value is copied for every
    /// call, with a retain and release of its port map.
    private static func countFrames(
        _ session: inout CaptureSession, decoder: inout PacketDecoder, into counts: inout [ProtocolCounts],
        progress: inout ProgressMeter
    ) throws {
        var packet = DecodedPacket()
        if counts.count == 1 && session.filter == nil {
            // One file: straight on its reader, with no merge step per record.
            var local = ProtocolCounts()
            var unsupported: [LinkType: Int] = [:]
            let solo = session.merged.withSoloReader { reader throws(CaptureError) in
                while try reader.advance() {
                    progress.tick { reader.bytesRead }
                    let linkType = reader.current.linkType
                    let fcsLength = reader.current.fcsLength
                    let capturedLength = reader.current.capturedLength
                    if !linkType.isSupported { unsupported[linkType, default: 0] += 1 }
                    let shape = reader.withCurrentBytes { bytes in
                        decoder.decode(bytes, linkType: linkType, fcsLength: fcsLength, into: &packet)
                    }
                    local.count(packet, shape: shape, capturedLength: capturedLength)
                }
            }
            if solo {
                for (linkType, count) in unsupported { session.noteUnsupported(linkType, count: count) }
                counts[0] = local
                return
            }
        }
        while let vantage = session.merged.next() {
            progress.tick { session.merged.totalBytesRead }
            guard try session.currentRecordPasses() else { continue }
            let record = session.merged.current
            if !record.linkType.isSupported { session.noteUnsupported(record.linkType) }
            let shape = session.merged.withCurrentBytes { bytes in
                decoder.decode(bytes, linkType: record.linkType, fcsLength: record.fcsLength, into: &packet)
            }
            counts[vantage].count(packet, shape: shape, capturedLength: record.capturedLength)
        }
    }

    private func printStats(_ counts: [ProtocolCounts], names: [String], output: BufferedOutput) {
        var total = ProtocolCounts()
        for entry in counts { total.merge(entry) }
        let columns = names.count > 1 ? names + ["total"] : ["count"]
        let tables = names.count > 1 ? counts + [total] : [total]
        let labelWidth = max(18, total.rows.map(\.0.count).max() ?? 0)
        output.line("protocol".padding(toLength: labelWidth, withPad: " ", startingAt: 0)
            + columns.map { " " + $0.leftPadded(to: max(12, $0.count)) }.joined())
        for (label, _) in total.rows {
            let values = tables.map { table in table.rows.first(where: { $0.0 == label })?.1 ?? 0 }
            output.line(label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
                + zip(values, columns).map { " " + String($0).leftPadded(to: max(12, $1.count)) }.joined())
        }
    }
}

extension String {
    /// The string right-aligned in `width` columns.
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
