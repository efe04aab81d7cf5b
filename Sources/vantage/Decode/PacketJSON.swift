import VantageCapture
import VantageWire

/// One decoded frame as a JSON Lines object: where it was captured, then every decoded layer
/// with all its fields (`layer` names the protocol of each layer).
struct PacketJSON: Encodable {
    let vantage: String
    let frame: Int
    let time: Double
    let capturedLength: Int
    let originalLength: Int
    let linkType: UInt32
    let packet: DecodedPacket
    let http: HTTPText?

    /// The text of an HTTP head (the ranges resolved against the frame's bytes).
    struct HTTPText: Encodable {
        var method: String?
        var target: String?
        var version: String
        var host: String?
        var status: Int?
        var reason: String?
    }

    enum CodingKeys: String, CodingKey {
        case vantage, frame, time, link, vlans, network, transport, application, anomalies, stop
        case capturedLength = "caplen"
        case originalLength = "len"
        case linkType = "linktype"
    }

    init(vantage: String, record: PacketRecord, time: Timestamp, packet: DecodedPacket, bytes: Span<UInt8>) {
        self.vantage = vantage
        frame = record.frameNumber
        self.time = time.seconds
        capturedLength = record.capturedLength
        originalLength = record.originalLength
        linkType = record.linkType.rawValue
        self.packet = packet
        if case .http(let message) = packet.application {
            let payload = bytes.extracting(packet.applicationOffset...)
            switch message {
            case .request(let head):
                http = HTTPText(
                    method: HTTPMessage.text(head.methodRange, in: payload),
                    target: HTTPMessage.text(head.targetRange, in: payload),
                    version: HTTPMessage.text(head.versionRange, in: payload),
                    host: head.hostRange.map { HTTPMessage.text($0, in: payload) })
            case .response(let status):
                http = HTTPText(
                    version: HTTPMessage.text(status.versionRange, in: payload),
                    status: Int(status.statusCode),
                    reason: HTTPMessage.text(status.reasonRange, in: payload))
            }
        } else {
            http = nil
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(vantage, forKey: .vantage)
        try container.encode(frame, forKey: .frame)
        try container.encode(time, forKey: .time)
        try container.encode(capturedLength, forKey: .capturedLength)
        try container.encode(originalLength, forKey: .originalLength)
        try container.encode(linkType, forKey: .linkType)
        try encodeLink(into: &container)
        let vlans = [packet.outerVLAN, packet.innerVLAN].compactMap { $0 }
        if !vlans.isEmpty { try container.encode(vlans, forKey: .vlans) }
        try encodeNetwork(into: &container)
        try encodeTransport(into: &container)
        switch packet.application {
        case .hsrp(let message): try container.encode(Layer("hsrp", message), forKey: .application)
        case .http: try container.encode(Layer("http", http), forKey: .application)
        case .none: break
        }
        if !packet.anomalies.isEmpty { try container.encode(packet.anomalies, forKey: .anomalies) }
        if let stop = packet.stop { try container.encode(stop.description, forKey: .stop) }
    }

    private func encodeLink(into container: inout KeyedEncodingContainer<CodingKeys>) throws {
        switch packet.link {
        case .ethernet(let header): try container.encode(Layer("ethernet", header), forKey: .link)
        case .linuxSLL(let header): try container.encode(Layer("linux_sll", header), forKey: .link)
        case .linuxSLL2(let header): try container.encode(Layer("linux_sll2", header), forKey: .link)
        case .null(let header): try container.encode(Layer("null", header), forKey: .link)
        case .raw: try container.encode(Layer<Never?>("raw", nil), forKey: .link)
        case .unsupported: try container.encode(Layer<Never?>("unsupported", nil), forKey: .link)
        case .none: break
        }
    }

    private func encodeNetwork(into container: inout KeyedEncodingContainer<CodingKeys>) throws {
        switch packet.network {
        case .arp(let arp): try container.encode(Layer("arp", arp), forKey: .network)
        case .ipv4(let header): try container.encode(Layer("ipv4", header), forKey: .network)
        case .ipv6(let header, _): try container.encode(Layer("ipv6", header), forKey: .network)
        case .nlbHeartbeat(let heartbeat): try container.encode(Layer("nlb_heartbeat", heartbeat), forKey: .network)
        case .llc(let llc): try container.encode(Layer("llc", llc), forKey: .network)
        case .other(let type): try container.encode(Layer("ethertype", type), forKey: .network)
        case .none: break
        }
    }

    private func encodeTransport(into container: inout KeyedEncodingContainer<CodingKeys>) throws {
        switch packet.transport {
        case .tcp(let header): try container.encode(Layer("tcp", header), forKey: .transport)
        case .udp(let header): try container.encode(Layer("udp", header), forKey: .transport)
        case .icmp(let message): try container.encode(Layer("icmp", message), forKey: .transport)
        case .icmpv6(let message): try container.encode(Layer("icmpv6", message), forKey: .transport)
        case .neighborDiscovery(_, let nd): try container.encode(Layer("ndp", nd), forKey: .transport)
        case .igmp(let message): try container.encode(Layer("igmp", message), forKey: .transport)
        case .vrrp(let vrrp): try container.encode(Layer("vrrp", vrrp), forKey: .transport)
        case .carp(let carp): try container.encode(Layer("carp", carp), forKey: .transport)
        case .other(let proto): try container.encode(Layer("ip_protocol", proto), forKey: .transport)
        case .none: break
        }
    }
}

/// A layer's fields with a `layer` key naming its protocol (fields are flattened into one object).
private struct Layer<Fields: Encodable>: Encodable {
    let name: String
    let fields: Fields

    init(_ name: String, _ fields: Fields) {
        self.name = name
        self.fields = fields
    }

    enum CodingKeys: String, CodingKey { case name = "layer", value }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        switch fields {
        case let scalar as EtherType: try container.encode(scalar, forKey: .value)
        case let scalar as IPProtocol: try container.encode(scalar, forKey: .value)
        default: try fields.encode(to: encoder)
        }
    }
}
