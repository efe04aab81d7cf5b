// CARP advertisement (OpenBSD / FreeBSD ip_carp, ucarp): IP protocol 112, 36 octets.
// Shares protocol 112 and the first octet 0x21 with VRRPv2: use `Protocol112.classify` first.
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  0 |Version| Type  |     VHID      |    AdvSkew    |    AuthLen    |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  4 | Demote / pad1 |    AdvBase    |           Checksum            |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  8 |                     Counter (64 bits, big-endian)             |
//    +                                                               +
//    |                                                               |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// 16 |                     SHA1-HMAC (20 octets)                     |
//    +                              ...                              +
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// version 2, type 1 (advertisement); AuthLen 7 (counter + HMAC in 32-bit words); octet 4 is
// OpenBSD's demotion counter, `pad1` (0) in FreeBSD before 15 and ucarp; AdvBase in seconds,
// AdvSkew in 1/256 s. Checksum: one's complement over the 36 octets, no pseudo-header.
// Octets after the 36 are accepted and counted in `trailingByteCount`.

/// A CARP message type (open: unknown values round-trip).
public struct CARPType: RawRepresentable, Hashable, Sendable, Encodable, CustomStringConvertible {
    /// The 4-bit type.
    public var rawValue: UInt8
    /// A type from its value.
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Advertisement (1), the only CARP message.
    public static let advertisement = CARPType(rawValue: 1)

    /// `advertisement` or `type-N`.
    public var description: String { self == .advertisement ? "advertisement" : "type-\(rawValue)" }
}

/// A decoded CARP advertisement.
public struct CARPAdvertisement: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// The fixed length of a CARP header.
    public static let length = 36

    /// Protocol version (2).
    public var version: UInt8
    /// Message type (1 = advertisement).
    public var type: CARPType
    /// Virtual host ID (1–255).
    public var vhid: UInt8
    /// Advertisement skew in 1/256 s.
    public var advskew: UInt8
    /// Authentication length in 32-bit words (7).
    public var authLength: UInt8
    /// OpenBSD demotion counter (`pad1`, 0, elsewhere).
    public var demote: UInt8
    /// Advertisement base interval in seconds.
    public var advbase: UInt8
    /// Checksum as on the wire.
    public var checksum: UInt16
    /// 64-bit replay counter.
    public var counter: UInt64
    /// The SHA1-HMAC octets, relative to the start of the header (16 ..< 36).
    public var hmacRange: Range<Int>
    /// Octets after the 36-octet header within the input (normally 0).
    public var trailingByteCount: Int

    /// An advertisement for building frames.
    public init(
        version: UInt8 = 2, type: CARPType = .advertisement, vhid: UInt8, advskew: UInt8 = 0,
        authLength: UInt8 = 7, demote: UInt8 = 0, advbase: UInt8 = 1, checksum: UInt16 = 0,
        counter: UInt64 = 0, hmacRange: Range<Int> = 16..<36, trailingByteCount: Int = 0
    ) {
        self.version = version
        self.type = type
        self.vhid = vhid
        self.advskew = advskew
        self.authLength = authLength
        self.demote = demote
        self.advbase = advbase
        self.checksum = checksum
        self.counter = counter
        self.hmacRange = hmacRange
        self.trailingByteCount = trailingByteCount
    }

    // MARK: - Parse

    /// Decodes a CARP header; throws when fewer than 36 octets are captured or the version is not 2.
    public static func parse(_ bytes: Span<UInt8>) throws(DecodeError) -> CARPAdvertisement {
        try bytes.require(36, for: .carp)
        let version = bytes.u8(0) >> 4
        guard version == 2 else {
            throw .malformed(layer: .carp, offset: 0, reason: "CARP version is not 2")
        }
        return CARPAdvertisement(
            version: version,
            type: CARPType(rawValue: bytes.u8(0) & 0x0F),
            vhid: bytes.u8(1),
            advskew: bytes.u8(2),
            authLength: bytes.u8(3),
            demote: bytes.u8(4),
            advbase: bytes.u8(5),
            checksum: bytes.u16(6),
            counter: bytes.u64(8),
            hmacRange: 16..<36,
            trailingByteCount: bytes.count - 36
        )
    }

    /// Whether the one's-complement checksum over the first 36 octets verifies (false if fewer).
    public static func checksumValid(_ bytes: Span<UInt8>) -> Bool {
        guard bytes.count >= 36 else { return false }
        var sum = InternetChecksum()
        sum.add(bytes.extracting(0..<36))
        return sum.isValid
    }

    // MARK: - Timing (carp_setrun; protocols.md §4.3)

    /// The master's advertisement period in seconds: advbase + advskew/256.
    public var advertisementPeriod: Double { Double(advbase) + Double(advskew) / 256 }

    /// A backup's master-down timeout in seconds: deadRatio × advbase + advskew/256, where a
    /// backup uses its *own* advbase and advskew (ucarp's `--deadratio`, default 3).
    public static func masterDownTimeout(advbase: UInt8, advskew: UInt8, deadRatio: Int = 3) -> Double {
        Double(deadRatio) * Double(advbase) + Double(advskew) / 256
    }

    /// Whether this sender advertises more often than `other` (smaller (advbase, advskew)),
    /// i.e. wins the election; an equal pair is not more frequent.
    public func isMoreFrequent(than other: CARPAdvertisement) -> Bool {
        (advbase, advskew) < (other.advbase, other.advskew)
    }

    /// BSD kernel CARP virtual MAC: 00:00:5e:00:01:{vhid}.
    public static func virtualMAC(vhid: UInt8) -> MACAddress { MACAddress(0x00, 0x00, 0x5E, 0x00, 0x01, vhid) }

    /// Ethernet source of ucarp's hand-built advertisements: 00:00:5e:00:00:{vhid} (note the 00).
    public static func ucarpSourceMAC(vhid: UInt8) -> MACAddress { MACAddress(0x00, 0x00, 0x5E, 0x00, 0x00, vhid) }

    // MARK: - Emit

    /// Appends the 36-octet header with `hmac` (zero-padded or cut to 20 octets) and a computed checksum.
    public func emit(hmac: [UInt8] = [], into out: inout [UInt8]) {
        var header: [UInt8] = []
        header.reserveCapacity(36)
        header.append8(version << 4 | type.rawValue & 0x0F)
        header.append8(vhid)
        header.append8(advskew)
        header.append8(authLength)
        header.append8(demote)
        header.append8(advbase)
        header.append16(0)
        header.append64(counter)
        header += hmac.prefix(20)
        while header.count < 36 { header.append(0) }
        header.set16(InternetChecksum.of(header), at: 6)
        out += header
    }

    // MARK: - Description

    /// tcpdump-like text: `CARPv2, vhid 7, advbase 1, advskew 100, demote 0`.
    public var description: String {
        var text = "CARPv\(version)"
        if type != .advertisement { text += ", \(type)" }
        text += ", vhid \(vhid), advbase \(advbase), advskew \(advskew), demote \(demote)"
        if authLength != 7 { text += ", authlen \(authLength)" }
        return text
    }
}
