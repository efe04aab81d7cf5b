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
        var counts = [ProtocolCounts](repeating: ProtocolCounts(), count: names.count)
        var progress = ProgressMeter(totalBytes: session.merged.totalFileBytes)
        var printed = 0
        let decoder = session.decoder
        let (stats, json, count) = (self.stats, self.json, self.count)  // property wrappers are slow per frame
        var packet = DecodedPacket()

        while let vantage = session.merged.next() {
            progress.tick { session.merged.totalBytesRead }
            guard try session.currentRecordPasses() else { continue }
            let record = session.merged.current
            let time = session.merged.currentTimestamp
            if !record.linkType.isSupported { session.noteUnsupported(record.linkType) }
            if stats {
                let shape = session.merged.withCurrentBytes { bytes in
                    decoder.decode(bytes, linkType: record.linkType, fcsLength: record.fcsLength, into: &packet)
                }
                counts[vantage].count(packet, shape: shape, capturedLength: record.capturedLength)
                continue
            }
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
        if stats { printStats(counts, names: names, output: output) }
        output.flush()
        try session.finish()
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
