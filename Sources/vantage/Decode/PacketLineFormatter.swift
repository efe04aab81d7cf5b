import VantageCapture
import VantageWire

/// Formats a decoded frame as one line in the spirit of `tcpdump -nn -e`, prefixed with the
/// vantage point and the frame number as Wireshark counts it.
struct PacketLineFormatter {
    /// Vantage point names by index.
    let vantageNames: [String]
    /// Colour policy.
    let terminal: Terminal

    /// The line for one frame; `bytes` are the frame's captured bytes (for HTTP text).
    func line(
        vantage: Int, record: PacketRecord, time: Timestamp, packet: DecodedPacket, bytes: Span<UInt8>
    ) -> String {
        var text = ""
        if vantageNames.count > 1 { text += terminal.paint(vantageNames[vantage], "36") + " " }
        text += terminal.paint("#\(record.frameNumber)", "2") + " " + time.timeOfDay + " "
        text += linkText(packet, record: record)
        if let outer = packet.outerVLAN { text += ", vlan \(outer.id)" + (outer.priority > 0 ? " p \(outer.priority)" : "") }
        if let inner = packet.innerVLAN { text += ", vlan \(inner.id)" }
        text += ", length \(record.originalLength): "
        text += networkText(packet, bytes: bytes)
        if let stop = packet.stop {
            text += " " + terminal.paint("[\(stop.isTruncation ? "|" : "malformed ")\(stop)]", "33")
        }
        if !packet.anomalies.isEmpty {
            text += " " + terminal.paint("{\(packet.anomalies)}", "31")
        }
        return text
    }

    private func linkText(_ packet: DecodedPacket, record: PacketRecord) -> String {
        switch packet.link {
        case .ethernet(let header):
            return "\(header.source) > \(header.destination)"
        case .linuxSLL(let header):
            return "\(header.packetType) \(header.address.map(String.init(describing:)) ?? "-")"
        case .linuxSLL2(let header):
            return "\(header.packetType) ifindex \(header.interfaceIndex) \(header.address.map(String.init(describing:)) ?? "-")"
        case .null(let header):
            return "AF \(header.family)"
        case .raw:
            return "raw"
        case .unsupported(let linkType):
            return "\(linkType) (not decoded)"
        case .none:
            return "\(record.linkType)"
        }
    }

    private func networkText(_ packet: DecodedPacket, bytes: Span<UInt8>) -> String {
        switch packet.network {
        case .none:
            return ""
        case .arp(let arp):
            return "\(arp)"
        case .nlbHeartbeat(let heartbeat):
            return "\(heartbeat)"
        case .llc(let llc):
            return "802.3 \(llc)"
        case .other(let type):
            return "ethertype \(type)"
        case .ipv4(let header):
            let base = "IP \(header.source)"
            return transportText(packet, source: base, destination: "\(header.destination)", bytes: bytes)
                ?? "\(header)"
        case .ipv6(let header, _):
            let base = "IP6 \(header.source)"
            return transportText(packet, source: base, destination: "\(header.destination)", bytes: bytes)
                ?? "\(header)"
        }
    }

    private func transportText(
        _ packet: DecodedPacket, source: String, destination: String, bytes: Span<UInt8>
    ) -> String? {
        switch packet.transport {
        case .none:
            return nil
        case .tcp(let tcp):
            var text = "\(source).\(tcp.sourcePort) > \(destination).\(tcp.destinationPort): \(tcp)"
            if case .http(let message) = packet.application {
                text += ": " + httpText(message, at: packet.applicationOffset, bytes: bytes)
            }
            return text
        case .udp(let udp):
            var text = "\(source).\(udp.sourcePort) > \(destination).\(udp.destinationPort): UDP, length \(udp.payloadRange.count)"
            if case .hsrp(let hsrp) = packet.application { text += ": \(hsrp)" }
            return text
        case .icmp(let message):
            return "\(source) > \(destination): \(message)"
        case .icmpv6(let message):
            return "\(source) > \(destination): \(message)"
        case .neighborDiscovery(_, let nd):
            return "\(source) > \(destination): \(nd)"
        case .igmp(let message):
            return "\(source) > \(destination): \(message)"
        case .vrrp(let vrrp):
            return "\(source) > \(destination): \(vrrp)"
        case .carp(let carp):
            return "\(source) > \(destination): \(carp)"
        case .other(let proto):
            return "\(source) > \(destination): \(proto)"
        }
    }

    private func httpText(_ message: HTTPMessage, at offset: Int, bytes: Span<UInt8>) -> String {
        let payload = bytes.extracting(offset...)
        switch message {
        case .request(let head):
            var text = "HTTP \(HTTPMessage.text(head.methodRange, in: payload)) \(HTTPMessage.text(head.targetRange, in: payload)) \(HTTPMessage.text(head.versionRange, in: payload))"
            if let host = head.hostRange { text += " Host: \(HTTPMessage.text(host, in: payload))" } else { text += " (no Host header)" }
            return text
        case .response(let status):
            return "HTTP \(HTTPMessage.text(status.versionRange, in: payload)) \(status.statusCode) \(HTTPMessage.text(status.reasonRange, in: payload))"
        }
    }
}
