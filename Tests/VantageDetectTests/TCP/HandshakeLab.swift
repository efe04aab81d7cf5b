import VantageCapture
import VantageDetect
import VantageState
import VantageWire

/// Scripted TCP handshakes on a timeline, each frame copied to any number of vantage points
/// (with a per-vantage clock offset), for the tcp.handshake_* tests.
struct HandshakeLab {
    var timeline: Timeline
    /// Clock offset of each vantage point (s), added to every frame it captures.
    var offsets: [Double]
    /// Frame numbers per vantage (as the Timeline numbers them: in the order added).
    private(set) var frameCounts: [Int]
    private var nextISN: UInt32 = 1_000_000
    private var nextID: UInt16 = 100

    init(vantages: [String] = ["capture"], offsets: [Double]? = nil) {
        timeline = Timeline(vantages: vantages)
        self.offsets = offsets ?? Array(repeating: 0, count: vantages.count)
        frameCounts = Array(repeating: 0, count: vantages.count)
    }

    init(_ timeline: Timeline, offsets: [Double]? = nil, frameCounts: [Int]) {
        self.timeline = timeline
        self.offsets = offsets ?? Array(repeating: 0, count: timeline.vantageNames.count)
        self.frameCounts = frameCounts
    }

    /// Adds `bytes` at `seconds` to `vantages` (all when nil); returns the frame number at each.
    @discardableResult
    mutating func add(_ bytes: [UInt8], at seconds: Double, vantages: [Int]? = nil) -> [Int: Int] {
        var numbers: [Int: Int] = [:]
        for vantage in vantages ?? Array(offsets.indices) {
            timeline.add(bytes, at: seconds + offsets[vantage], vantage: vantage)
            frameCounts[vantage] += 1
            numbers[vantage] = frameCounts[vantage]
        }
        return numbers
    }

    /// A fresh IP id (so retransmissions differ, copies do not).
    mutating func id() -> UInt16 {
        nextID &+= 1
        return nextID
    }

    /// A fresh initial sequence number.
    mutating func isn() -> UInt32 {
        nextISN &+= 7919
        return nextISN
    }

    /// A whole connection: SYN, SYN-ACK, ACK, request, response, and FIN exchange (or a RST from
    /// the client when `resetAtEnd`). `replyMAC` is where the server sends (defaults to the client's MAC).
    mutating func connection(
        client: FrameBuilder.Endpoint, server: FrameBuilder.Endpoint, at time: Double, replyMAC: MACAddress? = nil,
        resetAtEnd: Bool = false, vantages: [Int]? = nil
    ) {
        let c = isn(), s = isn()
        let back: FrameBuilder.Endpoint = (replyMAC ?? client.mac, client.ip, client.port)
        add(FrameBuilder.tcp(from: client, to: server, flags: .syn, seq: c, options: FrameBuilder.linuxSYNOptions, identification: id()), at: time, vantages: vantages)
        add(FrameBuilder.tcp(from: server, to: back, flags: [.syn, .ack], seq: s, ack: c &+ 1, identification: id()), at: time + 0.0002, vantages: vantages)
        add(FrameBuilder.tcp(from: client, to: server, flags: .ack, seq: c &+ 1, ack: s &+ 1, identification: id()), at: time + 0.0004, vantages: vantages)
        add(FrameBuilder.tcp(from: client, to: server, flags: [.psh, .ack], seq: c &+ 1, ack: s &+ 1, payload: Array("GET /\r\n".utf8), identification: id()), at: time + 0.0005, vantages: vantages)
        add(FrameBuilder.tcp(from: server, to: back, flags: [.psh, .ack], seq: s &+ 1, ack: c &+ 8, payload: Array("OK\r\n".utf8), identification: id()), at: time + 0.002, vantages: vantages)
        if resetAtEnd {
            add(FrameBuilder.tcp(from: client, to: server, flags: [.rst, .ack], seq: c &+ 8, ack: s &+ 5, identification: id()), at: time + 0.003, vantages: vantages)
        } else {
            add(FrameBuilder.tcp(from: client, to: server, flags: [.fin, .ack], seq: c &+ 8, ack: s &+ 5, identification: id()), at: time + 0.003, vantages: vantages)
            add(FrameBuilder.tcp(from: server, to: back, flags: [.fin, .ack], seq: s &+ 5, ack: c &+ 9, identification: id()), at: time + 0.0032, vantages: vantages)
            add(FrameBuilder.tcp(from: client, to: server, flags: .ack, seq: c &+ 9, ack: s &+ 6, identification: id()), at: time + 0.0034, vantages: vantages)
        }
    }

