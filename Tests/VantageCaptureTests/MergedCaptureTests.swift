import Testing
import VantageCapture

@Suite("MergedCapture")
struct MergedCaptureTests {
    /// A pcap whose records have the given µs timestamps; each record's first byte is `tag`,
    /// second its index.
    func pcap(_ microseconds: [UInt32], tag: UInt8) -> [UInt8] {
        var builder = PcapBuilder()
        for (index, value) in microseconds.enumerated() {
            builder.record(
                seconds: value / 1_000_000, fraction: value % 1_000_000,
                data: [tag, UInt8(index), 0, 0])
        }
        return builder.bytes
    }

    /// Drains a merge into (vantage, frame, shifted µs) triples.
    func drain(_ merge: inout MergedCapture) -> [(Int, Int, Int64)] {
        var out: [(Int, Int, Int64)] = []
        while let vantage = merge.next() {
            let tag = merge.withCurrentBytes { $0.count > 0 ? Int($0[0]) : -1 }
            #expect(tag == vantage)
            out.append(
                (vantage, merge.current.frameNumber, merge.currentTimestamp.nanoseconds / 1000))
        }
        return out
    }

    @Test func interleavedTimestampsWithTies() throws {
        let a = try CaptureReader(bytes: pcap([1, 4, 7, 7, 10], tag: 0), name: "a", chunkSize: 64)
        let b = try CaptureReader(bytes: pcap([2, 4, 8], tag: 1), name: "b", chunkSize: 64)
        let c = try CaptureReader(bytes: pcap([0, 3, 4, 11, 12], tag: 2), name: "c")
        var merge = MergedCapture(readers: [a, b, c], names: ["a", "b", "c"])
        let order = drain(&merge)
        #expect(order.map(\.2) == [0, 1, 2, 3, 4, 4, 4, 7, 7, 8, 10, 11, 12])
        // Ties at 4 µs: vantage 0, then 1, then 2.
        #expect(order.filter { $0.2 == 4 }.map(\.0) == [0, 1, 2])
        #expect(order.filter { $0.0 == 0 }.map(\.1) == [1, 2, 3, 4, 5])
        #expect(merge.stops.isEmpty)
        #expect(merge.next() == nil)
        #expect(merge.next() == nil)
    }

    @Test func errorInOneFileKeepsTheOthers() throws {
        var broken = pcap([2, 5, 9, 20], tag: 1)
        broken.removeLast(2)  // the last record is cut short
        let a = try CaptureReader(bytes: pcap([1, 3, 6, 30], tag: 0), name: "a")
        let b = try CaptureReader(bytes: broken, name: "b")
        var merge = MergedCapture(readers: [a, b], names: ["left", "right"])
        let order = drain(&merge)
        #expect(order.map(\.2) == [1, 2, 3, 5, 6, 9, 30])
        try #require(merge.stops.count == 1)
        let stop = merge.stops[0]
        #expect(stop.vantage == 1)
        #expect(stop.name == "right")
        #expect(stop.error.isTruncation)
        #expect(stop.error.offset == Int64(24 + 3 * 20))
        #expect(stop.description.hasPrefix("right: b: truncated at byte 84"))
    }

    @Test func clockOffsetsShiftTheOrder() throws {
        let a = try CaptureReader(bytes: pcap([10, 20, 30], tag: 0), name: "a")
        let b = try CaptureReader(bytes: pcap([10, 20, 30], tag: 1), name: "b")
        // b's clock runs 15 µs ahead: subtract 15 µs.
        var merge = MergedCapture(readers: [a, b], offsetNanoseconds: [0, -15_000])
        let order = drain(&merge)
        #expect(order.map(\.0) == [1, 1, 0, 1, 0, 0])
        #expect(order.map(\.2) == [-5, 5, 10, 15, 20, 30])
        // The record itself keeps the file's timestamp.
        var again = MergedCapture(readers: [b], offsetNanoseconds: [-15_000])
        _ = again.next()
        #expect(again.current.timestamp.nanoseconds == 10_000)
        #expect(again.currentTimestamp.nanoseconds == -5_000)
    }

    @Test func setOffsetMidStream() throws {
        let a = try CaptureReader(bytes: pcap([10, 20, 30], tag: 0), name: "a")
        let b = try CaptureReader(bytes: pcap([11, 21, 31], tag: 1), name: "b")
        var merge = MergedCapture(readers: [a, b])
        #expect(merge.next() == 0)  // a@10; b@11 waits in the heap
        merge.setOffset(100, forVantage: 1)
        merge.setOffset(-100_000, forVantage: 1)
        #expect(merge.next() == 1)
        #expect(merge.currentTimestamp.nanoseconds == 11_000 - 100_000)
    }

    @Test func openingVantagePointsRecordsOpenFailures() throws {
        let good = ToolSupport.write(pcap([5, 6], tag: 1), name: "good.pcap")
        let text = ToolSupport.write(Array("not a capture".utf8), name: "notes.txt")
        let points = VantagePoint.parse(["missing=/nonexistent/x.pcap", "fw=\(good)", text])
        var merge = MergedCapture(opening: points, chunkSize: 4096)
        #expect(merge.stops.map(\.vantage) == [0, 2])
        var vantages: [Int] = []
        while let vantage = merge.next() { vantages.append(vantage) }
        #expect(vantages == [1, 1])
        #expect(merge.stops.count == 2)
        guard case .notACapture = merge.stops[1].error else {
            Issue.record("expected notACapture")
            return
        }
        #expect(merge.current.frameNumber == 0)
        #expect(merge.withCurrentBytes { $0.count } == 0)
    }

    @Test func emptyMerge() {
        var merge = MergedCapture(readers: [])
        #expect(merge.next() == nil)
    }
}

@Suite("VantagePoint")
struct VantagePointTests {
    @Test func parsing() {
        #expect(
            VantagePoint(parsing: "fw1=/caps/a.pcap")
                == VantagePoint(name: "fw1", path: "/caps/a.pcap"))
        #expect(
            VantagePoint(parsing: "/caps/lb-a.pcapng")
                == VantagePoint(name: "lb-a", path: "/caps/lb-a.pcapng"))
        #expect(VantagePoint(parsing: "edge.cap").name == "edge")
        #expect(VantagePoint(parsing: "/x/y=z/f.pcap").name == "f")
        #expect(VantagePoint(parsing: "=a.pcap") == VantagePoint(name: "=a", path: "=a.pcap"))
        #expect(VantagePoint(parsing: "noext").name == "noext")
        #expect(VantagePoint(parsing: "/caps/.hidden").name == ".hidden")
        #expect(VantagePoint(parsing: "dir/").name == "dir")
    }

    @Test func duplicateNamesAreDisambiguated() {
        let points = VantagePoint.parse(["a/fw.pcap", "b/fw.pcap", "fw-2=c.pcap", "d/fw.pcapng"])
        #expect(points.map(\.name) == ["fw", "fw-3", "fw-2", "fw-4"])
        #expect(Set(points.map(\.name)).count == points.count)
    }
}
