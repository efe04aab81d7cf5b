import Foundation
import Testing
import VantageWire

/// The parsed values of the upper-layer decoders encode to JSON (for JSON Lines output).
@Suite struct UpperEncodingTests {
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test func transportValuesEncode() throws {
        let syn = TCPHeaderTests.syn
        let tcp = try TCPHeader.parse(syn.span)
        let text = try Self.json(tcp)
        #expect(text.contains(#""layout":["mss","nop","wscale","sackOK","TS"]"#))
        #expect(text.contains(#""sequence":1377231734"#))
        #expect(text.contains(#""flags":2"#))
        let udp = UDPHeaderTests.datagram()
        #expect(try Self.json(UDPHeader.parse(udp.span)).contains(#""payloadRange":[8,13]"#))
    }

    @Test func redundancyValuesEncode() throws {
        let vrrp = VRRPTests.keepalived
        let advert = try Self.json(VRRPAdvertisement.parse(vrrp.span))
        #expect(advert.contains(#""firstIPv4Address":"10.99.0.100""#))
        #expect(advert.contains(#""addressFamily":"ipv4""#))
        let hsrp = HSRPTests.v1Hello
        #expect(try Self.json(HSRPMessage.parse(hsrp.span)).contains(#""state":"active""#))
        let carp = CARPTests.advert
        #expect(try Self.json(CARPAdvertisement.parse(carp.span)).contains(#""vhid":7"#))
        let nlb = NLBHeartbeatTests.head
        #expect(try Self.json(NLBHeartbeat.parse(nlb.span)).contains(#""clusterIP":"10.0.0.100""#))
        #expect(try Self.json([Protocol112Kind.carp, .vrrpV2]) == #"["carp","vrrpV2"]"#)
        #expect(try Self.json(VRRPChecksumKind.pseudoHeader) == #""pseudoHeader""#)
    }

    @Test func httpValuesEncode() throws {
        let bytes = HTTPMessageTests.loadMasterCheck
        let text = try Self.json(HTTPMessage.parse(bytes.span))
        #expect(text.contains(#""method":"HEAD""#))
        #expect(text.contains(#""version":"HTTP\/1.0""#) || text.contains(#""version":"HTTP/1.0""#))
    }
}
