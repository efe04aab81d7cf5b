import VantageCapture
import VantageDetect
import VantageState
import VantageWire

/// Seed 003: a Windows failover cluster whose nodes send UDP 3343 heartbeats to every other
/// node every 1.2 s (unicast full mesh). Captures run on some of the nodes: a node's capture sees
/// what it sends (as it leaves) and what reaches it. Faults: a path that drops a sender's
/// datagrams after they left (network), or a sender that stops sending (host stall).
struct HeartbeatMesh {
    /// The nodes, 10.0.3.1 ... with MACs 02:00:00:00:03:0N.
    let nodes: [Station]
    /// Heartbeat interval, s.
    var interval = 1.2
    /// Nodes (indices) with a capture, named n1, n2, ...
    var captured: [Int]
    /// Length of the run, s.
    var duration = 60.0
    /// Datagrams of `sender` that never reach `receiver` (nil: any) within [from, to).
    var drops: [(sender: Int, receiver: Int?, from: Double, to: Double, every: Int)] = []
    /// Windows in which `node` sends nothing; it sends at once when the window ends.
    var stalls: [(node: Int, from: Double, to: Double)] = []
    /// When each node starts and stops sending (defaults: whole run).
    var senderSpan: [Int: (start: Double, stop: Double)] = [:]
    /// When each capture stops (defaults: whole run).
    var captureStop: [Int: Double] = [:]
    /// Clock error of each capture (by node index), s: its timestamps run this far ahead.
    var clockOffset: [Int: Double] = [:]
    /// Every datagram is captured twice by the receiver (a Linux `any` capture).
    var doubledAtReceiver = false
    /// The heartbeats go over IPv6 (link-local fe80::3:N), as a Windows cluster's do when its
    /// networks have IPv6.
    var ipv6 = false

    init(nodes count: Int = 4, captured: [Int]) {
        nodes = (1...count).map { Station("02:00:00:00:03:0\($0)", "10.0.3.\($0)") }
        self.captured = captured
    }

    /// A node's IPv6 address, fe80::3:N.
    func address6(_ node: Int) -> IPv6Address { IPv6Address(high: 0xFE80_0000_0000_0000, low: 0x3_0000 | UInt64(node + 1)) }

    /// A node's heartbeat address as findings print it.
    func address(_ node: Int) -> String { ipv6 ? address6(node).description : nodes[node].ip.description }

    /// The frame sent from `sender` to `receiver`.
    func datagram(_ sender: Int, _ receiver: Int, sequence: Int) -> [UInt8] {
        let payload = (0..<16).map { UInt8(truncatingIfNeeded: sequence >> ($0 % 4 * 8)) }
        if ipv6 {
            return FrameBuilder.udp6(
                from: (nodes[sender].mac, address6(sender), 3343), to: (nodes[receiver].mac, address6(receiver), 3343),
                payload: payload)
        }
        return FrameBuilder.udp(
            from: nodes[sender].port(3343), to: nodes[receiver].port(3343), payload: payload,
            identification: UInt16(truncatingIfNeeded: sequence))
    }

    /// The timeline: captures at the nodes in `captured`.
    func timeline() -> Timeline {
        var events: [(time: Double, vantage: Int, bytes: [UInt8])] = []
        let vantageOf = Dictionary(uniqueKeysWithValues: captured.enumerated().map { ($0.element, $0.offset) })
        for sender in nodes.indices {
            let span = senderSpan[sender] ?? (0, duration)
            var time = span.start + 0.05 * Double(sender)
            var sequence = 0
            while time < span.stop {
                if let stall = stalls.first(where: { $0.node == sender && time >= $0.from && time < $0.to }) {
                    time = stall.to
                    continue
                }
                // A little send jitter (±15 ms), deterministic.
                let jitter = Double((sequence * 7 + sender * 3) % 7 - 3) * 0.005
                for receiver in nodes.indices where receiver != sender {
                    let sent = time + jitter + 0.002 * Double(receiver)
                    let bytes = datagram(sender, receiver, sequence: sequence)
                    if let vantage = vantageOf[sender] { events.append((sent, vantage, bytes)) }
                    let dropped = drops.contains {
                        $0.sender == sender && ($0.receiver == nil || $0.receiver == receiver) && sent >= $0.from && sent < $0.to
                            && sequence % $0.every == 0
                    }
                    if !dropped, let vantage = vantageOf[receiver] {
                        events.append((sent + 0.0003, vantage, bytes))
                        if doubledAtReceiver { events.append((sent + 0.00031, vantage, bytes)) }
                    }
                }
                sequence += 1
                time += interval
            }
        }
        events.sort { ($0.time, $0.vantage) < ($1.time, $1.vantage) }
        var timeline = Timeline(vantages: captured.map { "n\($0 + 1)" })
        for event in events {
            let stop = captureStop[captured[event.vantage]] ?? duration + 1
            let offset = clockOffset[captured[event.vantage]] ?? 0
            if event.time < stop { timeline.add(event.bytes, at: event.time + offset, vantage: event.vantage) }
        }
        return timeline
    }

    /// The findings of the standard detectors.
    func findings(_ configuration: AnalysisConfiguration = AnalysisConfiguration()) -> [Finding] {
        timeline().findings(configuration: configuration)
    }
}

extension Array where Element == Finding {
    /// The heartbeat findings.
    var heartbeat: [Finding] { filter { $0.kind.category == "heartbeat" } }
}

extension Finding {
    /// A string detail.
    func detail(_ key: String) -> String? {
        if case .string(let value)? = details[key] { value } else { nil }
    }

    /// A number detail.
    func number(_ key: String) -> Double? {
        switch details[key] {
        case .double(let value)?: value
        case .int(let value)?: Double(value)
        default: nil
        }
    }
}
