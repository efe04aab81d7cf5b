/// Fixed-width reads from a byte span.
///
/// Callers check the span's length once per header and then read fields at constant offsets;
/// each read is still bounds-checked by `Span`, so a wrong guard traps in tests instead of
/// reading foreign memory. Big-endian (network order) unless the name says `LE`.
extension Span where Element == UInt8 {
    /// The byte at `offset`.
    @inlinable @inline(__always)
    public func u8(_ offset: Int) -> UInt8 { self[offset] }

    /// A big-endian 16-bit value at `offset`.
    @inlinable @inline(__always)
    public func u16(_ offset: Int) -> UInt16 {
        UInt16(self[offset]) << 8 | UInt16(self[offset &+ 1])
    }

    /// A big-endian 32-bit value at `offset`.
    @inlinable @inline(__always)
    public func u32(_ offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset &+ 1]) << 16
            | UInt32(self[offset &+ 2]) << 8 | UInt32(self[offset &+ 3])
    }

    /// A big-endian 64-bit value at `offset`.
    @inlinable @inline(__always)
    public func u64(_ offset: Int) -> UInt64 {
        UInt64(u32(offset)) << 32 | UInt64(u32(offset &+ 4))
    }

    /// A little-endian 16-bit value at `offset`.
    @inlinable @inline(__always)
    public func u16LE(_ offset: Int) -> UInt16 {
        UInt16(self[offset]) | UInt16(self[offset &+ 1]) << 8
    }

    /// A little-endian 32-bit value at `offset`.
    @inlinable @inline(__always)
    public func u32LE(_ offset: Int) -> UInt32 {
        UInt32(u16LE(offset)) | UInt32(u16LE(offset &+ 2)) << 16
    }

    /// A 48-bit MAC address at `offset`.
    @inlinable @inline(__always)
    public func mac(_ offset: Int) -> MACAddress {
        MACAddress(rawValue: UInt64(u16(offset)) << 32 | UInt64(u32(offset &+ 2)))
    }

    /// An IPv4 address at `offset`.
    @inlinable @inline(__always)
    public func ipv4(_ offset: Int) -> IPv4Address { IPv4Address(rawValue: u32(offset)) }

    /// An IPv6 address at `offset`.
    @inlinable @inline(__always)
    public func ipv6(_ offset: Int) -> IPv6Address {
        IPv6Address(high: u64(offset), low: u64(offset &+ 8))
    }

    /// Throws `.truncated` unless at least `needed` bytes are present.
    @inlinable @inline(__always)
    public func require(_ needed: Int, for layer: ProtocolLayer) throws(DecodeError) {
        if count < needed { throw .truncated(layer: layer, needed: needed, available: count) }
    }
}
