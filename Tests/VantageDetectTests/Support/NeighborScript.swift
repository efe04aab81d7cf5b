import VantageCapture
import VantageDetect
import VantageState
import VantageWire

/// A host on a scripted LAN.
struct Station {
    var mac: MACAddress
    var ip: IPv4Address

    init(_ mac: String, _ ip: String) {
        self.mac = MACAddress(mac)!
        self.ip = IPv4Address(ip)!
    }

    var host: FrameBuilder.Host { (mac, ip) }
    func port(_ port: UInt16) -> FrameBuilder.Endpoint { (mac, ip, port) }
    /// This host's address reached through `mac` (a frame for this IP sent to another MAC).
    func via(_ mac: MACAddress) -> FrameBuilder.Host { (mac, ip) }
    func via(_ mac: MACAddress, port: UInt16) -> FrameBuilder.Endpoint { (mac, ip, port) }
}

/// A single-vantage ``Timeline`` that hands back each frame's number (as Wireshark counts it)
/// when the frame is added. Add frames in time order.
struct Script {
    private(set) var timeline: Timeline
    private(set) var frameCount = 0
    /// The frames added, with their times.
    private(set) var frames: [(seconds: Double, bytes: [UInt8])] = []

    init(vantages: [String] = ["capture"]) { timeline = Timeline(vantages: vantages) }

    /// Adds a frame at `seconds` and returns its frame number.
    @discardableResult
    mutating func add(_ bytes: [UInt8], at seconds: Double) -> Int {
        timeline.add(bytes, at: seconds)
        frames.append((seconds, bytes))
        frameCount += 1
        return frameCount
    }

    /// The findings of the standard detectors.
    func findings(_ configuration: AnalysisConfiguration = AnalysisConfiguration()) -> [Finding] {
        timeline.findings(configuration: configuration)
    }
}

/// The kinds of the neighbor model's detectors.
let neighborModelKinds: Set<String> = [
    "neighbor.moved", "neighbor.stale_after_move", "neighbor.table_saturated", "arp.duplicate_ip",
    "ndp.duplicate_address", "arp.flip_flop", "ndp.flip_flop",
]

extension Array where Element == Finding {
    /// The findings of the neighbor model's detectors only (other detectors may run too).
    var neighborModel: [Finding] { filter { neighborModelKinds.contains($0.kind.rawValue) } }

    /// "kind severity: summary" lines, for failure messages.
    var listing: String { map { "\($0.kind) \($0.severity): \($0.summary)" }.joined(separator: "\n") }
}

extension Finding {
    /// The frame numbers of the evidence, in time order.
    var evidenceFrames: [Int] { evidence.map(\.reference.frame) }
}

/// Decodes a frame built by FrameBuilder into an observation (for driving a NeighborTable
/// directly).
func observation(_ bytes: [UInt8], frame: Int, at seconds: Double, vantage: Int = 0) -> Observation {
    let packet = PacketDecoder().decode(bytes.span, linkType: .ethernet)
    return Observation(
        reference: FrameReference(vantage: vantage, frame: frame, time: Timeline.time(seconds)), packet: packet,
        originalLength: bytes.count)
}
