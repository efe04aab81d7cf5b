/// Writes the synthetic capture: a background of TCP (with some ARP) between timed events.
///
/// The clock advances by 1–179 µs (mean 90 µs) per background frame, so 10M frames span about
/// 15 minutes; timed events (VRRP, heartbeats, ARP replies/retries, GARP, NDP, SYN
/// retransmissions) are written at their own time when it comes first. All choices come from one
/// splitmix64 stream, so a seed fully determines the file.
struct Generator {
    enum Category: Int, CaseIterable {
        case tcp, tcpData, synRetransmission, arp, garp, unansweredARP, vrrp, heartbeat, ndp
    }

    static let connectionCount = 64
    static let payloadCapacity = 1500
    /// 2025-03-14 02:00:00 UTC.
    static let epoch: UInt64 = 1_741_917_600

    var rng: SplitMix64
    var out: PcapOutput
    let topology = Topology()
    var events = EventQueue()
    var now: UInt64 = 0
    let connectionCount = Generator.connectionCount
    let connections: UnsafeMutablePointer<Connection>
    /// Constant TCP payload bytes and their prefix one's-complement sums.
    let payload: UnsafeMutableRawPointer
    let payloadPrefix: UnsafeMutablePointer<UInt64>
    var clock: [UInt32] = []
    var nextPort: [UInt16] = []
    var ipID: [UInt16] = []
    var vrrpMaster = [0, 0]
    var vrrpGeneration = [0, 0]
    var heartbeatSequence: [UInt32] = []
    var counts = [Int](repeating: 0, count: Category.allCases.count)

    init(seed: UInt64, fd: Int32) {
        rng = SplitMix64(seed: seed)
        out = PcapOutput(fd: fd, epoch: Self.epoch)
        payload = UnsafeMutableRawPointer.allocate(byteCount: Self.payloadCapacity, alignment: 16)
        payloadPrefix = UnsafeMutablePointer<UInt64>.allocate(capacity: Self.payloadCapacity + 1)
        var bytes = SplitMix64(seed: 0x7115)
        for index in 0..<Self.payloadCapacity {
            payload.put8(UInt8(truncatingIfNeeded: bytes.next()), index)
        }
        payloadPrefix[0] = 0
        for length in 1...Self.payloadCapacity {
            let byte = UInt64(payload.load(fromByteOffset: length - 1, as: UInt8.self))
            payloadPrefix[length] = payloadPrefix[length - 1] &+ (length % 2 == 1 ? byte << 8 : byte)
        }
        connections = UnsafeMutablePointer<Connection>.allocate(capacity: Self.connectionCount)
        connections.initialize(repeating: Connection(), count: Self.connectionCount)
        for _ in topology.ip.indices {
            clock.append(UInt32(truncatingIfNeeded: rng.next()))
            nextPort.append(UInt16(rng.between(32768, 50000)))
            ipID.append(UInt16(truncatingIfNeeded: rng.next()))
        }
        heartbeatSequence = topology.heartbeats.map { _ in UInt32(truncatingIfNeeded: rng.next()) }
        for slot in 0..<connectionCount { openConnection(slot) }
    }

    /// Writes exactly `frames` frames.
    mutating func run(frames: Int) {
        let span = UInt64(frames) * 90
        for index in topology.segments.indices {
            events.push(UInt64(rng.below(1_000)), .vrrpAdvert, a: index, b: 0)
            let burst = UInt64(rng.between(100, 2_000))
            events.push(burst, .garp, a: index, c: 5)
            events.push(burst + 5_000_000, .garp, a: index, c: 5)
        }
        if span > 20_000_000 { events.push(span * 6 / 10, .vrrpResign, a: 0) }
        for (index, heartbeat) in topology.heartbeats.enumerated() {
            events.push(UInt64(rng.below(Int(heartbeat.intervalMicros))), .heartbeat, a: index)
        }
        events.push(UInt64(rng.between(2_000_000, 8_000_000)), .unansweredARP)
        events.push(UInt64(rng.between(500_000, 4_000_000)), .ndpSolicit)

        var written = 0
        while written < frames {
            let candidate = now &+ 1 &+ UInt64(rng.below(179))
            if events.nextTime <= candidate {
                let event = events.pop()
                now = max(event.time, now)
                if handle(event) { written += 1 }
            } else {
                now = candidate
                background()
                written += 1
            }
        }
        out.finish()
    }

