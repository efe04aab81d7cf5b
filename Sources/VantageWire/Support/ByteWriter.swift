/// Big-endian appends used by the `emit` functions that build test and evidence frames.
extension Array where Element == UInt8 {
    /// Appends one byte.
    public mutating func append8(_ value: UInt8) { append(value) }

    /// Appends a big-endian 16-bit value.
    public mutating func append16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends a big-endian 32-bit value.
    public mutating func append32(_ value: UInt32) {
        append16(UInt16(truncatingIfNeeded: value >> 16))
        append16(UInt16(truncatingIfNeeded: value))
    }

    /// Appends a big-endian 64-bit value.
    public mutating func append64(_ value: UInt64) {
        append32(UInt32(truncatingIfNeeded: value >> 32))
        append32(UInt32(truncatingIfNeeded: value))
    }

    /// Appends a little-endian 16-bit value.
    public mutating func append16LE(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
    }

    /// Appends a little-endian 32-bit value.
    public mutating func append32LE(_ value: UInt32) {
        append16LE(UInt16(truncatingIfNeeded: value))
        append16LE(UInt16(truncatingIfNeeded: value >> 16))
    }

    /// Appends a MAC address.
    public mutating func append(_ mac: MACAddress) {
        append16(UInt16(truncatingIfNeeded: mac.rawValue >> 32))
        append32(UInt32(truncatingIfNeeded: mac.rawValue))
    }

    /// Appends an IPv4 address.
    public mutating func append(_ address: IPv4Address) { append32(address.rawValue) }

    /// Appends an IPv6 address.
    public mutating func append(_ address: IPv6Address) {
        append64(address.high)
        append64(address.low)
    }

    /// Overwrites a big-endian 16-bit value at `offset` (for checksums and lengths).
    public mutating func set16(_ value: UInt16, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 1] = UInt8(truncatingIfNeeded: value)
    }
}
