import Testing
import VantageCapture

/// Cutting a file at every length must yield exactly the records that end before the cut, then
/// one `.truncated` error at the start of the damaged header, record or block.
@Suite("Truncation at every length")
struct TruncationTests {
    /// Checks one cut. `units` are (start offset, end offset, is a packet) in file order.
    func check(
        _ bytes: [UInt8], cut: Int, units: [(start: Int, end: Int, packet: Bool)], chunkSize: Int
    ) {
        let result = readAll(Array(bytes[..<cut]), chunkSize: chunkSize)
        let complete = units.filter { $0.packet && $0.end <= cut }.count
        #expect(result.records.count == complete, "cut \(cut) chunk \(chunkSize)")
        if cut == 0 {
            #expect(result.error == .notACapture(path: "test", found: "empty file"))
            return
        }
        if let damaged = units.first(where: { $0.start < cut && cut < $0.end }) {
            guard case .truncated(_, let offset, _) = result.error else {
                Issue.record(
                    "cut \(cut): expected truncated, got \(String(describing: result.error))")
                return
            }
            #expect(offset == Int64(damaged.start), "cut \(cut)")
        } else {
            #expect(result.error == nil, "cut \(cut): \(String(describing: result.error))")
        }
    }

    @Test("pcap", arguments: [false, true])
    func pcap(kuznetzov: Bool) {
        var builder = PcapBuilder(
            magic: kuznetzov ? 0xA1B2_CD34 : 0xA1B2_C3D4, bigEndian: kuznetzov)
        builder.record(seconds: 1, fraction: 1, data: payload(10, seed: 1))
        builder.record(seconds: 2, fraction: 2, data: [])
        builder.record(seconds: 3, fraction: 3, data: payload(37, seed: 3))
        let bytes = builder.bytes
        var units: [(start: Int, end: Int, packet: Bool)] = [(0, 24, false)]
        for (index, start) in builder.recordOffsets.enumerated() {
            let end =
                index + 1 < builder.recordOffsets.count
                ? builder.recordOffsets[index + 1] : bytes.count
            units.append((start, end, true))
        }
        for chunkSize in [64, 1 << 20] {
            for cut in 0...bytes.count {
                check(bytes, cut: cut, units: units, chunkSize: chunkSize)
            }
        }
    }

    @Test func pcapng() {
        var b = PcapNGBuilder()
        b.section(bigEndian: false, options: [(4, Array("x".utf8))])
        b.interface(linkType: 1, options: [(9, [9])])
        b.enhancedPacket(
            interface: 0, units: 1, data: payload(13, seed: 1), options: [(2, b.u32Bytes(1))])
        b.block(5, [UInt8](repeating: 0, count: 12))
        b.simplePacket(data: payload(6, seed: 2))
        b.section(bigEndian: true)
        b.interface(linkType: 101)
        b.obsoletePacket(interface: 0, units: 5, data: payload(3, seed: 3))
        b.enhancedPacket(interface: 0, units: 6, data: [])
        let bytes = b.bytes
        let packetTypes: Set<UInt32> = [2, 3, 6]
        var units: [(start: Int, end: Int, packet: Bool)] = []
        for (index, block) in b.blocks.enumerated() {
            let end = index + 1 < b.blocks.count ? b.blocks[index + 1].offset : bytes.count
            units.append((block.offset, end, packetTypes.contains(block.type)))
        }
        for chunkSize in [64, 1 << 20] {
            for cut in 0...bytes.count {
                check(bytes, cut: cut, units: units, chunkSize: chunkSize)
            }
        }
    }
}
