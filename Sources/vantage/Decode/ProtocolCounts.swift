import VantageWire

/// Per-protocol frame counts for `vantage decode --stats`: one inline slot per label, so
/// counting a frame touches a few integers, allocates nothing and checks no array uniqueness.
struct ProtocolCounts {
    /// What is counted; a frame adds one to each layer it contains.
    enum Label: Int, CaseIterable {
        case frames, ethernet, linuxSLL, linuxSLL2, null, raw, unsupportedLink
        case vlanTagged, qinq, llc, arp, ipv4, ipv6, nlbHeartbeat, otherEtherType
        case tcp, udp, icmp, icmpv6, neighborDiscovery, igmp, vrrp, carp, otherIPProtocol
        case hsrp, httpRequest, httpResponse
        case truncated, malformed

        var name: String {
            switch self {
            case .frames: "frames"
            case .ethernet: "ethernet"
            case .linuxSLL: "linux-sll"
            case .linuxSLL2: "linux-sll2"
            case .null: "null/loop"
            case .raw: "raw-ip"
            case .unsupportedLink: "unsupported-link"
            case .vlanTagged: "802.1q"
            case .qinq: "q-in-q"
            case .llc: "802.3-llc"
            case .arp: "arp"
            case .ipv4: "ipv4"
            case .ipv6: "ipv6"
            case .nlbHeartbeat: "nlb-heartbeat"
            case .otherEtherType: "other-ethertype"
            case .tcp: "tcp"
            case .udp: "udp"
            case .icmp: "icmp"
            case .icmpv6: "icmpv6"
            case .neighborDiscovery: "ndp"
            case .igmp: "igmp"
            case .vrrp: "vrrp"
            case .carp: "carp"
            case .otherIPProtocol: "other-ip-protocol"
            case .hsrp: "hsrp"
            case .httpRequest: "http-request"
            case .httpResponse: "http-response"
            case .truncated: "truncated"
            case .malformed: "malformed"
            }
        }
    }

    /// Slots per table (at least `Label.allCases.count` and `PacketAnomalies.names.count`).
    static let capacity = 32

    private var counts = InlineArray<32, Int>(repeating: 0)
    private var anomalies = InlineArray<32, Int>(repeating: 0)
    private(set) var bytes = 0

    init() {
        precondition(Label.allCases.count <= Self.capacity && PacketAnomalies.names.count <= Self.capacity)
    }

    @inline(__always)
    private mutating func add(_ label: Label) { counts[label.rawValue] &+= 1 }

    /// Counts one decoded frame of `capturedLength` bytes, whose layer cases are `shape` (as
    /// the decoder returned them: cheaper than switching over the packet's layer enums).
    @inline(__always)
    mutating func count(_ packet: borrowing DecodedPacket, shape: DecodedShape, capturedLength: Int) {
        add(.frames)
        bytes &+= capturedLength
        switch shape.link {
        case .ethernet: add(.ethernet)
        case .linuxSLL: add(.linuxSLL)
        case .linuxSLL2: add(.linuxSLL2)
        case .null: add(.null)
        case .raw: add(.raw)
        case .unsupported: add(.unsupportedLink)
        case .none: break
        }
        if packet.outerVLAN != nil { add(.vlanTagged) }
        if packet.innerVLAN != nil { add(.qinq) }
        switch shape.network {
        case .arp: add(.arp)
        case .ipv4: add(.ipv4)
        case .ipv6: add(.ipv6)
        case .nlbHeartbeat: add(.nlbHeartbeat)
        case .llc: add(.llc)
        case .other: add(.otherEtherType)
        case .none: break
        }
        switch shape.transport {
        case .tcp: add(.tcp)
        case .udp: add(.udp)
        case .icmp: add(.icmp)
        case .icmpv6: add(.icmpv6)
        case .neighborDiscovery:
            add(.icmpv6)
            add(.neighborDiscovery)
        case .igmp: add(.igmp)
        case .vrrp: add(.vrrp)
        case .carp: add(.carp)
        case .other: add(.otherIPProtocol)
        case .none: break
        }
        switch shape.application {
        case .hsrp: add(.hsrp)
        case .httpRequest: add(.httpRequest)
        case .httpResponse: add(.httpResponse)
        case .none: break
        }
        switch shape.stop {
        case .truncated: add(.truncated)
        case .malformed: add(.malformed)
        case .none: break
        }
        if !packet.anomalies.isEmpty {
            for (index, entry) in PacketAnomalies.names.enumerated() where packet.anomalies.contains(entry.0) {
                anomalies[index] &+= 1
            }
        }
    }

    /// Adds another set of counts (for per-vantage and total figures).
    mutating func merge(_ other: ProtocolCounts) {
        for index in 0..<Self.capacity {
            counts[index] &+= other.counts[index]
            anomalies[index] &+= other.anomalies[index]
        }
        bytes &+= other.bytes
    }

    /// The count for `label`.
    subscript(label: Label) -> Int { counts[label.rawValue] }

    /// Non-zero counts as (name, count) rows in a fixed order, anomalies last.
    var rows: [(String, Int)] {
        var rows = Label.allCases.filter { self[$0] > 0 }.map { ($0.name, self[$0]) }
        for (index, entry) in PacketAnomalies.names.enumerated() where anomalies[index] > 0 {
            rows.append(("anomaly:" + entry.1, anomalies[index]))
        }
        return rows
    }
}
