import Testing
import VantageWire

@Suite struct HSRPTests {
    /// HSRPv1 hello: active, hello 3 s, hold 10 s, prio 120, group 1, "cisco", VIP 10.0.0.1.
    static let v1Hello = Upper.bytes("00 00 10 03 0a 78 01 00 | 63 69 73 63 6f 00 00 00 | 0a 00 00 01")
    /// HSRPv2 (IPv4): group state TLV (hello, active, group 10, prio 100, 3000/10000 ms,
    /// VIP 10.0.0.254) followed by a text authentication TLV.
    static let v2Hello = Upper.bytes(
        """
        01 28 02 00 06 04 00 0a | 00 1b 2c 3d 4e 5f | 00 00 00 64 | 00 00 0b b8 | 00 00 27 10 |
        0a 00 00 fe 00 00 00 00 00 00 00 00 00 00 00 00 |
        03 08 63 69 73 63 6f 00 00 00
        """)

    @Test func decodesV1() throws {
        let message = try HSRPMessage.parse(Self.v1Hello.span)
        #expect(message.version == 1)
        #expect(message.opcode == .hello)
        #expect(message.state == .active && message.rawState == 16)
        #expect(message.group == 1)
        #expect(message.priority == 120)
        #expect(message.helloTimeMilliseconds == 3000 && message.holdTimeMilliseconds == 10000)
        #expect(message.virtualIP == IPv4Address(10, 0, 0, 1))
        #expect(message.virtualIPv6 == nil && message.identifier == nil)
        #expect(message.authData == HSRPMessage.defaultAuthData)
        #expect(!message.hasMD5Authentication)
        #expect(message.virtualMAC == MACAddress("00:00:0c:07:ac:01"))
        #expect(
            message.description
                == "HSRPv1 hello, group 1, state active, prio 120, hello 3000ms, hold 10000ms, vip 10.0.0.1")
    }

    @Test func decodesV2() throws {
        let message = try HSRPMessage.parse(Self.v2Hello.span)
        #expect(message.version == 2)
        #expect(message.opcode == .hello)
        #expect(message.state == .active && message.rawState == 6)
        #expect(message.ipVersion == 4)
        #expect(message.group == 10)
        #expect(message.identifier == MACAddress("00:1b:2c:3d:4e:5f"))
        #expect(message.priority == 100)
        #expect(message.helloTimeMilliseconds == 3000 && message.holdTimeMilliseconds == 10000)
        #expect(message.virtualIP == IPv4Address(10, 0, 0, 254))
        #expect(message.authData == HSRPMessage.defaultAuthData)
        #expect(message.virtualMAC == MACAddress("00:00:0c:9f:f0:0a"))
        #expect(
            message.description
                == "HSRPv2 hello, group 10, state active, prio 100, hello 3000ms, hold 10000ms, vip 10.0.0.254")
    }

    @Test func statesAreNormalised() {
        let pairs: [(UInt8, UInt8, HSRPState)] = [
            (0, 1, .initial), (1, 2, .learn), (2, 3, .listen), (4, 4, .speak), (8, 5, .standby), (16, 6, .active),
        ]
        for (v1, v2, state) in pairs {
            #expect(HSRPState(v1: v1) == state && HSRPState(v2: v2) == state)
            #expect(state.v1RawValue == v1 && state.v2RawValue == v2)
        }
        #expect(HSRPState(v1: 3) == .other(3))
        #expect(HSRPState(v2: 0) == .other(0))
        #expect(HSRPState.other(9).description == "state-9")
    }

    @Test func emitRoundTrips() throws {
        for bytes in [Self.v1Hello, Self.v2Hello] {
            let message = try HSRPMessage.parse(bytes.span)
            var out: [UInt8] = []
            message.emit(into: &out)
            #expect(out == bytes)
        }
        let v6 = HSRPMessage(
            version: 2, opcode: .coup, state: .speak, group: 4095, priority: 200, ipVersion: 6,
            virtualIPv6: IPv6Address("fe80::5:73ff:fea0:fff")!, identifier: MACAddress("00:1b:2c:3d:4e:5f"),
            authData: nil, activeGroupCount: 1, passiveGroupCount: 2)
        var bytes: [UInt8] = []
        v6.emit(into: &bytes)
        let parsed = try HSRPMessage.parse(bytes.span)
        #expect(parsed == v6)
        #expect(parsed.virtualMAC == MACAddress("00:05:73:a0:0f:ff"))
    }

    @Test func tlvWalkIsBounded() throws {
        // 100 empty unknown TLVs: the walk stops after 32 and finds no group state.
        let junk: [UInt8] = (0..<200).map { $0 % 2 == 0 ? 9 : 0 }
        #expect(throws: DecodeError.malformed(layer: .hsrp, offset: 0, reason: "neither HSRPv1 nor an HSRPv2 TLV")) {
            try HSRPMessage.parse(junk.span)
        }
        // 31 empty TLVs, then the group state as the 32nd: found; as the 33rd: beyond the bound.
        let within = Array(junk[0..<62]) + Self.v2Hello
        #expect(try HSRPMessage.parse(within.span).group == 10)
        let beyond = Array(junk[0..<64]) + Self.v2Hello
        #expect(throws: DecodeError.malformed(layer: .hsrp, offset: 0, reason: "neither HSRPv1 nor an HSRPv2 TLV")) {
            try HSRPMessage.parse(beyond.span)
        }
        // Unknown TLVs are skipped by their length within the bound.
        let skipped = [0x07, 0x03, 0xAA, 0xBB, 0xCC] + Self.v2Hello
        #expect(try HSRPMessage.parse(skipped.span).group == 10)
        // An interface-state-only v2 message.
        let interface = try HSRPMessage.parse([0x02, 0x04, 0x00, 0x03, 0x00, 0x01].span)
        #expect(interface.opcode == .advertise && interface.activeGroupCount == 3 && interface.passiveGroupCount == 1)
    }

    @Test func malformedGroupState() {
        var short = Self.v2Hello
        short[1] = 39
        #expect(throws: DecodeError.malformed(layer: .hsrp, offset: 1, reason: "group state TLV shorter than 40")) {
            try HSRPMessage.parse(short.span)
        }
        #expect(throws: DecodeError.malformed(layer: .hsrp, offset: 0, reason: "no HSRPv2 group state TLV")) {
            try HSRPMessage.parse([0x03, 0x08, 1, 2, 3, 4, 5, 6, 7, 8].span)
        }
    }

    @Test func v1AdvertiseAndMD5() throws {
        let advertise = Upper.bytes("00 03 00 01 00 10 03 00 00 02 00 05 00 00 00 00")
        let message = try HSRPMessage.parse(advertise.span)
        #expect(message.opcode == .advertise && message.state == .other(3))
        #expect(message.activeGroupCount == 2 && message.passiveGroupCount == 5)
        #expect(message.description == "HSRPv1 advertise, interface state 3, active groups 2, passive groups 5")
        let md5 = Self.v1Hello + [4, 28] + [UInt8](repeating: 0, count: 28)
        #expect(try HSRPMessage.parse(md5.span).hasMD5Authentication)
    }

    @Test func virtualMACs() {
        #expect(HSRPMessage.virtualMACv1(group: 0xAB) == MACAddress("00:00:0c:07:ac:ab"))
        #expect(HSRPMessage.virtualMACv2(group: 0x123) == MACAddress("00:00:0c:9f:f1:23"))
        #expect(HSRPMessage.virtualMACv2IPv6(group: 0x123) == MACAddress("00:05:73:a0:01:23"))
        #expect(HSRPMessage.classifyVirtualMAC(MACAddress("00:00:0c:07:ac:01")!)! == (1, 1))
        #expect(HSRPMessage.classifyVirtualMAC(MACAddress("00:00:0c:9f:f0:0a")!)! == (2, 10))
        #expect(HSRPMessage.classifyVirtualMAC(MACAddress("00:00:5e:00:01:01")!) == nil)
    }

    @Test func truncationAtEveryLength() {
        for (bytes, end) in [(Self.v1Hello, 20), (Self.v2Hello, 42)] {
            Upper.expectTruncatedPrefixes(bytes, end: end, layer: .hsrp) { span throws(DecodeError) in
                _ = try HSRPMessage.parse(span)
            }
        }
    }

    @Test func randomInputNeverTraps() {
        Upper.hammer(seeds: [Self.v1Hello, Self.v2Hello]) { bytes in
            if let message = try? HSRPMessage.parse(bytes) { _ = message.description }
        }
    }
}
