import Testing
import VantageWire

@Suite struct NLBHeartbeatTests {
    /// The first 44 octets of a cluster membership heartbeat (little-endian fields): host 1,
    /// version 2.4, cluster 10.0.0.100, host 10.0.0.11, 3 port rules, 12345 packets handled.
    static let head = Upper.bytes(
        """
        bf 01 de c0 | 04 02 00 00 | 01 00 00 00 | 0a 00 00 64 | 0a 00 00 0b |
        01 00 02 00 | 05 00 03 00 | 78 56 34 12 | 39 30 00 00 | 01 00 00 00 | 00 00 00 00
        """)

    @Test func decodesHeartbeat() throws {
        let heartbeat = try NLBHeartbeat.parse(Self.head.span)
        #expect(heartbeat.signature == .heartbeat)
        #expect(heartbeat.version == 0x0204 && heartbeat.majorVersion == 2 && heartbeat.minorVersion == 4)
        #expect(heartbeat.uniqueHostID == 1)
        #expect(heartbeat.clusterIP == IPv4Address(10, 0, 0, 100))
        #expect(heartbeat.dedicatedIP == IPv4Address(10, 0, 0, 11))
        #expect(heartbeat.myHostID == 1 && heartbeat.defaultHostID == 2)
        #expect(heartbeat.convergenceState == 5 && heartbeat.numberOfRules == 3)
        #expect(heartbeat.uniqueHostCode == 0x1234_5678)
        #expect(heartbeat.packetsHandled == 12345)
        #expect(heartbeat.teamingConfig == 1)
        #expect(
            heartbeat.description
                == "NLB heartbeat v2.4, host 1, cluster 10.0.0.100, host IP 10.0.0.11, convergence 5, rules 3")
    }

    @Test func optionalFieldsFollowTheCapturedLength() throws {
        let twenty = try NLBHeartbeat.parse(Array(Self.head[0..<20]).span)
        #expect(twenty.myHostID == nil && twenty.teamingConfig == nil)
        let thirty = try NLBHeartbeat.parse(Array(Self.head[0..<30]).span)
        #expect(thirty.numberOfRules == 3 && thirty.uniqueHostCode == nil)
        var extended = Self.head
        extended[0] = 0xC0
        let other = try NLBHeartbeat.parse(extended.span)
        #expect(other.signature == .extendedHeartbeat && other.myHostID == nil)
        #expect(NLBSignature(rawValue: 0xC0DE_01DE) == .reliable)
        #expect(NLBSignature(rawValue: 7).description == "signature 0x7")
    }

    @Test func emitsFullAndShortHeartbeats() throws {
        let heartbeat = try NLBHeartbeat.parse(Self.head.span)
        var full: [UInt8] = []
        heartbeat.emit(into: &full)
        #expect(full.count == 1496)
        #expect(Array(full[0..<44]) == Self.head)
        #expect(try NLBHeartbeat.parse(full.span) == heartbeat)
        var short: [UInt8] = []
        heartbeat.emit(length: 24, into: &short)
        #expect(short == Array(Self.head[0..<24]))
        var built: [UInt8] = []
        NLBHeartbeat(uniqueHostID: 2, clusterIP: IPv4Address(10, 0, 0, 100), dedicatedIP: IPv4Address(10, 0, 0, 12))
            .emit(length: 0, into: &built)
        #expect(built.count == 20)
    }

    @Test func truncationAtEveryLength() {
        Upper.expectTruncatedPrefixes(Self.head, end: 20, layer: .nlbHeartbeat) { bytes throws(DecodeError) in
            _ = try NLBHeartbeat.parse(bytes)
        }
        #expect(throws: DecodeError.truncated(layer: .nlbHeartbeat, needed: 20, available: 19)) {
            try NLBHeartbeat.parse(Array(Self.head[0..<19]).span)
        }
    }

    @Test func randomInputNeverTraps() {
        Upper.hammer(seeds: [Self.head]) { bytes in
            if let heartbeat = try? NLBHeartbeat.parse(bytes) { _ = heartbeat.description }
        }
    }
}

@Suite struct NLBClusterMACTests {
    static let vip = IPv4Address(10, 0, 0, 100)

    @Test func buildsTheModeMACs() {
        #expect(NLBClusterMAC.unicastMAC(clusterIP: Self.vip) == MACAddress("02:bf:0a:00:00:64"))
        #expect(NLBClusterMAC.multicastMAC(clusterIP: Self.vip) == MACAddress("03:bf:0a:00:00:64"))
        #expect(NLBClusterMAC.igmpMAC(clusterIP: Self.vip) == MACAddress("01:00:5e:7f:00:64"))
        #expect(NLBClusterMAC.igmpGroup(clusterIP: Self.vip) == IPv4Address(239, 255, 0, 100))
        #expect(NLBClusterMAC.maskedSourceMAC(hostID: 3, clusterIP: Self.vip) == MACAddress("02:03:0a:00:00:64"))
        #expect(NLBClusterMAC.mac(for: .multicast, clusterIP: Self.vip) == MACAddress("03:bf:0a:00:00:64"))
        // The IGMP MAC is the group's ordinary multicast MAC.
        #expect(NLBClusterMAC.igmpGroup(clusterIP: Self.vip).multicastMAC == NLBClusterMAC.igmpMAC(clusterIP: Self.vip))
    }

    @Test func recognisesClusterMACs() {
        let unicast = NLBClusterMAC.classify(MACAddress("02:bf:0a:00:00:64")!)
        #expect(unicast == NLBClusterMACMatch(mode: .unicast, clusterIP: Self.vip, lowOctets: 0x0064))
        #expect(unicast?.description == "NLB unicast cluster 10.0.0.100")
        #expect(NLBClusterMAC.classify(MACAddress("03:bf:0a:00:00:64")!)?.mode == .multicast)
        let igmp = NLBClusterMAC.classify(MACAddress("01:00:5e:7f:00:64")!)
        #expect(igmp?.mode == .igmpMulticast && igmp?.clusterIP == nil && igmp?.lowOctets == 0x0064)
        #expect(NLBClusterMAC.classify(MACAddress("01:00:5e:7f:00:64")!, clusterIP: Self.vip) != nil)
        // SSDP's 239.255.255.250 is not this cluster.
        #expect(NLBClusterMAC.classify(MACAddress("01:00:5e:7f:ff:fa")!, clusterIP: Self.vip) == nil)
        #expect(NLBClusterMAC.classify(MACAddress("02:bf:0a:00:00:65")!, clusterIP: Self.vip) == nil)
        #expect(NLBClusterMAC.classify(MACAddress("01:00:5e:00:00:12")!) == nil)
        #expect(NLBClusterMAC.classify(MACAddress("00:00:5e:00:01:07")!) == nil)
    }

    @Test func splitsMaskedSources() {
        let masked = NLBClusterMAC.maskedSource(MACAddress("02:01:0a:00:00:64")!)
        #expect(masked == NLBMaskedSource(hostID: 1, clusterIP: Self.vip))
        #expect(NLBClusterMAC.maskedSource(MACAddress("02:04:96:01:02:03")!, clusterIP: Self.vip) == nil)
        #expect(NLBClusterMAC.maskedSource(MACAddress("02:bf:0a:00:00:64")!) == nil)
        #expect(NLBClusterMAC.maskedSource(MACAddress("02:00:0a:00:00:64")!) == nil)
    }
}
