//  The SYNs and SYN-ACKs of one handshake, as transmissions with their copies.
//
//  The same segment captured at several vantage points is one transmission. Copies are
//  recognised by connection + flags + sequence numbers (fixed for one side of a handshake) and a
//  fingerprint of what changes between retransmissions: the IPv4 identification and the TCP
//  timestamp value (a router rewrites MACs and TTL, not these). Clocks of the vantage points may
//  be off by up to about a second, so:
//    - at a vantage point that has not seen the transmission yet, a segment with the same TCP
//      timestamp value within `copy_window` is a copy (different values never are: that holds
//      even when a vantage point's clock is off by about an RTO); without timestamps, one within
//      `sameSegmentGap` (0.2 s, below any RTO) is a copy whatever its IP id (pf's `scrub
//      random-id` rewrites it), and one within `copy_window` when the IP ids agree; the most
//      recent such transmission wins;
//    - at a vantage point that has, an identical segment within `duplicateGap` is the capture
//      seeing it twice (a Linux `any` capture of a bridge), anything else a retransmission.
//  Limitation: a segment with no fingerprint (IP id 0, no timestamps) whose first transmission
//  was lost before one vantage point, retransmitted within copy_window, and whose copy at that
//  vantage arrives on the merged timeline before the retransmission's own first copy, is taken
//  as a copy of the first transmission.
//
//  Everything here is fixed-size (InlineArray): recording a segment allocates nothing.

import VantageCapture
import VantageState
import VantageWire

/// One captured copy of a segment: where, when, and its link-layer addresses.
struct SegmentSighting: Sendable {
    /// Time on the merged timeline.
    var time: Timestamp
    /// Frame number in its capture file.
    var frame: UInt32
    /// Vantage point index.
    var vantage: UInt16
    /// Link-layer source (zero when the link type has none).
    var source: MACAddress
    /// Link-layer destination (zero when the link type has none, e.g. a cooked capture).
    var destination: MACAddress

    /// An empty sighting (storage filler).
    static let none = SegmentSighting(time: .zero, frame: 0, vantage: 0, source: .zero, destination: .zero)

    /// The sighting of `observation`.
    @inline(__always)
    init(_ observation: Observation) {
        time = observation.reference.time
        frame = UInt32(truncatingIfNeeded: observation.reference.frame)
        vantage = UInt16(truncatingIfNeeded: observation.reference.vantage)
        source = observation.sourceMAC ?? .zero
        destination = observation.destinationMAC ?? .zero
    }

    init(time: Timestamp, frame: UInt32, vantage: UInt16, source: MACAddress, destination: MACAddress) {
        self.time = time
        self.frame = frame
        self.vantage = vantage
        self.source = source
        self.destination = destination
    }

    /// The frame as findings cite it.
    var reference: FrameReference { FrameReference(vantage: Int(vantage), frame: Int(frame), time: time) }

    /// Whether the capture kept the destination MAC.
    var hasDestinationMAC: Bool { destination != .zero }
}

/// One transmission of a segment and the copies of it that the vantage points captured.
struct SegmentTransmission: Sendable {
    /// What tells this transmission from a retransmission (IP id, TCP timestamp value).
    var fingerprint: UInt64
    /// The vantage points that captured it (bit per vantage index; index 63 stands for 63+).
    var vantages: UInt64
    /// The first `copyLimit` copies, in merged-time order.
    var copies: InlineArray<3, SegmentSighting>
    /// How many copies are stored.
    var copyCount: UInt8

    /// Copies kept per transmission.
    static let copyLimit = 3

    /// A transmission first seen as `sighting`.
    init(_ sighting: SegmentSighting, fingerprint: UInt64) {
        self.fingerprint = fingerprint
        vantages = Self.bit(sighting.vantage)
        copies = InlineArray(repeating: .none)
        copies[0] = sighting
        copyCount = 1
    }

    /// The first copy seen.
    var first: SegmentSighting { copies[0] }

    /// The stored copies.
    var sightings: [SegmentSighting] { (0..<Int(copyCount)).map { copies[$0] } }

    /// The vantage bit of `vantage`.
    @inline(__always)
    static func bit(_ vantage: UInt16) -> UInt64 { 1 << UInt64(min(vantage, 63)) }

    /// Adds one more copy.
    @inline(__always)
    mutating func addCopy(_ sighting: SegmentSighting) {
        vantages |= Self.bit(sighting.vantage)
        if Int(copyCount) < Self.copyLimit {
            copies[Int(copyCount)] = sighting
            copyCount += 1
        }
    }
}