    /// The frames of one handshake whose SYN is sent at each of `synTimes` (relative to `time`);
    /// `answer(index)` says where SYN number `index` is answered (nil: not at all) and at which
    /// vantage points the SYN-ACK is seen. Completes with an ACK after the last answered SYN
    /// when `complete`. Returns the frame numbers of the SYNs and SYN-ACKs at each vantage.
    @discardableResult
    mutating func handshake(
        client: FrameBuilder.Endpoint, server: FrameBuilder.Endpoint, at time: Double, synTimes: [Double],
        synVantages: [Int]? = nil, answer: (Int) -> (mac: MACAddress, vantages: [Int]?)?, complete: Bool,
        synAckTimestamps: Bool = false
    ) -> (syns: [[Int: Int]], synAcks: [[Int: Int]]) {
        let c = isn(), s = isn()
        var syns: [[Int: Int]] = []
        var synAcks: [[Int: Int]] = []
        var lastAnswer: Double?
        for (index, offset) in synTimes.enumerated() {
            var options = FrameBuilder.linuxSYNOptions
            options.timestampValue = UInt32(1000 + Int(offset * 1000))
            syns.append(add(
                FrameBuilder.tcp(from: client, to: server, flags: .syn, seq: c, options: options, identification: id()),
                at: time + offset, vantages: synVantages))
            if let reply = answer(index) {
                synAcks.append(add(
                    FrameBuilder.tcp(
                        from: server, to: (reply.mac, client.ip, client.port), flags: [.syn, .ack], seq: s, ack: c &+ 1,
                        options: synAckTimestamps ? TCPOptions(mss: 1460, timestampValue: UInt32(5000 + Int(offset * 1000))) : .none,
                        identification: 0),
                    at: time + offset + 0.0002, vantages: reply.vantages))
                lastAnswer = time + offset + 0.0002
            }
        }
        if complete, let lastAnswer {
            add(FrameBuilder.tcp(from: client, to: server, flags: .ack, seq: c &+ 1, ack: s &+ 1, identification: id()), at: lastAnswer + 0.0002, vantages: synVantages)
        }
        return (syns, synAcks)
    }

    /// A SYN answered by a RST-ACK from the server.
    @discardableResult
    mutating func refused(client: FrameBuilder.Endpoint, server: FrameBuilder.Endpoint, at time: Double) -> Int? {
        let c = isn()
        add(FrameBuilder.tcp(from: client, to: server, flags: .syn, seq: c, options: FrameBuilder.linuxSYNOptions, identification: id()), at: time)
        let numbers = add(
            FrameBuilder.tcp(from: server, to: client, flags: [.rst, .ack], seq: 0, ack: c &+ 1, identification: 0), at: time + 0.0001)
        return numbers[0]
    }

    func findings(_ configuration: AnalysisConfiguration = AnalysisConfiguration()) -> [Finding] {
        timeline.findings(configuration: configuration)
    }
}

extension Array where Element == Finding {
    /// The tcp.* findings.
    var tcp: [Finding] { filter { $0.kind.category == "tcp" } }
}

extension DetailValue {
    /// The integer, if this is one.
    var int: Int? { if case .int(let value) = self { value } else { nil } }
    /// The number, if this is one.
    var double: Double? { if case .double(let value) = self { value } else { nil } }
    /// The text, if this is text.
    var string: String? { if case .string(let value) = self { value } else { nil } }
}

extension HandshakeLab {
    /// How many frames each vantage point of `timeline` holds (the Timeline numbers in order added).
    static func frameCounts(of timeline: Timeline) -> [Int] {
        let probe = FrameCounter(vantages: timeline.vantageNames.count)
        _ = timeline.findings(detectors: [probe])
        return probe.counts
    }
}

/// A detector that counts the frames seen per vantage point.
final class FrameCounter: Detector {
    static var descriptions: [KindDescription] { [] }
    var interest: ObservationInterest { .all }
    var counts: [Int]
    init(vantages: Int) { counts = Array(repeating: 0, count: vantages) }
    func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        counts[observation.reference.vantage] = max(counts[observation.reference.vantage], observation.reference.frame)
    }
    func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {}
}
