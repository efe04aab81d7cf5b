//  FrameSightings: where each recent frame was seen ("frame journeys").
//
//  Kept only when two or more vantage points are analysed. Every ARP or IP frame's identity
//  (FrameIdentity) is written, with its vantage point, frame number, aligned time and
//  destination MAC, into a ring of the most recent `capacity` frames: one sequential 32-byte
//  write per frame, no hashing into a table (measured: a hash table's random accesses cost
//  ~400 ns a frame on these VMs, the ring a few ns). The work is done when a detector asks,
//  which is rare (a stray or stale frame): the journey of a frame is every frame in the ring
//  with the same identity, from another vantage point, at most `copyWindow` from it on the
//  clock-aligned timeline (the nearest one per vantage point; a repeat at the same vantage point
//  is another frame: a retransmission or an identical periodic frame).
//
//  Bounded: `capacity` entries; a query scans back only as far as `copyWindow` before the frame
//  asked about. The ring covers `capacity` frames of capture, e.g. 16 ms at a million frames a
//  second: copies further apart than that in the merged stream are not joined.

import VantageCapture
import VantageWire

/// One place and time a frame was seen.
public struct FrameSighting: Sendable, Hashable {
    /// The vantage point, frame number and aligned time.
    public var reference: FrameReference
    /// The frame's destination MAC there (nil on link types without one).
    public var destinationMAC: MACAddress?

    /// A sighting.
    public init(reference: FrameReference, destinationMAC: MACAddress?) {
        self.reference = reference
        self.destinationMAC = destinationMAC
    }
}

/// Remembers recent frames by identity: at which vantage points each was seen, when, and with
/// which destination MAC.
public final class FrameSightings {
    /// Frames kept (a power of two).
    public let capacity: Int
    /// Copies of one frame are at most this far apart on the aligned timeline (ns).
    public let copyWindow: Int64

    /// One frame (32 bytes).
    private struct Seen {
        var identity: UInt64 = 0
        var time: Int64 = 0
        var frame: Int = 0
        /// Bits 0-47 the destination MAC, 48-62 the vantage, 63 set when there is no MAC.
        var place: UInt64 = 0
    }

    private let mask: Int
    // Written on every frame, only by this class and never re-entrantly: no dynamic exclusivity checks.
    @exclusivity(unchecked) private var ring: [Seen]
    /// Index of the next write.
    private var next = 0
    /// Entries written so far, up to `capacity`.
    private var filled = 0
    private static let noMAC: UInt64 = 1 << 63

    /// An empty ring of `capacity` frames (rounded up to a power of two).
    public init(capacity: Int = 1 << 14, copyWindow: Int64 = 20_000_000) {
        var size = 64
        while size < capacity { size <<= 1 }
        self.capacity = size
        self.copyWindow = copyWindow
        mask = size - 1
        ring = Array(repeating: Seen(), count: size)
    }

    /// Records one sighting (frames must come in aligned-time order).
    @inline(__always)
    public func record(_ identity: FrameIdentity, reference: FrameReference, destinationMAC: MACAddress?) {
        let place = UInt64(truncatingIfNeeded: reference.vantage & 0x7FFF) << 48 | (destinationMAC?.rawValue ?? Self.noMAC)
        ring[next] = Seen(identity: identity.rawValue, time: reference.time.nanoseconds, frame: reference.frame, place: place)
        next = (next + 1) & mask
        if filled < capacity { filled += 1 }
    }

    /// The journey of the frame at `reference` (its sightings at every vantage point still in
    /// the ring, in time order), or an empty list when it is no longer kept.
    public func sightings(of identity: FrameIdentity, containing reference: FrameReference) -> [FrameSighting] {
        let key = identity.rawValue
        let time = reference.time.nanoseconds
        var found = false
        var nearest: [Int: Seen] = [:]
        var index = next
        for _ in 0..<filled {
            index = (index - 1) & mask
            let entry = ring[index]
            if entry.time < time - copyWindow { break }
            guard entry.identity == key, abs(entry.time - time) <= copyWindow else { continue }
            let vantage = Int((entry.place >> 48) & 0x7FFF)
            if vantage == reference.vantage {
                if entry.frame == reference.frame { found = true }
                continue
            }
            if let known = nearest[vantage], abs(known.time - time) <= abs(entry.time - time) { continue }
            nearest[vantage] = entry
        }
        guard found else { return [] }
        var result = [FrameSighting(reference: reference, destinationMAC: mac(of: reference))]
        for (vantage, entry) in nearest {
            result.append(
                FrameSighting(
                    reference: FrameReference(vantage: vantage, frame: entry.frame, time: Timestamp(nanoseconds: entry.time)),
                    destinationMAC: Self.mac(entry.place)))
        }
        return result.sorted { $0.reference < $1.reference }
    }

    /// The journey of the frame `observation` shows (recorded by the engine before detectors run).
    public func sightings(of observation: Observation) -> [FrameSighting] {
        guard let identity = observation.identity else { return [] }
        return sightings(of: identity, containing: observation.reference)
    }

    /// Where the frame of `observation` was seen last so far.
    public func lastSeen(of observation: Observation) -> FrameSighting? { sightings(of: observation).last }

    /// The destination MAC recorded for the frame at `reference` (nil when none or not kept).
    private func mac(of reference: FrameReference) -> MACAddress? {
        var index = next
        for _ in 0..<filled {
            index = (index - 1) & mask
            let entry = ring[index]
            if entry.time < reference.time.nanoseconds { break }
            if entry.frame == reference.frame, Int((entry.place >> 48) & 0x7FFF) == reference.vantage {
                return Self.mac(entry.place)
            }
        }
        return nil
    }

    private static func mac(_ place: UInt64) -> MACAddress? {
        place & noMAC != 0 ? nil : MACAddress(rawValue: place & 0xFFFF_FFFF_FFFF)
    }
}
