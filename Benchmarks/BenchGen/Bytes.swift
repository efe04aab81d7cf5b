// Raw byte stores, one's-complement sums and the generator's PRNG.
//
// The generator writes frames straight into the output buffer through an
// `UnsafeMutableRawPointer`; these helpers are the only place that touches raw memory
// besides `PcapOutput`. Stores are unaligned-safe (SE-0349).

extension UnsafeMutableRawPointer {
    @inline(__always) func put8(_ value: UInt8, _ offset: Int) {
        storeBytes(of: value, toByteOffset: offset, as: UInt8.self)
    }

    /// Big-endian 16-bit store.
    @inline(__always) func put16(_ value: UInt16, _ offset: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt16.self)
    }

    /// Big-endian 32-bit store.
    @inline(__always) func put32(_ value: UInt32, _ offset: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self)
    }

    /// Big-endian 64-bit store.
    @inline(__always) func put64(_ value: UInt64, _ offset: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt64.self)
    }

    /// A MAC address kept in the low 48 bits of `value`.
    @inline(__always) func putMAC(_ value: UInt64, _ offset: Int) {
        put16(UInt16(truncatingIfNeeded: value >> 32), offset)
        put32(UInt32(truncatingIfNeeded: value), offset + 2)
    }

    /// Little-endian 32-bit store (pcap headers).
    @inline(__always) func putLE32(_ value: UInt32, _ offset: Int) {
        storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
    }

    @inline(__always) func putLE16(_ value: UInt16, _ offset: Int) {
        storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt16.self)
    }
}

/// The unfolded RFC 1071 sum of `count` bytes at `pointer` (big-endian words; an odd last
/// byte is the high half of a word).
@inline(__always)
func onesSum(_ pointer: UnsafeRawPointer, _ count: Int) -> UInt64 {
    var sum: UInt64 = 0
    var index = 0
    while index &+ 1 < count {
        sum &+= UInt64(UInt16(bigEndian: pointer.loadUnaligned(fromByteOffset: index, as: UInt16.self)))
        index &+= 2
    }
    if index < count {
        sum &+= UInt64(pointer.load(fromByteOffset: index, as: UInt8.self)) << 8
    }
    return sum
}

/// The sum of a 32-bit value as two 16-bit words.
@inline(__always)
func words(_ value: UInt32) -> UInt64 { UInt64(value >> 16) &+ UInt64(value & 0xFFFF) }

/// The sum of a MAC address (low 48 bits of `value`) as three words.
@inline(__always)
func macWords(_ value: UInt64) -> UInt64 {
    (value >> 32 & 0xFFFF) &+ (value >> 16 & 0xFFFF) &+ (value & 0xFFFF)
}

/// The checksum field value for an unfolded sum taken with the field zero.
@inline(__always)
func checksumValue(_ sum: UInt64) -> UInt16 {
    var folded = sum
    while folded >> 16 != 0 { folded = (folded & 0xFFFF) &+ (folded >> 16) }
    return ~UInt16(truncatingIfNeeded: folded)
}

/// splitmix64: tiny, fast and deterministic; one stream drives the whole capture.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    @inline(__always) mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<bound` (multiply-high; bias is irrelevant here).
    @inline(__always) mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// Uniform in `low...high`.
    @inline(__always) mutating func between(_ low: Int, _ high: Int) -> Int {
        low &+ below(high &- low &+ 1)
    }

    /// True with probability `perMille` / 1000.
    @inline(__always) mutating func chance(perMille: Int) -> Bool { below(1000) < perMille }
}
