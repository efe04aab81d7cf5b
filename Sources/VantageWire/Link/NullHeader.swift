//  BSD loopback encapsulation: LINKTYPE_NULL (0) and LINKTYPE_LOOP (108).
//
//  +--------+--------+--------+--------+
//  |   address family (4 octets)       |   then the IP packet
//  +--------+--------+--------+--------+
//
//  NULL stores the family in the *capturing host's* byte order (almost always little-endian
//  today, big-endian from old SPARC/PowerPC hosts); LOOP (OpenBSD) in network byte order.
//  AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD/OpenBSD), 28 (FreeBSD),
//  30 (Darwin).

/// A BSD `AF_*` address family number (open: unknown values round-trip).
public struct AddressFamily: RawRepresentable, Hashable, Sendable, CustomStringConvertible, Codable {
    /// The family number (host order already resolved).
    public var rawValue: UInt32
    /// A family from its number.
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// AF_INET (2) on every system.
    public static let inet = AddressFamily(rawValue: 2)
    /// AF_INET6 on Linux (10).
    public static let inet6Linux = AddressFamily(rawValue: 10)
    /// AF_INET6 on NetBSD and OpenBSD (24).
    public static let inet6BSD = AddressFamily(rawValue: 24)
    /// AF_INET6 on FreeBSD and DragonFly (28).
    public static let inet6FreeBSD = AddressFamily(rawValue: 28)
    /// AF_INET6 on Darwin / macOS (30).
    public static let inet6Darwin = AddressFamily(rawValue: 30)

    /// Whether this is one of the AF_INET6 values.
    public var isInet6: Bool {
        self == .inet6Linux || self == .inet6BSD || self == .inet6FreeBSD || self == .inet6Darwin
    }

    /// The EtherType of the packet that follows: IPv4, IPv6, or nil for other families.
    public var networkType: EtherType? {
        if self == .inet { return .ipv4 }
        return isInet6 ? .ipv6 : nil
    }

    /// tcpdump-like: `IPv4`, `IPv6`, or the number.
    public var description: String {
        if self == .inet { return "IPv4" }
        return isInet6 ? "IPv6" : "family-\(rawValue)"
    }
}

/// The 4-octet address-family header of LINKTYPE_NULL and LINKTYPE_LOOP captures.
public struct NullHeader: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Header length in octets.
    public static let length = 4

    /// The address family, byte order resolved.
    public var family: AddressFamily
    /// Whether the family was (or is to be) stored little-endian; always false for LOOP.
    public var isLittleEndian: Bool

    /// A header from its fields (little-endian by default, as NULL captures on x86/ARM hosts).
    public init(family: AddressFamily, isLittleEndian: Bool = true) {
        self.family = family
        self.isLittleEndian = isLittleEndian
    }

    /// The EtherType of the packet that follows, or nil for a family other than IPv4 / IPv6.
    public var networkType: EtherType? { family.networkType }

    /// Offset of the payload, relative to the header start.
    public var payloadOffset: Int { Self.length }

    /// Parses a LINKTYPE_NULL header: host byte order, detected (a little-endian value below
    /// 0x10000 is taken as is, anything else is read big-endian).
    public static func parse(_ bytes: Span<UInt8>) throws(DecodeError) -> NullHeader {
        try bytes.require(length, for: .null)
        let little = bytes.u32LE(0)
        if little < 0x1_0000 { return NullHeader(family: AddressFamily(rawValue: little), isLittleEndian: true) }
        return NullHeader(family: AddressFamily(rawValue: bytes.u32(0)), isLittleEndian: false)
    }

    /// Parses a LINKTYPE_LOOP header (family in network byte order).
    public static func parseLoop(_ bytes: Span<UInt8>) throws(DecodeError) -> NullHeader {
        try bytes.require(length, for: .loop)
        return NullHeader(family: AddressFamily(rawValue: bytes.u32(0)), isLittleEndian: false)
    }

    /// Parses a LOOP header when `networkByteOrder`, else a NULL header (byte order detected).
    public static func parse(_ bytes: Span<UInt8>, networkByteOrder: Bool) throws(DecodeError) -> NullHeader {
        networkByteOrder ? try parseLoop(bytes) : try parse(bytes)
    }

    /// Parses the header of either link type: `.loop` reads network order, anything else NULL.
    public static func parse(_ bytes: Span<UInt8>, linkType: LinkType) throws(DecodeError) -> NullHeader {
        linkType == .loop ? try parseLoop(bytes) : try parse(bytes)
    }

    /// Appends the 4 header octets in ``isLittleEndian`` order.
    public func emit(into out: inout [UInt8]) {
        if isLittleEndian { out.append32LE(family.rawValue) } else { out.append32(family.rawValue) }
    }

    /// tcpdump-like: `AF IPv4 (2)`.
    public var description: String { "AF \(family) (\(family.rawValue))" }
}
