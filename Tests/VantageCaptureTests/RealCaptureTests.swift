import Foundation
import Testing
import VantageCapture
import VantageWire

@Suite("Real captures, cross-checked with tcpdump and tshark")
struct RealCaptureTests {
    @Test func loopbackPcap() throws {
        let path = ToolSupport.write(LoopbackFixtures.pcap, name: "lo.pcap")
        var reader = try CaptureReader(path: path, chunkSize: 200)
        #expect(reader.fileSize == 2304)
        let result = readAll(&reader)
        #expect(result.error == nil)
        #expect(result.records.count == 20)
        #expect(result.records.first?.timestamp.epochMicroseconds == "1795317376.691324")
        #expect(result.records.allSatisfy { $0.capturedLength == 98 && $0.linkType == .ethernet })
        #expect(reader.interfaces.first?.snapLength == 262_144)
        // IPv4 EtherType at offset 12 of every frame.
        #expect(result.data.allSatisfy { $0[12] == 0x08 && $0[13] == 0x00 })

        if ToolSupport.exists(ToolSupport.tcpdump),
            let text = ToolSupport.run(ToolSupport.tcpdump, ["-tt", "-n", "-r", path])
        {
            let stamps = ToolSupport.lines(text).map { String($0.prefix { $0 != " " }) }
            #expect(stamps == result.records.map(\.timestamp.epochMicroseconds))
        }
    }

    @Test func loopbackPcapng() throws {
        let path = ToolSupport.write(LoopbackFixtures.pcapng, name: "lo.pcapng")
        var reader = try CaptureReader(path: path)
        let result = readAll(&reader)
        #expect(result.error == nil)
        #expect(result.records.count == 6)
        #expect(result.records.first?.timestamp.description == "2026-11-22T03:16:24.286874539Z")
        #expect(reader.interfaces.first?.name == "lo")
        #expect(reader.interfaces.first?.timestampResolution == .nanoseconds)

        if ToolSupport.exists(ToolSupport.tshark),
            let text = ToolSupport.run(
                ToolSupport.tshark,
                [
                    "-r", path, "-T", "fields", "-e", "frame.number", "-e", "frame.time_epoch",
                    "-e", "frame.cap_len",
                ])
        {
            let rows = ToolSupport.lines(text).map { $0.split(separator: "\t").map(String.init) }
            #expect(rows.map { $0[0] } == result.records.map { String($0.frameNumber) })
            #expect(rows.map { $0[1] } == result.records.map(Self.epochNanoseconds))
            #expect(rows.map { $0[2] } == result.records.map { String($0.capturedLength) })
        }
    }

    @Test(.enabled(if: ToolSupport.exists(ToolSupport.tshark)))
    func tsharkConvertedPcapng() throws {
        let source = ToolSupport.write(LoopbackFixtures.pcap, name: "lo.pcap")
        let converted = ToolSupport.temporaryPath("lo-converted.pcapng")
        try #require(
            ToolSupport.run(ToolSupport.tshark, ["-r", source, "-F", "pcapng", "-w", converted])
                != nil)
        let original = readAll(LoopbackFixtures.pcap)
        var reader = try CaptureReader(path: converted, chunkSize: 128)
        let result = readAll(&reader)
        #expect(result.error == nil)
        #expect(reader.format.container == .pcapng)
        #expect(result.records.map(\.timestamp) == original.records.map(\.timestamp))
        #expect(result.data == original.data)
    }

    /// `seconds.nanoseconds` as tshark prints frame.time_epoch.
    static func epochNanoseconds(_ record: PacketRecord) -> String {
        let fraction = String(record.timestamp.fractionNanoseconds)
        return "\(record.timestamp.wholeSeconds)."
            + String(repeating: "0", count: 9 - fraction.count) + fraction
    }
}