/// The transmissions of one kind of segment (the SYNs, or the SYN-ACKs) of a handshake.
struct TransmissionLog: Sendable {
    /// The first `limit` transmissions.
    var items: InlineArray<5, SegmentTransmission>
    /// How many are stored.
    var stored: UInt8 = 0
    /// How many there were (stored or not).
    var total: UInt16 = 0
    /// Time of the latest transmission's first copy.
    var lastTime: Timestamp = .zero

    /// Transmissions kept per log.
    static let limit = 5

    /// An empty log.
    init() { items = InlineArray(repeating: SegmentTransmission(.none, fingerprint: 0)) }

    /// Whether any transmission was seen.
    var isEmpty: Bool { total == 0 }

    /// The stored transmissions.
    var transmissions: [SegmentTransmission] { (0..<Int(stored)).map { items[$0] } }

    /// Records `sighting`: a copy of a transmission already logged, or a new transmission.
    @inline(__always)
    mutating func record(_ sighting: SegmentSighting, fingerprint: UInt64, windows: CopyWindows) {
        var index = Int(stored) - 1
        while index >= 0 {
            let transmission = items[index]
            let gap = abs(sighting.time - transmission.first.time)
            if transmission.vantages & SegmentTransmission.bit(sighting.vantage) != 0 {
                if gap <= windows.duplicate && transmission.fingerprint == fingerprint {
                    return  // the capture saw this frame twice
                }
            } else if Self.isCopy(transmission.fingerprint, fingerprint, gap: gap, windows) {
                items[index].addCopy(sighting)
                return
            }
            index -= 1
        }
        // Beyond the stored ones: a copy of the latest is not a new transmission either.
        if stored == UInt8(Self.limit), abs(sighting.time - lastTime) <= windows.sameSegment { return }
        total &+= 1
        lastTime = sighting.time
        if Int(stored) < Self.limit {
            items[Int(stored)] = SegmentTransmission(sighting, fingerprint: fingerprint)
            stored += 1
        }
    }

    /// Whether a segment `gap` ns from a transmission at a vantage point that has not seen it is a
    /// copy of it. TCP timestamps decide when both carry one (they survive routers, pf's random-id
    /// and misaligned clocks); without them, nearness in time and the IP id.
    @inline(__always)
    static func isCopy(_ a: UInt64, _ b: UInt64, gap: Int64, _ windows: CopyWindows) -> Bool {
        if segmentHasTimestamp(a) && segmentHasTimestamp(b) {
            return UInt32(truncatingIfNeeded: a) == UInt32(truncatingIfNeeded: b) && gap <= windows.copy
        }
        return gap <= windows.sameSegment || (gap <= windows.copy && a == b)
    }

    /// Gaps between the first copies of consecutive stored transmissions.
    var gaps: [Int64] {
        guard stored > 1 else { return [] }
        return (1..<Int(stored)).map { items[$0].first.time - items[$0 - 1].first.time }
    }
}

/// The time windows that decide whether two sightings are copies of one transmission (ns).
struct CopyWindows: Sendable {
    /// Copies at different vantage points with matching fingerprints lie within this.
    var copy: Int64
    /// Segments at different vantage points this close are copies whatever their fingerprint.
    var sameSegment: Int64 = 200_000_000
    /// An identical segment seen again at the same vantage point this soon is a duplicate capture.
    var duplicate: Int64 = 50_000_000
}

/// What distinguishes a retransmission from its original: the IPv4 id (bits 48-63) and the TCP
/// timestamp value (bits 0-31, bit 47 set when present).
@inline(__always)
func segmentFingerprint(_ observation: Observation, _ tcp: TCPHeader) -> UInt64 {
    var value: UInt64 = 0
    if observation.shape.network == .ipv4, case .ipv4(let ip) = observation.packet.network {
        value = UInt64(ip.identification) << 48
    }
    if let tsval = tcp.options.timestampValue { value |= UInt64(tsval) | 1 << 47 }
    return value
}

/// Whether a fingerprint carries a TCP timestamp value.
@inline(__always)
func segmentHasTimestamp(_ fingerprint: UInt64) -> Bool { fingerprint & (1 << 47) != 0 }

/// `transmissions` in the order they were sent: by TCP timestamp value when all carry one
/// (the sender's clock, whatever the vantage points' clocks say), else as first seen.
func sendingOrder(_ transmissions: [SegmentTransmission]) -> [SegmentTransmission] {
    guard transmissions.count > 1, transmissions.allSatisfy({ segmentHasTimestamp($0.fingerprint) }) else { return transmissions }
    let base = UInt32(truncatingIfNeeded: transmissions[0].fingerprint)
    return transmissions.sorted {
        Int32(bitPattern: UInt32(truncatingIfNeeded: $0.fingerprint) &- base)
            < Int32(bitPattern: UInt32(truncatingIfNeeded: $1.fingerprint) &- base)
    }
}
