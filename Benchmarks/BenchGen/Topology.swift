import VantageWire

/// The synthetic data centre: ~200 hosts on two L2 segments (one untagged, one on VLAN 20),
/// a keepalived VRRP pair per segment, and three kinds of cluster heartbeat.
///
/// Host `i` has IPv4 `net.(10 + i)`, MAC `02:00:` + its IPv4 address (locally administered),
/// and IPv6 `2001:db8:<segment>::<ipv4 low 16 bits>`.
struct Topology {
    struct Segment {
        let vlan: UInt16
        let network: UInt32
        /// The keepalived virtual IP of this segment.
        let vip: UInt32
        let vrid: UInt8
        /// Host indices: the VRRP pair, then servers, then clients.
        let vrrpNodes: (Int, Int)
        let priorities: (UInt8, UInt8)
        let servers: Range<Int>
        let clients: Range<Int>
        /// `network + deadBase ..< +10` never answer ARP.
        let deadBase: UInt32
        let ipv6Prefix: UInt64
    }

    struct Heartbeat {
        let source: Int
        let destination: Int
        let sourcePort: UInt16
        let destinationPort: UInt16
        let intervalMicros: UInt64
        let payload: [UInt8]
        /// Offset of a big-endian sequence number (or 8 hex digits when `hexSequence`).
        let sequenceOffset: Int
        let hexSequence: Bool
    }

    var ip: [UInt32] = []
    var mac: [UInt64] = []
    var vlan: [UInt16] = []
    var segmentOf: [Int] = []
    var segments: [Segment] = []
    var heartbeats: [Heartbeat] = []

    static let hostsPerSegment = [150, 50]

    init() {
        let seg0 = Segment(
            vlan: 0, network: IPv4Address(10, 1, 0, 0).rawValue, vip: IPv4Address(10, 1, 0, 5).rawValue,
            vrid: 51, vrrpNodes: (0, 1), priorities: (150, 100), servers: 6..<30, clients: 30..<150,
            deadBase: 240, ipv6Prefix: 0x2001_0DB8_0001_0000)
        let seg1 = Segment(
            vlan: 20, network: IPv4Address(10, 20, 0, 0).rawValue, vip: IPv4Address(10, 20, 0, 5).rawValue,
            vrid: 52, vrrpNodes: (150, 151), priorities: (200, 100), servers: 155..<165, clients: 165..<200,
            deadBase: 240, ipv6Prefix: 0x2001_0DB8_0014_0000)
        segments = [seg0, seg1]
        for (index, segment) in segments.enumerated() {
            for host in 0..<Self.hostsPerSegment[index] {
                let address = segment.network | UInt32(10 + host)
                ip.append(address)
                mac.append(0x0200_0000_0000 | UInt64(address))
                vlan.append(segment.vlan)
                segmentOf.append(index)
            }
        }
        // Windows failover cluster (hosts 2, 3): UDP 3343 every 1.2 s each way.
        let clusnet = Self.binaryPayload(length: 80, tag: 0x3343)
        heartbeats.append(
            .init(
                source: 2, destination: 3, sourcePort: 3343, destinationPort: 3343,
                intervalMicros: 1_200_000, payload: clusnet, sequenceOffset: 8, hexSequence: false))
        heartbeats.append(
            .init(
                source: 3, destination: 2, sourcePort: 3343, destinationPort: 3343,
                intervalMicros: 1_200_000, payload: clusnet, sequenceOffset: 8, hexSequence: false))
        // Linux-HA heartbeat (hosts 4, 5): ucast UDP 694, keepalive 1 s.
        for (source, destination, name) in [(4, 5, "ha1"), (5, 4, "ha2")] {
            let text =
                ">>>\nt=status\nst=active\ndt=7530\nprotocol=1\nsrc=\(name)\nseq=00000000\n"
                + "hg=5e3c1a7b\nts=67d3b0a0\nld=0.12 0.08 0.05 1/151 4242\nttl=3\n"
                + "auth=1 8f1c2a9e4b7d6c5e3f2a1b0c9d8e7f60\n<<<\n"
            let bytes = Array(text.utf8)
            let offset = bytes.indices.first { bytes[$0...].starts(with: Array("seq=".utf8)) }! + 4
            heartbeats.append(
                .init(
                    source: source, destination: destination, sourcePort: 694,
                    destinationPort: 694, intervalMicros: 1_000_000, payload: bytes,
                    sequenceOffset: offset, hexSequence: true))
        }
        // Corosync knet (hosts 152-154 on VLAN 20): UDP 5405 pings every 750 ms per link.
        let knet = Self.binaryPayload(length: 64, tag: 0x5405)
        for source in 152...154 {
            for destination in 152...154 where destination != source {
                heartbeats.append(
                    .init(
                        source: source, destination: destination, sourcePort: 5405,
                        destinationPort: 5405, intervalMicros: 750_000, payload: knet,
                        sequenceOffset: 4, hexSequence: false))
            }
        }
    }

    /// A fixed pseudo-random payload (independent of the seed).
    static func binaryPayload(length: Int, tag: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: tag)
        return (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    /// The IPv6 global address of host `index` as (high, low).
    func ipv6(_ index: Int) -> (UInt64, UInt64) {
        (segments[segmentOf[index]].ipv6Prefix, UInt64(ip[index] & 0xFFFF))
    }
}