    @inline(__always) mutating func count(_ category: Category) { counts[category.rawValue] &+= 1 }

    /// A background frame: mostly TCP, sometimes an ARP request whose reply is scheduled.
    @inline(__always) mutating func background() {
        let r = rng.below(10_000)
        if r < 40 {
            arpRequest(unicast: false)
        } else if r < 55 {
            arpRequest(unicast: true)
        } else if !stepTCP() {
            arpRequest(unicast: false)
        }
    }

    /// The host index of node `which` (0 or 1) of a segment's VRRP pair.
    func vrrpNode(_ segment: Int, _ which: Int) -> Int {
        let nodes = topology.segments[segment].vrrpNodes
        return which == 0 ? nodes.0 : nodes.1
    }

    /// Writes the frame of `event`; false if the event turned out stale.
    mutating func handle(_ event: Event) -> Bool {
        switch event.kind {
        case .vrrpAdvert:
            guard event.b == vrrpGeneration[event.a] else { return false }
            let which = vrrpMaster[event.a]
            let priorities = topology.segments[event.a].priorities
            vrrpAdvert(
                segment: event.a, node: vrrpNode(event.a, which),
                priority: which == 0 ? priorities.0 : priorities.1)
            events.push(now + 1_000_000 + UInt64(rng.below(150)), .vrrpAdvert, a: event.a, b: event.b)
        case .vrrpResign:
            failover(segment: event.a)
        case .garp:
            garp(segment: event.a)
            if event.c > 1 { events.push(now + UInt64(rng.between(5, 30)), .garp, a: event.a, c: event.c - 1) }
        case .heartbeat:
            heartbeat(event.a)
            let interval = topology.heartbeats[event.a].intervalMicros
            events.push(now + interval + UInt64(rng.below(2_000)), .heartbeat, a: event.a)
        case .arpReply:
            arpReply(replier: event.a, requester: event.b, forVIP: event.c != 0)
        case .arpRetry:
            unansweredRequest(requester: event.a, target: UInt32(truncatingIfNeeded: event.b))
            if event.c > 1 {
                events.push(
                    now + 1_000_000 + UInt64(rng.below(3_000)), .arpRetry, a: event.a, b: event.b,
                    c: event.c - 1)
            }
        case .unansweredARP:
            let requester = rng.below(topology.ip.count)
            let segment = topology.segments[topology.segmentOf[requester]]
            let target = segment.network | (segment.deadBase + UInt32(rng.below(10)))
            unansweredRequest(requester: requester, target: target)
            events.push(now + 1_000_000 + UInt64(rng.below(3_000)), .arpRetry, a: requester, b: Int(target), c: 2)
            events.push(now + UInt64(rng.between(10_000_000, 30_000_000)), .unansweredARP)
        case .ndpSolicit:
            let segment = topology.segments[rng.below(5) == 0 ? 1 : 0]
            let requester = rng.between(segment.clients.lowerBound, segment.clients.upperBound - 1)
            var target = rng.between(segment.servers.lowerBound, segment.clients.upperBound - 1)
            if target == requester { target = segment.servers.lowerBound }
            neighborSolicitation(requester: requester, target: target)
            events.push(now + UInt64(rng.between(30, 300)), .ndpAdvert, a: target, b: requester)
            events.push(now + UInt64(rng.between(3_000_000, 10_000_000)), .ndpSolicit)
        case .ndpAdvert:
            neighborAdvertisement(responder: event.a, requester: event.b)
        case .synRetransmit:
            retransmitSYN(event.a)
        }
        return true
    }

    /// The master resigns (priority 0); the backup takes over after Skew_Time and sends GARPs.
    mutating func failover(segment: Int) {
        let old = vrrpMaster[segment]
        vrrpAdvert(segment: segment, node: vrrpNode(segment, old), priority: 0)
        vrrpMaster[segment] = 1 - old
        vrrpGeneration[segment] += 1
        let takeover = now + 609_375  // (256 - 100) / 256 s
        events.push(takeover, .vrrpAdvert, a: segment, b: vrrpGeneration[segment])
        events.push(takeover + 40, .garp, a: segment, c: 5)
        events.push(takeover + 5_000_040, .garp, a: segment, c: 5)
        let master = vrrpNode(segment, 1 - old)
        for slot in 0..<connectionCount where connections[slot].toVIP && connections[slot].segment == segment {
            connections[slot].serverMAC = topology.mac[master]
            connections[slot].serverClock = clock[master]
        }
    }
}
