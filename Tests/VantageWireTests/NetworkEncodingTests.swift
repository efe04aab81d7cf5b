import Foundation
import Testing
import VantageWire

/// The parsed link and network values encode to stable JSON: code points as numbers,
/// addresses as text, ranges as `[lower, upper]`, variants and kinds as names.
@Suite struct NetworkEncodingTests {
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test func encodesARP() throws {
        let arp = ARPPacket.gratuitousReply(from: MACAddress("02:00:5e:10:00:01")!, address: IPv4Address(10, 0, 0, 100))
        let text = try Self.json(arp)
        #expect(text.contains(#""operation":2"#) && text.contains(#""protocolType":2048"#))
        #expect(text.contains(#""senderIP":"10.0.0.100""#) && text.contains(#""senderMAC":"02:00:5e:10:00:01""#))
        #expect(try Self.json(arp.variant) == #""gratuitousReply""#)
    }

    @Test func encodesHeadersAndMessages() throws {
        let ip = IPv4Header(
            source: IPv4Address(10, 0, 0, 1), destination: IPv4Address(224, 0, 0, 18), protocol: .vrrp,
            payloadLength: 20, ttl: 255)
        let ipText = try Self.json(ip)
        #expect(ipText.contains(#""protocol":112"#) && ipText.contains(#""payloadRange":[20,40]"#))
        let nd = NDMessage.neighborSolicitation(target: IPv6Address("fe80::1")!, nonce: 1)
        let ndText = try Self.json(nd)
        #expect(ndText.contains(#""kind":"neighborSolicitation""#) && ndText.contains(#""targetAddress":"fe80::1""#))
        let sll = LinuxSLL2Header(protocolType: .arp, interfaceIndex: 3, packetType: .outgoing, address: nil)
        #expect(try Self.json(sll).contains(#""packetType":4"#))
        #expect(try Self.json(NullHeader(family: .inet6Darwin)).contains(#""family":30"#))
        #expect(try Self.json(IGMPMessage.leave(group: IPv4Address(239, 1, 1, 1))).contains(#""type":23"#))
    }
}
