//  FrameSightings: where each recent frame was seen ("frame journeys").
//
//  Kept only when two or more vantage points are analysed. Every ARP or IP frame's identity
//  (FrameIdentity) is recorded with its vantage point, frame number, aligned time and
//  destination MAC. A sighting joins an earlier one as a *copy* of the same frame when it has
//  the same identity, comes from a vantage point that has not seen that frame yet, and is at
//  most `copyWindow` later than the first sighting (on the clock-aligned timeline); otherwise
//  it starts a new journey (a retransmission, or an identical periodic frame).
//
//  Bounded: a fixed open-addressing table (`capacity` journeys, 4 probes, at most
//  `maximumSightings` per journey: further copies replace the last one so "last seen at"
//  stays right). A journey older than `retention` is free space; when the probed slots are all
//  younger, the oldest is evicted (counted in `evictions`). Nothing is allocated per frame.

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
    /// Journeys kept at most (a power of two).
    public let capacity: Int
    /// Copies of one frame are at most this far apart on the aligned timeline (ns).
    public let copyWindow: Int64
    /// Journeys are kept at least this long after their first sighting (ns), room permitting.
    public let retention: Int64
    /// Sightings kept per journey.
    public static let maximumSightings = 4
    /// Live journeys overwritten before `retention` because their probe run was full.
    public private(set) var evictions = 0

    private let mask: Int
    // The columns below are read and written on every frame, only by this class and never
    // re-entrantly: no dynamic exclusivity checks.
    @exclusivity(unchecked) private var identities: [UInt64]
    @exclusivity(unchecked) private var counts: [UInt8]
    @exclusivity(unchecked) private var vantages: [Int32]
    @exclusivity(unchecked) private var frames: [Int]
    @exclusivity(unchecked) private var times: [Int64]
    /// Destination MAC raw values; `noMAC` for none.
    @exclusivity(unchecked) private var macs: [UInt64]
    private static let noMAC = UInt64.max
    private static let probes = 4

    /// An empty table with room for `capacity` journeys (rounded up to a power of two).
    public init(capacity: Int = 1 << 15, copyWindow: Int64 = 20_000_000, retention: Int64 = 2_000_000_000) {
        var size = 64
        while size < capacity { size <<= 1 }
        self.capacity = size
        self.copyWindow = copyWindow
        self.retention = max(retention, copyWindow)
        mask = size - 1
        identities = Array(repeating: 0, count: size)
        counts = Array(repeating: 0, count: size)
        vantages = Array(repeating: 0, count: size * Self.maximumSightings)
        frames = Array(repeating: 0, count: size * Self.maximumSightings)
        times = Array(repeating: 0, count: size * Self.maximumSightings)
        macs = Array(repeating: Self.noMAC, count: size * Self.maximumSightings)
    }

    /// Records one sighting (frames must come in aligned-time order).
    public func record(_ identity: FrameIdentity, reference: FrameReference, destinationMAC: MACAddress?) {
        let key = identity.rawValue
        let now = reference.time.nanoseconds
        let home = Int(truncatingIfNeeded: key ^ (key >> 29)) & mask
        var free = -1
        var oldest = -1
        for probe in 0..<Self.probes {
            let slot = (home + probe) & mask
            let count = Int(counts[slot])
            let first = times[slot * Self.maximumSightings]
            if count > 0, identities[slot] == key, now - first <= retention {
                if now - first <= copyWindow, !seen(slot, vantage: reference.vantage) {
                    append(slot, reference, destinationMAC)
                } else {
                    start(slot, key, reference, destinationMAC)
                }
                return
            }
            if count == 0 || now - first > retention {
                if free < 0 { free = slot }
            } else if oldest < 0 || first < times[oldest * Self.maximumSightings] {
                oldest = slot
            }
        }
        if free < 0 {
            evictions += 1
            free = oldest
        }
        start(free, key, reference, destinationMAC)
    }

    /// The journey `reference` belongs to (every sighting of that frame so far, in time order),
    /// or an empty list when it was not recorded or is no longer kept.
    public func sightings(of identity: FrameIdentity, containing reference: FrameReference) -> [FrameSighting] {
        guard let slot = slot(of: identity, where: { self.contains($0, reference) }) else { return [] }
        return list(slot)
    }

    /// The journey of the frame `observation` shows (recorded by the engine before detectors run).
    public func sightings(of observation: Observation) -> [FrameSighting] {
        guard let identity = observation.identity else { return [] }
        return sightings(of: identity, containing: observation.reference)
    }

    /// Where the frame of `observation` was seen last so far.
    public func lastSeen(of observation: Observation) -> FrameSighting? { sightings(of: observation).last }

    private func slot(of identity: FrameIdentity, where matches: (Int) -> Bool) -> Int? {
        let key = identity.rawValue
        let home = Int(truncatingIfNeeded: key ^ (key >> 29)) & mask
        for probe in 0..<Self.probes {
            let slot = (home + probe) & mask
            if counts[slot] > 0, identities[slot] == key, matches(slot) { return slot }
        }
        return nil
    }

    private func contains(_ slot: Int, _ reference: FrameReference) -> Bool {
        let base = slot * Self.maximumSightings
        for index in 0..<Int(counts[slot])
        where Int(vantages[base + index]) == reference.vantage && frames[base + index] == reference.frame {
            return true
        }
        return false
    }

    private func seen(_ slot: Int, vantage: Int) -> Bool {
        let base = slot * Self.maximumSightings
        for index in 0..<Int(counts[slot]) where Int(vantages[base + index]) == vantage { return true }
        return false
    }

    private func start(_ slot: Int, _ key: UInt64, _ reference: FrameReference, _ mac: MACAddress?) {
        identities[slot] = key
        counts[slot] = 0
        append(slot, reference, mac)
    }

    private func append(_ slot: Int, _ reference: FrameReference, _ mac: MACAddress?) {
        let count = Int(counts[slot])
        let index = slot * Self.maximumSightings + min(count, Self.maximumSightings - 1)
        vantages[index] = Int32(truncatingIfNeeded: reference.vantage)
        frames[index] = reference.frame
        times[index] = reference.time.nanoseconds
        macs[index] = mac?.rawValue ?? Self.noMAC
        if count < Self.maximumSightings { counts[slot] = UInt8(count + 1) }
    }

    private func list(_ slot: Int) -> [FrameSighting] {
        let base = slot * Self.maximumSightings
        return (0..<Int(counts[slot])).map { index in
            FrameSighting(
                reference: FrameReference(
                    vantage: Int(vantages[base + index]), frame: frames[base + index],
                    time: Timestamp(nanoseconds: times[base + index])),
                destinationMAC: macs[base + index] == Self.noMAC ? nil : MACAddress(rawValue: macs[base + index]))
        }
    }
}
