//  FrameBuilder: TCP, UDP, ICMP echo, IGMP and HTTP heads, over IPv4 (and TCP / UDP over IPv6).

extension FrameBuilder {
    /// Linux's SYN options: `mss 1460, sackOK, TS val 1 ecr 0, nop, wscale 7` (20 octets).
    public static let linuxSYNOptions = TCPOptions(
        mss: 1460, windowScale: 7, sackPermitted: true, timestampValue: 1, timestampEcho: 0)

    /// The 56 data octets of a default `ping` (0x00, 0x01, ... 0x37).
    public static let pingPayload: [UInt8] = Array(0..<56)

    // MARK: - TCP

    /// A TCP segment (no IP header) with its checksum computed under `pseudo`.
    public static func tcpSegment(
        sourcePort: UInt16, destinationPort: UInt16, flags: TCPFlags, seq: UInt32 = 0, ack: UInt32 = 0,
        window: UInt16 = 64240, options: TCPOptions = .none, payload: [UInt8] = [], pseudo: PseudoHeader
    ) -> [UInt8] {
        var out: [UInt8] = []
        TCPHeader(
            sourcePort: sourcePort, destinationPort: destinationPort, sequence: TCPSequenceNumber(seq),
            acknowledgment: TCPSequenceNumber(ack), flags: flags, window: window, options: options
        ).emit(payload: payload, pseudo: pseudo, into: &out)
        return out
    }

    /// An Ethernet + IPv4 + TCP frame from `source` to `destination` (MAC, IP, port each).
    ///
    /// `options` are written in their ``TCPOptions/layout`` order (``linuxSYNOptions`` for a
    /// Linux SYN); the TCP checksum covers the IPv4 pseudo-header. DF is set, as Linux sends TCP.
    public static func tcp(
        from source: Endpoint, to destination: Endpoint, flags: TCPFlags, seq: UInt32 = 0, ack: UInt32 = 0,
        window: UInt16 = 64240, options: TCPOptions = .none, payload: [UInt8] = [], ttl: UInt8 = 64,
        identification: UInt16 = 0, dontFragment: Bool = true, vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        let segment = tcpSegment(
            sourcePort: source.port, destinationPort: destination.port, flags: flags, seq: seq, ack: ack,
            window: window, options: options, payload: payload,
            pseudo: .ipv4(source: source.ip, destination: destination.ip))
        return ipv4(
            from: (source.mac, source.ip), to: (destination.mac, destination.ip), protocol: .tcp, payload: segment,
            ttl: ttl, identification: identification, dontFragment: dontFragment, vlans: vlans,
            padTo: minimumLength)
    }

    /// An Ethernet + IPv6 + TCP frame; the checksum covers the IPv6 pseudo-header.
    public static func tcp6(
        from source: Endpoint6, to destination: Endpoint6, flags: TCPFlags, seq: UInt32 = 0, ack: UInt32 = 0,
        window: UInt16 = 64800, options: TCPOptions = .none, payload: [UInt8] = [], hopLimit: UInt8 = 64,
        vlans: [VLAN] = [], padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        let segment = tcpSegment(
            sourcePort: source.port, destinationPort: destination.port, flags: flags, seq: seq, ack: ack,
            window: window, options: options, payload: payload,
            pseudo: .ipv6(source: source.ip, destination: destination.ip))
        return ipv6(
            from: (source.mac, source.ip), to: (destination.mac, destination.ip), nextHeader: .tcp,
            payload: segment, hopLimit: hopLimit, vlans: vlans, padTo: minimumLength)
    }

    // MARK: - UDP

    /// A UDP datagram (no IP header); with `pseudo` the checksum is computed, without it 0.
    public static func udpDatagram(
        sourcePort: UInt16, destinationPort: UInt16, payload: [UInt8], pseudo: PseudoHeader?
    ) -> [UInt8] {
        var out: [UInt8] = []
        UDPHeader(sourcePort: sourcePort, destinationPort: destinationPort).emit(
            payload: payload, pseudo: pseudo, into: &out)
        return out
    }

    /// An Ethernet + IPv4 + UDP frame; `checksum: false` sends 0 (no checksum, IPv4 only).
    public static func udp(
        from source: Endpoint, to destination: Endpoint, payload: [UInt8] = [], ttl: UInt8 = 64,
        identification: UInt16 = 0, checksum: Bool = true, vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        let datagram = udpDatagram(
            sourcePort: source.port, destinationPort: destination.port, payload: payload,
            pseudo: checksum ? .ipv4(source: source.ip, destination: destination.ip) : nil)
        return ipv4(
            from: (source.mac, source.ip), to: (destination.mac, destination.ip), protocol: .udp, payload: datagram,
            ttl: ttl, identification: identification, vlans: vlans, padTo: minimumLength)
    }

