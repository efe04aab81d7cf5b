import VantageCapture
import VantageDetect
import VantageState
import VantageWire

/// Writes, per finding, a pcap holding exactly the frames it cites (opens in Wireshark).
///
/// The captures are read once more, each from the start, and every cited frame is copied with
/// its original timestamp. A classic pcap has one link type, so a finding whose frames come
/// from captures of different link types gets one file per link type.
public struct EvidenceWriter {
    /// Where the files go.
    public let directory: String

    /// A writer into `directory` (which must exist).
    public init(directory: String) { self.directory = directory }

    /// Writes the files and returns their paths.
    public func write(_ findings: [ReportedFinding], vantagePoints: [VantagePoint]) throws(CaptureError) -> [String] {
        // (vantage, frame) → indices of the findings citing it.
        var citations: [Int: [Int: [Int]]] = [:]
        for (index, finding) in findings.enumerated() {
            for item in finding.finding.evidence {
                citations[item.reference.vantage, default: [:]][item.reference.frame, default: []].append(index)
            }
        }
        var writers: [String: PcapWriter] = [:]
        var order: [String] = []
        for (vantage, frames) in citations.sorted(by: { $0.key < $1.key }) {
            guard vantagePoints.indices.contains(vantage) else { continue }
            var reader = try CaptureReader(path: vantagePoints[vantage].path)
            var remaining = frames.count
            while remaining > 0, try reader.advance() {
                let record = reader.current
                guard let citing = frames[record.frameNumber] else { continue }
                remaining -= 1
                for index in citing {
                    let path = fileName(for: findings[index], linkType: record.linkType, finding: findings[index].finding)
                    let writer: PcapWriter
                    if let existing = writers[path] {
                        writer = existing
                    } else {
                        writer = try PcapWriter(path: path, linkType: record.linkType, nanosecondTimestamps: true)
                        writers[path] = writer
                        order.append(path)
                    }
                    try reader.withCurrentBytes { bytes throws(CaptureError) in
                        try writer.write(record: record, bytes: bytes)
                    }
                }
            }
        }
        for writer in writers.values { try writer.close() }
        return order.sorted()
    }

    private func fileName(for reported: ReportedFinding, linkType: LinkType, finding: Finding) -> String {
        let base = "\(directory)/\(reported.id)-\(reported.kind.rawValue)"
        return linkType == .ethernet ? base + ".pcap" : base + "-\(linkType).pcap"
    }
}
