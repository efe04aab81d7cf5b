/// One TCP connection in flight: handshake, request/response exchanges of TLS application
/// data (the client ACKs every second full segment), then FIN/FIN/ACK.
struct Connection {
    enum Phase: UInt8 { case syn, synAck, ack, request, serverAck, response, clientAck, fin, finAck, lastAck }

    var clientIP: UInt32 = 0
    var serverIP: UInt32 = 0
    var clientMAC: UInt64 = 0
    var serverMAC: UInt64 = 0
    var vlan: UInt16 = 0
    var clientPort: UInt16 = 0
    var serverPort: UInt16 = 0
    var clientSeq: UInt32 = 0
    var serverSeq: UInt32 = 0
    var clientID: UInt16 = 0
    var serverID: UInt16 = 0
    var clientClock: UInt32 = 0
    var serverClock: UInt32 = 0
    var phase = Phase.syn
    var paused = false
    var toVIP = false
    var segment = 0
    var exchanges = 0
    var remaining = 0
    var sinceAck = 0
}

extension Generator {
    static let serverPorts: [UInt16] = [443, 443, 443, 8443, 6443]
    static let mss = 1448  // 1460 minus the 12-byte timestamp option

    /// Starts a new connection in `slot` (its SYN is written on the slot's next step).
    mutating func openConnection(_ slot: Int) {
        let segmentIndex = rng.below(4) == 0 ? 1 : 0
        let segment = topology.segments[segmentIndex]
        let client = rng.between(segment.clients.lowerBound, segment.clients.upperBound - 1)
        var c = Connection()
        c.segment = segmentIndex
        c.vlan = segment.vlan
        c.clientIP = topology.ip[client]
        c.clientMAC = topology.mac[client]
        c.clientClock = clock[client]
        if rng.below(100) < 15 {
            let master = vrrpNode(segmentIndex, vrrpMaster[segmentIndex])
            c.toVIP = true
            c.serverIP = segment.vip
            c.serverMAC = topology.mac[master]
            c.serverClock = clock[master]
            c.serverPort = 443
        } else {
            let server = rng.between(segment.servers.lowerBound, segment.servers.upperBound - 1)
            c.serverIP = topology.ip[server]
            c.serverMAC = topology.mac[server]
            c.serverClock = clock[server]
            c.serverPort = Self.serverPorts[rng.below(Self.serverPorts.count)]
        }
        let port = nextPort[client]
        nextPort[client] = port >= 60999 ? 32768 : port + 1
        c.clientPort = port
        c.clientSeq = UInt32(truncatingIfNeeded: rng.next())
        c.serverSeq = UInt32(truncatingIfNeeded: rng.next())
        c.clientID = UInt16(truncatingIfNeeded: rng.next())
        c.serverID = UInt16(truncatingIfNeeded: rng.next())
        c.exchanges = rng.between(1, 6)
        connections[slot] = c
    }

    /// Request sizes: small API calls.
    mutating func requestSize() -> Int { rng.between(80, 700) }

    /// Response sizes: mostly small, some medium, a few bulk transfers.
    mutating func responseSize() -> Int {
        let r = rng.below(100)
        if r < 66 { return rng.between(100, 1_200) }
        if r < 95 { return rng.between(1_200, 16_000) }
        return rng.between(16_000, 100_000)
    }

    /// Writes the next frame of a connection; returns false if every slot is paused.
    mutating func stepTCP() -> Bool {
        var slot = rng.below(connectionCount)
        var tries = 0
        while connections[slot].paused {
            slot = slot + 1 == connectionCount ? 0 : slot + 1
            tries += 1
            if tries == connectionCount { return false }
        }
        let c = connections + slot
        switch c.pointee.phase {
        case .syn:
            sendTCP(c, fromClient: true, flags: TCPFlags.syn, length: 0)
            c.pointee.clientSeq &+= 1
            c.pointee.phase = .synAck
            if rng.below(1000) < 10 {
                // Lost SYN (or SYN-ACK): retransmitted after 1 s (modern) or 3 s (old stacks).
                c.pointee.paused = true
                let rto: UInt64 = rng.below(10) < 7 ? 1_000_000 : 3_000_000
                events.push(now + rto + UInt64(rng.between(5_000, 40_000)), .synRetransmit, a: slot)
            }
            count(.tcp)
        case .synAck:
            sendTCP(c, fromClient: false, flags: TCPFlags.syn | TCPFlags.ack, length: 0)
            c.pointee.serverSeq &+= 1
            c.pointee.phase = .ack
            count(.tcp)
        case .ack:
            sendTCP(c, fromClient: true, flags: TCPFlags.ack, length: 0)
            c.pointee.phase = .request
            c.pointee.remaining = requestSize()
            count(.tcp)
        case .request:
            let length = segmentLength(c.pointee.remaining)
            c.pointee.remaining -= length
            sendTCP(
                c, fromClient: true, flags: TCPFlags.ack | (c.pointee.remaining == 0 ? TCPFlags.psh : 0),
                length: length)
            c.pointee.clientSeq &+= UInt32(length)
            if c.pointee.remaining == 0 {
                // Half the time the server's delayed ACK fires before the response is ready.
                c.pointee.phase = rng.below(2) == 0 ? .serverAck : .response
                c.pointee.remaining = responseSize()
                c.pointee.sinceAck = 0
            }
            count(.tcpData)
        case .serverAck:
            sendTCP(c, fromClient: false, flags: TCPFlags.ack, length: 0)
            c.pointee.phase = .response
            count(.tcp)
        case .response:
            let length = segmentLength(c.pointee.remaining)
            c.pointee.remaining -= length
            sendTCP(
                c, fromClient: false, flags: TCPFlags.ack | (c.pointee.remaining == 0 ? TCPFlags.psh : 0),
                length: length)
            c.pointee.serverSeq &+= UInt32(length)
            c.pointee.sinceAck += 1
            if c.pointee.remaining == 0 || c.pointee.sinceAck == 2 { c.pointee.phase = .clientAck }
            count(.tcpData)
        case .clientAck:
            sendTCP(c, fromClient: true, flags: TCPFlags.ack, length: 0)
            c.pointee.sinceAck = 0
            if c.pointee.remaining > 0 {
                c.pointee.phase = .response
            } else {
                c.pointee.exchanges -= 1
                if c.pointee.exchanges > 0 {
                    c.pointee.phase = .request
                    c.pointee.remaining = requestSize()
                } else {
                    c.pointee.phase = .fin
                }
            }
            count(.tcp)
        case .fin:
            sendTCP(c, fromClient: true, flags: TCPFlags.fin | TCPFlags.ack, length: 0)
            c.pointee.clientSeq &+= 1
            c.pointee.phase = .finAck
            count(.tcp)
        case .finAck:
            sendTCP(c, fromClient: false, flags: TCPFlags.fin | TCPFlags.ack, length: 0)
            c.pointee.serverSeq &+= 1
            c.pointee.phase = .lastAck
            count(.tcp)
        case .lastAck:
            sendTCP(c, fromClient: true, flags: TCPFlags.ack, length: 0)
            count(.tcp)
            openConnection(slot)
        }
        return true
    }

