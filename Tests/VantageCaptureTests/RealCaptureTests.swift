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

    /// The synthetic pcapng with two sections, 2^-20 units, tsoffset, SPB and obsolete PB, as
    /// tshark sees it. (tshark's frame.interface_id is the section-local ID.)
    @Test(.enabled(if: ToolSupport.exists(ToolSupport.tshark)))
    func tsharkAgreesOnTheRichPcapng() throws {
        let bytes = PcapNGReaderTests.richFile().bytes
        let path = ToolSupport.write(bytes, name: "rich.pcapng")
        let fields = [
            "frame.number", "frame.time_epoch", "frame.interface_id", "frame.cap_len", "frame.len",
            "frame.packet_flags_direction",
        ]
        let text = try #require(
            ToolSupport.run(
                ToolSupport.tshark, ["-r", path, "-T", "fields"] + fields.flatMap { ["-e", $0] }))
        let rows = ToolSupport.lines(text).map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
        var reader = try CaptureReader(path: path)
        let result = readAll(&reader)
        // tshark also lists the two custom blocks as frames 3 and 4.
        let byNumber = Dictionary(rows.map { ($0[0], $0) }, uniquingKeysWith: { first, _ in first })
        try #require(rows.count == result.records.count + 2)
        for record in result.records {
            let row = try #require(byNumber[String(record.frameNumber)])
            // tshark leaves SPB timestamps empty; we carry the previous packet's.
            if !row[1].isEmpty { #expect(row[1] == Self.epochNanoseconds(record)) }
            #expect(row[2] == String(reader.interfaces[record.interfaceID].localID))
            #expect(row[3] == String(record.capturedLength))
            #expect(row[4] == String(record.originalLength))
            let direction: String =
                switch record.direction {
                case .unknown: ""
                case .inbound: "1"
                case .outbound: "2"
                }
            #expect(Int(row[5].dropFirst(2), radix: 16).map { String($0) } ?? "" == direction)
        }
    }

    @Test(.enabled(if: ToolSupport.exists(ToolSupport.tshark)))
    func tsharkNumbersFramesLikeUs() throws {
        let path = ToolSupport.write(
            PcapNGReaderTests.wiresharkRecordsFile().bytes, name: "records.pcapng")
        let text = try #require(
            ToolSupport.run(
                ToolSupport.tshark,
                ["-r", path, "-T", "fields", "-e", "frame.number", "-e", "eth.type"]))
        // Ethernet frames only (the other records have no eth.type).
        let numbers = ToolSupport.lines(text).compactMap { line -> Int? in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            return fields.count > 1 && !fields[1].isEmpty ? Int(fields[0]) : nil
        }
        var reader = try CaptureReader(path: path)
        #expect(readAll(&reader).records.map(\.frameNumber) == numbers)
    }

    /// `seconds.nanoseconds` as tshark prints frame.time_epoch.
    static func epochNanoseconds(_ record: PacketRecord) -> String {
        let fraction = String(record.timestamp.fractionNanoseconds)
        return "\(record.timestamp.wholeSeconds)."
            + String(repeating: "0", count: 9 - fraction.count) + fraction
    }
}
