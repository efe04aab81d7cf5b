import Testing
import VantageWire

@Suite struct VLANTagTests {
    /// 802.1Q, PCP 5, VID 100, carrying ARP (tcpdump: "vlan 100, p 5, ethertype ARP").
    static let dot1QFrame = hexBytes(
        "ffffffffffff 02005e100001 8100 a064 0806 000108000604000102005e1000010a0000020000000000000a000001")
    /// Q-in-Q: S-tag 0x88a8 VID 10, C-tag 0x8100 VID 20 with DEI, carrying ARP.
    static let qinqFrame = hexBytes(
        "ffffffffffff 02005e100001 88a8 000a 8100 1014 0806 000108000604000102005e1000010a0000020000000000000a000001")

    @Test func parses8021Q() throws {
        let ethernet = try EthernetHeader.parse(Self.dot1QFrame.span)
        #expect(ethernet.typeOrLength.isVLANTag)
        let tag = try VLANTag.parse(
            Self.dot1QFrame.span.extracting(14..<Self.dot1QFrame.count), tpid: ethernet.typeOrLength)
        #expect(tag == VLANTag(tpid: .vlan, priority: 5, dropEligible: false, id: 100, innerType: .arp))
        #expect(tag.tci == 0xA064)
        #expect(tag.description == "vlan 100, p 5, ethertype ARP (0x0806)")
    }

    @Test func parsesQinQStack() throws {
        let span = Self.qinqFrame.span
        let outer = try VLANTag.parse(span.extracting(14..<span.count), tpid: .qinq)
        #expect(outer.tpid == .qinq && outer.id == 10 && outer.innerType == .vlan && !outer.dropEligible)
        let inner = try VLANTag.parse(span.extracting(18..<span.count), tpid: outer.innerType)
        #expect(inner.tpid == .vlan && inner.id == 20 && inner.dropEligible && inner.innerType == .arp)
        #expect(inner.description == "vlan 20, p 0, DEI, ethertype ARP (0x0806)")
        let legacy = try VLANTag.parse([0xE0, 0x07, 0x81, 0x00].span, tpid: .qinqLegacy)
        #expect(legacy.tpid == .qinqLegacy && legacy.priority == 7 && legacy.id == 7)
    }

    @Test func emitsAndRoundTrips() throws {
        let tag = VLANTag(tpid: .qinq, priority: 3, dropEligible: true, id: 4095, innerType: .ipv6)
        var out: [UInt8] = []
        tag.emit(into: &out)
        #expect(out == [0x7F, 0xFF, 0x86, 0xDD])
        #expect(try VLANTag.parse(out.span, tpid: .qinq) == tag)
        // Out-of-range priority and id are masked, not trapped on.
        let masked = VLANTag(priority: 0xFF, id: 0xFFFF, innerType: .arp)
        #expect(masked.priority == 7 && masked.id == 0x0FFF)
    }

    @Test func truncationAtEveryLength() {
        let tag = Array(Self.dot1QFrame[14..<18])
        expectTruncatedBelow(4, of: tag, layer: .vlan) { try VLANTag.parse($0, tpid: .vlan) }
        expectParsesFrom(4, of: tag) { try VLANTag.parse($0, tpid: .vlan) }
    }

    @Test func noiseNeverTraps() {
        expectNoTrapOnNoise(seeds: [Array(Self.qinqFrame[14...])], parse: { try VLANTag.parse($0, tpid: .vlan) })
    }
}