    /// An Ethernet + IPv6 + UDP frame (the checksum is mandatory over IPv6).
    public static func udp6(
        from source: Endpoint6, to destination: Endpoint6, payload: [UInt8] = [], hopLimit: UInt8 = 64,
        vlans: [VLAN] = [], padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        let datagram = udpDatagram(
            sourcePort: source.port, destinationPort: destination.port, payload: payload,
            pseudo: .ipv6(source: source.ip, destination: destination.ip))
        return ipv6(
            from: (source.mac, source.ip), to: (destination.mac, destination.ip), nextHeader: .udp,
            payload: datagram, hopLimit: hopLimit, vlans: vlans, padTo: minimumLength)
    }

    // MARK: - ICMP

    /// An ICMP echo request (`ping`) from `source` to `destination`.
    public static func icmpEchoRequest(
        from source: Host, to destination: Host, identifier: UInt16 = 1, sequence: UInt16 = 1,
        payload: [UInt8] = pingPayload, ttl: UInt8 = 64, vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        icmp(
            .echoRequest(identifier: identifier, sequence: sequence), payload: payload, from: source,
            to: destination, ttl: ttl, vlans: vlans, padTo: minimumLength)
    }

    /// An ICMP echo reply from `source` to `destination`.
    public static func icmpEchoReply(
        from source: Host, to destination: Host, identifier: UInt16 = 1, sequence: UInt16 = 1,
        payload: [UInt8] = pingPayload, ttl: UInt8 = 64, vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        icmp(
            .echoReply(identifier: identifier, sequence: sequence), payload: payload, from: source,
            to: destination, ttl: ttl, vlans: vlans, padTo: minimumLength)
    }

    /// Any ICMPv4 message (type, code, rest-of-header word) with `payload` and its checksum.
    public static func icmp(
        _ message: ICMPv4Message, payload: [UInt8] = [], from source: Host, to destination: Host, ttl: UInt8 = 64,
        vlans: [VLAN] = [], padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        var body: [UInt8] = []
        message.emit(payload: payload, into: &body)
        return ipv4(
            from: source, to: destination, protocol: .icmp, payload: body, ttl: ttl, vlans: vlans,
            padTo: minimumLength)
    }

    // MARK: - IGMP

    /// The IPv4 router alert option (RFC 2113), as IGMP senders include it.
    public static let routerAlertOption: [UInt8] = [0x94, 0x04, 0x00, 0x00]

    /// An IGMP message with TTL 1 and the router alert option (IHL 6), as Linux sends it.
    ///
    /// The destination defaults by type: a report to its group, a v2 leave to 224.0.0.2, a v3
    /// report to 224.0.0.22, a query to its group or 224.0.0.1. `sources` fill a v3 query.
    public static func igmp(
        _ message: IGMPMessage, from source: Host, to destination: IPv4Address? = nil,
        sources: [IPv4Address] = [], ttl: UInt8 = 1, routerAlert: Bool = true, vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        var body: [UInt8] = []
        message.emit(sources: sources, into: &body)
        let group: IPv4Address
        switch message.type {
        case .leaveGroup: group = IPv4Address(224, 0, 0, 2)
        case .v3Report: group = IPv4Address(224, 0, 0, 22)
        case .membershipQuery where message.groupAddress.isUnspecified: group = IPv4Address(224, 0, 0, 1)
        default: group = message.groupAddress
        }
        return ipv4(
            from: source, to: multicast(destination ?? group), protocol: .igmp, payload: body, ttl: ttl,
            options: routerAlert ? routerAlertOption : [], vlans: vlans, padTo: minimumLength)
    }

    // MARK: - HTTP

    /// A TCP segment (flags PSH, ACK) whose payload is an HTTP request head:
    /// `method target version`, a `Host:` line when `host` is given, and the blank line.
    public static func httpRequest(
        from source: Endpoint, to destination: Endpoint, method: HTTPMethod = .get, target: String = "/",
        host: String? = nil, version: HTTPVersion = .http11, seq: UInt32 = 1, ack: UInt32 = 1, vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        var payload: [UInt8] = []
        HTTPMessage.emitRequest(method: method, target: target, version: version, host: host, into: &payload)
        return tcp(
            from: source, to: destination, flags: [.psh, .ack], seq: seq, ack: ack, payload: payload, vlans: vlans,
            padTo: minimumLength)
    }

    /// A TCP segment (flags PSH, ACK) whose payload is an HTTP status line, an empty header
    /// section and `body`.
    public static func httpResponse(
        from source: Endpoint, to destination: Endpoint, status: UInt16 = 200, reason: String = "OK",
        version: HTTPVersion = .http11, body: [UInt8] = [], seq: UInt32 = 1, ack: UInt32 = 1, vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        var payload: [UInt8] = []
        HTTPMessage.emitResponse(statusCode: status, reason: reason, version: version, into: &payload)
        payload += body
        return tcp(
            from: source, to: destination, flags: [.psh, .ack], seq: seq, ack: ack, payload: payload, vlans: vlans,
            padTo: minimumLength)
    }
}
