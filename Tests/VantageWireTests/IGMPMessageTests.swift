import Testing
import VantageWire

@Suite struct IGMPMessageTests {
    static let group = IPv4Address(239, 1, 1, 1)
    static let v2Report = hexBytes("1600f9fc ef010101")
    static let v3Report = hexBytes("2200e9fb 00000001 04000000 ef010101")
    /// v3 general query: max resp 100 (10 s), QRV 2, QQIC 125.
    static let v3Query = hexBytes("1164ec1e 00000000 027d0000")
    static let v2Query = hexBytes("1164ee9b 00000000")
    static let v1Query = hexBytes("1100eeff 00000000")
    static let leave = hexBytes("1700f8fc ef010101")

    @Test func detectsQueryVersions() throws {
        let v1 = try IGMPMessage.parse(Self.v1Query.span)
        #expect(v1.type == .membershipQuery && v1.version == 1 && v1.maxResponseDeciseconds == 0 && v1.isQuery)
        #expect(v1.description == "igmp query v1")
        let v2 = try IGMPMessage.parse(Self.v2Query.span)
        #expect(v2.version == 2 && v2.maxResponseCode == 100 && v2.maxResponseDeciseconds == 100)
        #expect(v2.groupAddress.rawValue == 0 && v2.checksumValid == true)
        #expect(v2.description == "igmp query v2 [max resp time 10.0s]")
        let v3 = try IGMPMessage.parse(Self.v3Query.span)
        #expect(v3.version == 3 && v3.maxResponseDeciseconds == 100 && v3.robustness == 2)
        #expect(v3.queryIntervalCode == 125 && v3.queryIntervalSeconds == 125 && !v3.suppressRouterProcessing)
        #expect(v3.sourceCount == 0 && v3.sourcesRange == 12..<12 && v3.checksumValid == true)
        #expect(v3.description == "igmp query v3 [max resp time 10.0s] [qrv 2] [qqi 125]")
    }

    @Test func parsesReportsAndLeave() throws {
        let v2 = try IGMPMessage.parse(Self.v2Report.span)
        #expect(v2.type == .v2Report && v2.version == 2 && v2.groupAddress == Self.group && v2.checksumValid == true)
        #expect(v2.description == "igmp v2 report 239.1.1.1")
        let leave = try IGMPMessage.parse(Self.leave.span)
        #expect(leave.type == .leaveGroup && leave.version == 2 && leave.groupAddress == Self.group)
        #expect(leave.description == "igmp leave 239.1.1.1")
        let v3 = try IGMPMessage.parse(Self.v3Report.span)
        #expect(v3.type == .v3Report && v3.version == 3 && v3.recordCount == 1)
        #expect(v3.firstRecordType == 4 && v3.firstRecordGroup == Self.group && v3.checksumValid == true)
        #expect(v3.description == "igmp v3 report, 1 group record(s) [gaddr 239.1.1.1 to_ex]")
        let v1 = try IGMPMessage.parse(hexBytes("1200 0000 ef010101").span)
        #expect(
            v1.version == 1 && v1.checksumValid == false && v1.description == "igmp v1 report 239.1.1.1 [bad cksum]")
        let unknown = try IGMPMessage.parse(hexBytes("1e00 0000 00000000").span)
        #expect(unknown.version == 0 && unknown.description == "igmp type-0x1e [bad cksum]")
    }

    @Test func v3QueryWithSourcesAndExponentialCodes() throws {
        var out: [UInt8] = []
        let query = IGMPMessage(
            type: .membershipQuery, version: 3, maxResponseCode: 0x8F, groupAddress: Self.group,
            suppressRouterProcessing: true, robustness: 7, queryIntervalCode: 0xFF)
        query.emit(sources: [IPv4Address(10, 0, 0, 1), IPv4Address(10, 0, 0, 2)], into: &out)
        #expect(out.count == 20)
        let parsed = try IGMPMessage.parse(out.span)
        #expect(parsed.version == 3 && parsed.sourceCount == 2 && parsed.sourcesRange == 12..<20)
        #expect(parsed.suppressRouterProcessing && parsed.robustness == 7 && parsed.checksumValid == true)
        #expect(parsed.maxResponseDeciseconds == 0x1F << 3)  // exp 0, mant 15: 248 tenths
        #expect(parsed.queryIntervalSeconds == 0x1F << 10)  // exp 7, mant 15: 31744 s
        // Cut below 8: truncated; 9–11: malformed (RFC 3376 §7.1); 12–19: the sources are cut.
        expectTruncatedBelow(8, of: out, layer: .igmp) { try IGMPMessage.parse($0) }
        for length in 12..<20 {
            #expect(throws: DecodeError.truncated(layer: .igmp, needed: 20, available: length)) {
                try IGMPMessage.parse(Array(out.prefix(length)).span)
            }
        }
    }

    @Test func rejectsQueriesOfLength9To11() {
        for length in 9...11 {
            let bytes = Array((Self.v3Query + [0]).prefix(length))
            #expect(throws: DecodeError.malformed(layer: .igmp, offset: 0, reason: "query length between 9 and 11")) {
                try IGMPMessage.parse(bytes.span)
            }
        }
    }

    @Test func checksumOnlyWhenComplete() throws {
        let partial = try IGMPMessage.parse(Self.v2Report.span, isComplete: false)
        #expect(partial.checksumValid == nil)
        var bad = Self.v2Report
        bad[7] = 2
        #expect(try IGMPMessage.parse(bad.span).checksumValid == false)
    }

    @Test func emitsExactBytesAndRoundTrips() throws {
        let cases: [(IGMPMessage, [UInt8])] = [
            (.v2Report(group: Self.group), Self.v2Report),
            (.leave(group: Self.group), Self.leave),
            (.v3Report(group: Self.group), Self.v3Report),
            (
                IGMPMessage(
                    type: .membershipQuery, version: 3, maxResponseCode: 100, robustness: 2, queryIntervalCode: 125),
                Self.v3Query
            ),
            (IGMPMessage(type: .membershipQuery, maxResponseCode: 100), Self.v2Query),
            (IGMPMessage(type: .membershipQuery, version: 1), Self.v1Query),
        ]
        for (message, expected) in cases {
            var out: [UInt8] = []
            message.emit(into: &out)
            #expect(out == expected, "\(message)")
            #expect(try IGMPMessage.parse(out.span) == message)
        }
        let v3 = try IGMPMessage.parse(Self.v3Report.span)
        var out: [UInt8] = []
        v3.emit(into: &out)
        #expect(try IGMPMessage.parse(out.span) == v3)
    }

    @Test func truncationAtEveryLength() {
        for bytes in [Self.v2Report, Self.v3Report, Self.v2Query, Self.leave] {
            expectTruncatedBelow(8, of: bytes, layer: .igmp) { try IGMPMessage.parse($0) }
        }
        // A v3 report whose first record is cut.
        for length in 8..<16 where length != 8 {
            #expect(throws: DecodeError.truncated(layer: .igmp, needed: 16, available: length)) {
                try IGMPMessage.parse(Array(Self.v3Report.prefix(length)).span)
            }
        }
        #expect(throws: DecodeError.truncated(layer: .igmp, needed: 16, available: 8)) {
            try IGMPMessage.parse(Array(Self.v3Report.prefix(8)).span)
        }
    }

    @Test func noiseNeverTraps() {
        expectNoTrapOnNoise(
            seeds: [Self.v2Report, Self.v3Report, Self.v3Query], parse: { try IGMPMessage.parse($0) },
            ranges: { [$0.sourcesRange] })
    }
}
