import Testing
import VantageWire

@Suite struct HTTPHostNameTests {
    @Test func decoderKeepsTheHostLowercasedInline() throws {
        var payload: [UInt8] = []
        HTTPMessage.emitRequest(method: .head, host: "WWW.Example.TEST", into: &payload)
        guard case .request(let head) = try HTTPMessage.parse(payload.span) else { Issue.record("not a request"); return }
        #expect(head.hostName.description == "www.example.test" && !head.hostName.isTruncated)
        #expect(head.hostName == HTTPHostName("www.example.test"))
    }

    @Test func noHostHeaderIsEmpty() throws {
        var payload: [UInt8] = []
        HTTPMessage.emitRequest(method: .head, version: .http10, into: &payload)
        guard case .request(let head) = try HTTPMessage.parse(payload.span) else { Issue.record("not a request"); return }
        #expect(head.hostName.isEmpty && head.hostName == HTTPHostName())
    }

    @Test func longHostsAreCutAt24Octets() {
        let long = HTTPHostName("a-very-long-host-name.example.test")
        #expect(long.isTruncated && long.count == 24)
        #expect(long.description == "a-very-long-host-name.ex…")
        #expect(long != HTTPHostName("a-very-long-host-name.ex"))
    }

    /// The inline Host keeps the application layer under 128 octets (the decoder's layer budget).
    @Test func applicationLayerStaysSmall() {
        #expect(MemoryLayout<ApplicationLayer>.size <= 128)
    }
}
