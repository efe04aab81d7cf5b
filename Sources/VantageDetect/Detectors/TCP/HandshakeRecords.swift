//  A handshake while it is tracked (fixed size, lives in the bounded pending table), and its
//  outcome once decided (kept only for handshakes that failed or were slow: rare).

import VantageCapture
import VantageState
import VantageWire

/// A handshake in the pending table.
struct PendingHandshake: Sendable {
    /// Whether the client is the key's lower endpoint.
    var clientIsLow: Bool
    /// Whether a SYN was seen (else the entry was opened by a SYN-ACK: the SYN was not captured).
    var sawSYN: Bool
    /// The client's initial sequence number (from the SYN, or the SYN-ACK's ack - 1).
    var clientISN: UInt32
    /// The SYN transmissions.
    var syns = TransmissionLog()
    /// The SYN-ACK transmissions.
    var synAcks = TransmissionLog()
    /// First segment of the handshake.
    var start: Timestamp
    /// Latest SYN, SYN-ACK, RST or completing segment.
    var lastActivity: Timestamp
    /// The segment that showed the handshake complete (a non-SYN segment with ACK).
    var completion: SegmentSighting?
    /// A RST while the handshake was open.
    var reset: SegmentSighting?
    /// Whether the server sent the RST (else the client).
    var resetByServer = false

    /// Whether any SYN or SYN-ACK was sent more than once.
    var retransmitted: Bool { syns.total > 1 || synAcks.total > 1 }
}

/// How a tracked handshake ended.
enum HandshakeResult: String, Sendable {
    /// Completed at the first attempt (counted, not kept).
    case completed
    /// Completed after a retransmission.
    case slow
    /// The server answered the SYN with a RST.
    case refused
    /// No SYN-ACK was seen at any vantage point.
    case noSynAck = "no_syn_ack"
    /// SYN-ACKs were sent but the handshake never completed.
    case synAckUnacknowledged = "syn_ack_unacknowledged"
}

/// A decided handshake that failed or was slow, with everything the report and the causes need.
struct HandshakeOutcome: Sendable {
    /// VLAN (0 when untagged).
    var vlan: UInt16
    /// The client end.
    var client: TCPEndpoint
    /// The server end.
    var server: TCPEndpoint
    /// How it ended.
    var result: HandshakeResult
    /// Whether a SYN was captured.
    var sawSYN: Bool
    /// SYN transmissions (stored ones) and their total.
    var syns: [SegmentTransmission]
    var synCount: Int
    /// SYN-ACK transmissions (stored ones) and their total.
    var synAcks: [SegmentTransmission]
    var synAckCount: Int
    /// The completing segment (slow handshakes).
    var completion: SegmentSighting?
    /// The RST (refused handshakes).
    var reset: SegmentSighting?
    /// First segment.
    var start: Timestamp
    /// Latest segment.
    var end: Timestamp

    /// The delay the user felt: completion minus the first SYN (slow handshakes).
    var delay: Int64? { completion.map { $0.time - start } }

    /// Gaps between the client's SYN transmissions.
    var synGaps: [Int64] { Self.gaps(syns) }
    /// Gaps between the server's SYN-ACK transmissions.
    var synAckGaps: [Int64] { Self.gaps(synAcks) }

    private static func gaps(_ list: [SegmentTransmission]) -> [Int64] {
        guard list.count > 1 else { return [] }
        return (1..<list.count).map { list[$0].first.time - list[$0 - 1].first.time }
    }

    /// Every copy of every SYN and SYN-ACK, with whether it is a SYN-ACK and its transmission number.
    var allSightings: [(synAck: Bool, number: Int, sighting: SegmentSighting)] {
        var list: [(Bool, Int, SegmentSighting)] = []
        for (index, transmission) in syns.enumerated() { for copy in transmission.sightings { list.append((false, index + 1, copy)) } }
        for (index, transmission) in synAcks.enumerated() { for copy in transmission.sightings { list.append((true, index + 1, copy)) } }
        return list
    }
}

/// Handshake counts of one server (all its ports), for ratios and the "1 in N" figure.
struct HandshakeServerStats: Sendable {
    /// Handshakes begun (each connection once, whatever its retransmissions).
    var handshakes = 0
    /// Completed (at once or after retransmission).
    var completed = 0
    /// Completed only after retransmission.
    var slow = 0
    /// Never completed (refused, unanswered, unacknowledged).
    var failed = 0
    /// Refused with a RST.
    var refused = 0
    /// Aborted by the client with a RST.
    var aborted = 0
    /// Never completed, but nobody retransmitted (a scan, or a capture missing one direction): not judged.
    var unconfirmed = 0
    /// Still in flight when the capture ended.
    var inFlight = 0
    /// Never completed, and no SYN was captured (not judged).
    var withoutSYN = 0
    /// Forgotten because the pending table was full.
    var evicted = 0
    /// Failed or slow handshakes not kept for the report (outcome store full).
    var unrecorded = 0
}

/// When one service (server address and port) accepted connections: its first and last
/// completed handshakes.
struct HandshakeServiceSpan: Sendable {
    /// The segment that completed its first handshake.
    var first: SegmentSighting
    /// Time of the segment that completed its latest handshake.
    var last: Timestamp
}
