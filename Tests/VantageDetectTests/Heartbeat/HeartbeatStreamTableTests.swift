import Testing
import VantageCapture
import VantageState
import VantageWire

/// The heartbeat stream table: watched ports, duplicates, learned intervals, intended ends and
/// the stream cap.
@Suite struct HeartbeatStreamTableTests {
    private func key(_ source: UInt8, port: UInt16 = 3343) -> HeartbeatStreamKey {
        HeartbeatStreamKey(
            source: IPv4Address(10, 0, 3, source), destination: IPv4Address(10, 0, 3, 200), port: port, kind: .udp, vlan: 0)
    }

    private func at(_ seconds: Double, vantage: Int = 0, frame: Int = 1) -> FrameReference {
        FrameReference(vantage: vantage, frame: frame, time: Timestamp(nanoseconds: Int64((seconds * 1e9).rounded())))
    }

    @Test func wellKnownAndDeclaredPortsAreWatched() {
        let table = HeartbeatStreamTable(declarations: [HeartbeatDeclaration(port: 7000)])
        for port: UInt16 in [3343, 694, 5404, 5405, 7000] { #expect(table.watches(port: port)) }
        for port: UInt16 in [53, 3342, 6999, 65535] { #expect(!table.watches(port: port)) }
    }

    @Test func aSteadyStreamIsLearnedAndABurstyOneIsNot() {
        let table = HeartbeatStreamTable(learningGaps: 8)
        for index in 0..<9 { _ = table.record(key(1), mac: nil, at: at(Double(index) * 1.2 + (index % 2 == 0 ? 0.01 : 0))) }
        #expect(table.streams[0].learnedInterval.map { abs($0 - 1_200_000_000) < 20_000_000 } == true)
        // Bursts: 10 ms, 10 ms, 2 s, ... never a steady cadence.
        var time = 0.0
        for index in 0..<40 {
            _ = table.record(key(2), mac: nil, at: at(time))
            time += index % 3 == 2 ? 2.0 : (index % 3 == 1 ? 0.5 : 0.01)
        }
        #expect(table.streams[1].learnedInterval == nil)
        #expect(table.streams[1].interval == nil)
    }

    @Test func aFastSteadyStreamIsMessageTrafficNotAHeartbeat() {
        let table = HeartbeatStreamTable(learningGaps: 8)
        for index in 0..<40 { _ = table.record(key(1, port: 5405), mac: nil, at: at(Double(index) * 0.02)) }
        #expect(table.streams[0].interval == nil, "a 20 ms cadence is below min_interval")
    }

    @Test func theSameDatagramTwiceAtOneCaptureIsADuplicate() {
        let table = HeartbeatStreamTable()
        _ = table.record(key(1), mac: nil, at: at(1.0))
        let again = table.record(key(1), mac: nil, at: at(1.0001))
        #expect(again.duplicate)
        let next = table.record(key(1), mac: nil, at: at(2.2))
        #expect(!next.duplicate && next.gap == 1_200_000_000)
        // The same datagram at another capture is that capture's own arrival, not a duplicate.
        let elsewhere = table.record(key(1), mac: nil, at: at(2.2003, vantage: 1))
        #expect(!elsewhere.duplicate && elsewhere.track == 1)
        #expect(table.streams[0].tracks.map(\.count) == [2, 1])
    }

    @Test func aGapAcrossAResignationIsARestart() {
        let table = HeartbeatStreamTable()
        var stream = key(1)
        stream.kind = .vrrp
        for index in 0..<10 { _ = table.record(stream, mac: nil, at: at(Double(index)), interval: 1_000_000_000) }
        table.end(stream, reason: .resigned, at: at(9))
        #expect(table.streams[0].isEnded)
        let back = table.record(stream, mac: nil, at: at(60), interval: 1_000_000_000)
        #expect(back.gap == 0 && back.previous == nil)
        #expect(!table.streams[0].isEnded)
    }

    @Test func aTakeoverEndsThePreviousMastersStream() {
        let table = HeartbeatStreamTable()
        var old = key(1)
        old.kind = .vrrp
        old.port = 51
        var new = key(2)
        new.kind = .vrrp
        new.port = 51
        for index in 0..<5 {
            _ = table.record(old, mac: nil, at: at(Double(index)), interval: 1_000_000_000)
            table.noteMaster(old, at: at(Double(index)))
        }
        _ = table.record(new, mac: nil, at: at(7.6), interval: 1_000_000_000)
        table.noteMaster(new, at: at(7.6))
        #expect(table.streams[0].isEnded)
        #expect(table.streams[0].ended?.reason == .takenOver(by: new.source))
        #expect(!table.streams[1].isEnded)
    }

    @Test func aVRIDsIPv4AndIPv6MastersAreNotEachOthersTakeover() {
        // VRRPv3: router 1 is master of VRID 51 for IPv4, router 2 for IPv6 (separate instances).
        let table = HeartbeatStreamTable()
        var v4 = key(1)
        v4.kind = .vrrp
        v4.port = 51
        let v6 = HeartbeatStreamKey(
            source: IPv6Address(high: 0xFE80_0000_0000_0000, low: 2), destination: IPv6Address("ff02::12")!, port: 51,
            kind: .vrrp, vlan: 0)
        for index in 0..<10 {
            for stream in [v4, v6] {
                _ = table.record(stream, mac: nil, at: at(Double(index)), interval: 1_000_000_000)
                table.noteMaster(stream, at: at(Double(index)))
            }
        }
        #expect(table.streams.count == 2)
        #expect(table.streams.allSatisfy { !$0.isEnded })
    }

    @Test func theTableIsBounded() {
        let table = HeartbeatStreamTable(capacity: 16)
        for source in 0..<100 { _ = table.record(key(UInt8(source)), mac: nil, at: at(Double(source))) }
        #expect(table.streams.count <= 16)
        #expect(table.evicted == 100 - table.streams.count)
        // The most recently heard stream survives, and lookups still work after eviction.
        #expect(table.streamIndex(key(99)) != nil)
        #expect(table.streamIndex(key(0)) == nil)
        let index = table.streamIndex(key(99)) ?? -1
        #expect(table.streams.indices.contains(index) && table.streams[index].key == key(99))
    }
}