    /// The next segment's payload length: full MSS, but never leaving a tail under 6 bytes
    /// (each segment carries one whole TLS record, whose header is 5 bytes).
    @inline(__always) func segmentLength(_ remaining: Int) -> Int {
        if remaining <= Self.mss { return remaining }
        if remaining < Self.mss + 6 { return remaining - 6 }
        return Self.mss
    }

    /// Writes the SYN again (same ISN) and resumes the connection.
    mutating func retransmitSYN(_ slot: Int) {
        let c = connections + slot
        c.pointee.clientSeq &-= 1
        sendTCP(c, fromClient: true, flags: TCPFlags.syn, length: 0)
        c.pointee.clientSeq &+= 1
        c.pointee.paused = false
        count(.synRetransmission)
    }

    /// Writes one segment of connection `c` with `length` bytes of TLS application data.
    @inline(__always)
    mutating func sendTCP(_ c: UnsafeMutablePointer<Connection>, fromClient: Bool, flags: UInt8, length: Int) {
        let p = out.frame
        let milliseconds = UInt32(truncatingIfNeeded: now / 1000)
        let conn = c.pointee
        let segment: TCPSegment
        let id: UInt16
        if fromClient {
            segment = TCPSegment(
                src: conn.clientIP, dst: conn.serverIP, sourcePort: conn.clientPort, destinationPort: conn.serverPort,
                seq: conn.clientSeq, ack: flags & TCPFlags.ack != 0 ? conn.serverSeq : 0, flags: flags,
                window: flags & TCPFlags.syn != 0 ? 64240 : 502, tsval: conn.clientClock &+ milliseconds,
                tsecr: flags & TCPFlags.ack != 0 ? conn.serverClock &+ milliseconds : 0)
            id = conn.clientID
            c.pointee.clientID &+= 1
        } else {
            segment = TCPSegment(
                src: conn.serverIP, dst: conn.clientIP, sourcePort: conn.serverPort, destinationPort: conn.clientPort,
                seq: conn.serverSeq, ack: conn.clientSeq, flags: flags,
                window: flags & TCPFlags.syn != 0 ? 65160 : 509, tsval: conn.serverClock &+ milliseconds,
                tsecr: conn.clientClock &+ milliseconds)
            id = conn.serverID
            c.pointee.serverID &+= 1
        }
        let l2 = writeEthernet(
            p, dst: fromClient ? conn.serverMAC : conn.clientMAC, src: fromClient ? conn.clientMAC : conn.serverMAC,
            vlan: conn.vlan, type: Wire.etherIPv4)
        let ip = p + l2
        let tcp = ip + 20
        let headerLength = flags & TCPFlags.syn != 0 ? 40 : 32
        let payloadSum = length > 0 ? writeTLSRecord(tcp + headerLength, length: length) : 0
        _ = writeTCP(tcp, segment, payloadLength: length, payloadSum: payloadSum)
        writeIPv4(
            ip, totalLength: 20 + headerLength + length, id: id, dontFragment: true, ttl: 64,
            proto: 6, src: segment.src, dst: segment.dst)
        out.commit(time: now, length: l2 + 20 + headerLength + length)
    }

    /// Copies `length` (≥ 6) bytes of the constant payload to `p` as one TLS 1.2 application-data
    /// record and returns their unfolded one's-complement sum.
    @inline(__always)
    func writeTLSRecord(_ p: UnsafeMutableRawPointer, length: Int) -> UInt64 {
        p.copyMemory(from: payload, byteCount: length)
        let recordLength = UInt16(truncatingIfNeeded: length - 5)
        p.put8(0x17, 0)
        p.put16(0x0303, 1)
        p.put16(recordLength, 3)
        let byte5 = UInt64(payload.load(fromByteOffset: 5, as: UInt8.self))
        return 0x1703 &+ (0x0300 | UInt64(recordLength >> 8)) &+ (UInt64(recordLength & 0xFF) << 8 | byte5)
            &+ (payloadPrefix[length] &- payloadPrefix[6])
    }
}
