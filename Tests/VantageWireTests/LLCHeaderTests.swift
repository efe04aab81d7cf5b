import Testing
import VantageWire

@Suite struct LLCHeaderTests {
    /// The LLC part of a spanning-tree BPDU frame (after the 802.3 header).
    static let stp = hexBytes("424203 000000000080000180c2000001000000008000000180c200000180010000140002000f00")
    /// RFC 1042 SNAP carrying IPv4.
    static let snapIPv4 = hexBytes("aaaa03 000000 0800 4500")
    /// Cisco SNAP (OUI 00-00-0c, CDP 0x2000).
    static let snapCDP = hexBytes("aaaa03 00000c 2000 02b4")
    /// An I-frame with a 2-octet control (N(S) = 1, N(R) = 2), NetBIOS SAPs.
    static let iFrame = hexBytes("f0f0 0204 ffff")

    @Test func parsesSpanningTreeUFrame() throws {
        let llc = try LLCHeader.parse(Self.stp.span)
        #expect(llc.dsap == 0x42 && llc.ssap == 0x42 && llc.control == 0x03)
        #expect(llc.dsap == LLCHeader.spanningTreeSAP)
        #expect(llc.isUnnumbered && !llc.isSNAP)
        #expect(llc.length == 3)
        #expect(llc.description == "LLC, dsap 0x42, ssap 0x42, ctrl 0x03")
    }

    @Test func parsesSNAP() throws {
        let llc = try LLCHeader.parse(Self.snapIPv4.span)
        #expect(llc.isSNAP && llc.snapOUI == 0 && llc.snapType == .ipv4)
        #expect(llc.length == 8)
        #expect(llc == LLCHeader.snap(.ipv4))
        #expect(llc.description == "LLC/SNAP, oui 0x000000, ethertype IPv4")
        let cdp = try LLCHeader.parse(Self.snapCDP.span)
        #expect(cdp.snapOUI == 0x00000C && cdp.snapType == EtherType(rawValue: 0x2000))
    }

    @Test func parsesTwoOctetControl() throws {
        let llc = try LLCHeader.parse(Self.iFrame.span)
        #expect(!llc.isUnnumbered)
        #expect(llc.control == 0x0402)  // first octet 0x02 in the low byte
        #expect(llc.length == 4)
        #expect(llc.description == "LLC, dsap 0xf0, ssap 0xf0, ctrl 0x0402")
        // A 2-octet control whose second octet ends in 11 stays 2 octets.
        let odd = try LLCHeader.parse([0xF0, 0xF0, 0x00, 0x03].span)
        #expect(odd.control == 0x0300 && odd.length == 4)
    }

    @Test func emitsAndRoundTrips() throws {
        for bytes in [Self.stp, Self.snapIPv4, Self.snapCDP, Self.iFrame, [0xF0, 0xF0, 0x00, 0x03]] {
            let llc = try LLCHeader.parse(bytes.span)
            var out: [UInt8] = []
            llc.emit(into: &out)
            #expect(out == Array(bytes[0..<llc.length]))
            #expect(try LLCHeader.parse(out.span) == llc)
        }
    }

    @Test func truncationAtEveryLength() {
        expectTruncatedBelow(3, of: Self.stp, layer: .llc) { try LLCHeader.parse($0) }
        expectTruncatedBelow(8, of: Self.snapIPv4, layer: .llc) { try LLCHeader.parse($0) }
        expectTruncatedBelow(4, of: Self.iFrame, layer: .llc) { try LLCHeader.parse($0) }
        expectParsesFrom(8, of: Self.snapIPv4) { try LLCHeader.parse($0) }
    }

    @Test func noiseNeverTraps() {
        expectNoTrapOnNoise(seeds: [Self.stp, Self.snapIPv4, Self.iFrame], parse: { try LLCHeader.parse($0) })
    }
}
