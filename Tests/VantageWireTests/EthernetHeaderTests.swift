import Testing
import VantageWire

@Suite struct EthernetHeaderTests {
    /// An ARP request as captured from a cable-modem segment (Wireshark's arp-storm sample layout).
    static let arpFrame = hexBytes(
        "ffffffffffff 00070daff454 0806 0001080006040001 00070daff454 18a6ac01 000000000000 18a6ad9f"
            + "0604000100070daff45418a6ac0100000000")
    /// A spanning-tree BPDU: 802.3 length 39, LLC 42 42 03.
    static let stpFrame = hexBytes(
        "0180c2000000 001c0e878504 0027 424203 000000000080000180c2000001000000008000000180c200000180010000140002000f00"
    )

    @Test func parsesEthernetII() throws {
        let header = try EthernetHeader.parse(Self.arpFrame.span)
        #expect(header.destination == .broadcast)
        #expect(header.source == MACAddress("00:07:0d:af:f4:54"))
        #expect(header.typeOrLength == .arp)
        #expect(!header.isIEEE8023)
        #expect(header.payloadOffset == 14 && EthernetHeader.length == 14)
        #expect(header.description == "00:07:0d:af:f4:54 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806)")
    }

    @Test func recognisesIEEE8023Length() throws {
        let header = try EthernetHeader.parse(Self.stpFrame.span)
        #expect(header.isIEEE8023)
        #expect(header.typeOrLength.rawValue == 39)
        #expect(header.description == "00:1c:0e:87:85:04 > 01:80:c2:00:00:00, 802.3, length 39")
        let boundary = EthernetHeader(destination: .broadcast, source: .zero, typeOrLength: EtherType(rawValue: 1500))
        #expect(boundary.isIEEE8023)
        #expect(
            !EthernetHeader(destination: .broadcast, source: .zero, typeOrLength: EtherType(rawValue: 1536)).isIEEE8023)
    }

    @Test func emitsAndRoundTrips() throws {
        let header = EthernetHeader(
            destination: .broadcast, source: MACAddress("00:07:0d:af:f4:54")!, typeOrLength: .arp)
        var out: [UInt8] = []
        header.emit(into: &out)
        #expect(out == Array(Self.arpFrame[0..<14]))
        #expect(try EthernetHeader.parse(out.span) == header)
        let unknown = EthernetHeader(destination: .zero, source: .broadcast, typeOrLength: EtherType(rawValue: 0x1234))
        out = []
        unknown.emit(into: &out)
        #expect(try EthernetHeader.parse(out.span) == unknown)
        #expect(unknown.description.hasSuffix("ethertype 0x1234 (0x1234)"))
    }

    @Test func truncationAtEveryLength() {
        expectTruncatedBelow(14, of: Self.arpFrame, layer: .ethernet) { try EthernetHeader.parse($0) }
        expectParsesFrom(14, of: Self.arpFrame) { try EthernetHeader.parse($0) }
    }

    @Test func noiseNeverTraps() {
        expectNoTrapOnNoise(seeds: [Self.arpFrame, Self.stpFrame], parse: { try EthernetHeader.parse($0) })
    }
}
