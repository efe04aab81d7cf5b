//  IPv4 header (RFC 791).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |Version|  IHL  |   DSCP    |ECN|          Total Length         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |         Identification        |0|D|M|     Fragment Offset     |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Time to Live |    Protocol   |         Header Checksum       |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                       Source Address                          |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    Destination Address                        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    Options (IHL*4 - 20 octets)                |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//  IHL in 32-bit words (5..15). Fragment offset in 8-octet units. The checksum covers the
//  header only. Bytes beyond Total Length are link padding and not part of the payload.
//  Total Length 0 is what Linux shows for TSO/GSO super-packets captured on the sending host;
//  like Wireshark we then take the payload to run to the end of the capture.

/// An IPv4 header; options are given as a range only.
public struct IPv4Header: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Length of a header without options.
    public static let minimumLength = 20

    /// IP version (always 4 after a successful parse).
    public var version: UInt8
    /// The type-of-service octet (DSCP and ECN).
    public var tos: UInt8
    /// Identification.
    public var identification: UInt16
    /// The reserved ("evil") flag bit, kept for round trips.
    public var reservedFlag: Bool
    /// Don't Fragment flag.
    public var dontFragment: Bool
    /// More Fragments flag.
    public var moreFragments: Bool
    /// Time to live.
    public var ttl: UInt8
    /// The payload's protocol.
    public var `protocol`: IPProtocol
    /// Header checksum as carried.
    public var checksum: UInt16
    /// Whether the header checksum verified when parsed (true for a built header).
    public var headerChecksumValid: Bool
    /// Whether Total Length claims more octets than were captured (snap length or a lie).
    public var lengthExceedsCapture: Bool
    /// Source address.
    public var source: IPv4Address
    /// Destination address.
    public var destination: IPv4Address
    /// Header length in octets (IHL × 4, 20–60).
    public var headerLength: Int
    /// Total Length field: header plus payload, in octets.
    public var totalLength: Int
    /// Fragment offset in octets (the field × 8).
    public var fragmentOffset: Int
    /// Options, relative to the header start (`20..<headerLength`).
    public var optionsRange: Range<Int>
    /// Payload relative to the header start: `headerLength ..< min(totalLength, captured)`.
    public var payloadRange: Range<Int>

    /// A header from its fields, for building packets. The checksum is computed (for zeroed
    /// options); the payload range assumes the whole packet is present.
    public init(
        source: IPv4Address, destination: IPv4Address, protocol proto: IPProtocol, payloadLength: Int = 0,
        ttl: UInt8 = 64, tos: UInt8 = 0, identification: UInt16 = 0, dontFragment: Bool = false,
        moreFragments: Bool = false, fragmentOffset: Int = 0, headerLength: Int = 20, reservedFlag: Bool = false
    ) {
        version = 4
        self.headerLength = headerLength
        self.tos = tos
        totalLength = headerLength + payloadLength
        self.identification = identification
        self.reservedFlag = reservedFlag
        self.dontFragment = dontFragment
        self.moreFragments = moreFragments
        self.fragmentOffset = fragmentOffset
        self.ttl = ttl
        self.protocol = proto
        checksum = 0
        self.source = source
        self.destination = destination
        optionsRange = Self.minimumLength..<max(Self.minimumLength, headerLength)
        payloadRange = headerLength..<max(headerLength, totalLength)
        headerChecksumValid = true
        lengthExceedsCapture = false
        checksum = computedChecksum(totalLength: totalLength)
    }

    /// DiffServ code point (upper 6 bits of ``tos``).
    public var dscp: UInt8 { tos >> 2 }
    /// Explicit congestion notification (lower 2 bits of ``tos``).
    public var ecn: UInt8 { tos & 0x03 }
    /// Number of payload octets present in the capture.
    public var payloadLength: Int { payloadRange.count }
    /// Whether this is a fragment (MF set or a non-zero offset).
    public var isFragment: Bool { moreFragments || fragmentOffset != 0 }
    /// Whether the fragment offset is 0: an unfragmented datagram or the first fragment, so
    /// the payload starts with the transport header. (A first fragment proper is
    /// `isFragment && isFirstFragment`.)
    public var isFirstFragment: Bool { fragmentOffset == 0 }
    /// Whether the payload starts with the transport header (same as ``isFirstFragment``).
    public var carriesTransportHeader: Bool { fragmentOffset == 0 }
    /// Whether Total Length was 0 (a TSO/GSO packet captured on the sender).
    public var hasZeroTotalLength: Bool { totalLength == 0 }

    /// Parses the header at the start of `bytes` (which runs to the end of the captured frame).
    @inline(__always)
    public static func parse(_ bytes: Span<UInt8>) throws(DecodeError) -> IPv4Header {
        try bytes.require(minimumLength, for: .ipv4)
        let versionIHL = bytes.u8(0)
        let version = versionIHL >> 4
        guard version == 4 else { throw .malformed(layer: .ipv4, offset: 0, reason: "version is not 4") }
        let headerLength = Int(versionIHL & 0x0F) * 4
        guard headerLength >= minimumLength else {
            throw .malformed(layer: .ipv4, offset: 0, reason: "IHL below 5")
        }
        try bytes.require(headerLength, for: .ipv4)
        let totalLength = Int(bytes.u16(2))
        guard totalLength >= headerLength || totalLength == 0 else {
            throw .malformed(layer: .ipv4, offset: 2, reason: "total length shorter than the header")
        }
        let flagsOffset = bytes.u16(6)
        // The RFC 1071 sum over 32-bit words (a header is a whole number of them): the same
        // one's-complement value as summing 16-bit words, in a quarter of the steps.
        var sum = UInt64(bytes.u32(0)) &+ UInt64(bytes.u32(4)) &+ UInt64(bytes.u32(8))
            &+ UInt64(bytes.u32(12)) &+ UInt64(bytes.u32(16))
        var word = minimumLength
        while word < headerLength {
            sum &+= UInt64(bytes.u32(word))
            word &+= 4
        }
        // Fold to 16 bits without a loop: at most 15 words sum to less than 2^36.
        sum = (sum & 0xFFFF_FFFF) &+ (sum >> 32)
        sum = (sum & 0xFFFF) &+ (sum >> 16)
        sum = (sum & 0xFFFF) &+ (sum >> 16)
        sum = (sum & 0xFFFF) &+ (sum >> 16)
        let end = totalLength == 0 ? bytes.count : min(totalLength, bytes.count)
        return IPv4Header(
            headerLength: headerLength, tos: bytes.u8(1), totalLength: totalLength, identification: bytes.u16(4),
            flagsOffset: flagsOffset, ttl: bytes.u8(8), protocol: IPProtocol(rawValue: bytes.u8(9)),
            checksum: bytes.u16(10), source: bytes.ipv4(12), destination: bytes.ipv4(16),
            payloadEnd: end, headerChecksumValid: sum == 0xFFFF, lengthExceedsCapture: totalLength > bytes.count)
    }

    /// The parse-time initializer: plain stores, no allocation.
    private init(
        headerLength: Int, tos: UInt8, totalLength: Int, identification: UInt16, flagsOffset: UInt16, ttl: UInt8,
        protocol proto: IPProtocol, checksum: UInt16, source: IPv4Address, destination: IPv4Address,
        payloadEnd: Int, headerChecksumValid: Bool, lengthExceedsCapture: Bool
    ) {
        version = 4
        self.headerLength = headerLength
        self.tos = tos
        self.totalLength = totalLength
        self.identification = identification
        reservedFlag = flagsOffset & 0x8000 != 0
        dontFragment = flagsOffset & 0x4000 != 0
        moreFragments = flagsOffset & 0x2000 != 0
        fragmentOffset = Int(flagsOffset & 0x1FFF) * 8
        self.ttl = ttl
        self.protocol = proto
        self.checksum = checksum
        self.source = source
        self.destination = destination
        optionsRange = Self.minimumLength..<headerLength
        payloadRange = headerLength..<payloadEnd
        self.headerChecksumValid = headerChecksumValid
        self.lengthExceedsCapture = lengthExceedsCapture
    }

    /// The header checksum over the fixed fields (options taken as zeros), without allocating.
    private func computedChecksum(totalLength: Int) -> UInt16 {
        var sum = InternetChecksum()
        sum.add16(UInt16(version << 4 | UInt8(truncatingIfNeeded: headerLength / 4) & 0x0F) << 8 | UInt16(tos))
        sum.add16(UInt16(truncatingIfNeeded: totalLength))
        sum.add16(identification)
        sum.add16(flagsAndOffset)
        sum.add16(UInt16(ttl) << 8 | UInt16(self.protocol.rawValue))
        sum.add32(source.rawValue)
        sum.add32(destination.rawValue)
        return sum.value
    }

    /// The flags and fragment-offset word as on the wire.
    private var flagsAndOffset: UInt16 {
        let flags: UInt16 = (reservedFlag ? 0x8000 : 0) | (dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0)
        return flags | UInt16(truncatingIfNeeded: fragmentOffset / 8) & 0x1FFF
    }

    private func emitFixed(totalLength: Int, checksum: UInt16, into out: inout [UInt8]) {
        out.append8(version << 4 | UInt8(truncatingIfNeeded: headerLength / 4) & 0x0F)
        out.append8(tos)
        out.append16(UInt16(truncatingIfNeeded: totalLength))
        out.append16(identification)
        out.append16(flagsAndOffset)
        out.append8(ttl)
        out.append8(self.protocol.rawValue)
        out.append16(checksum)
        out.append(source)
        out.append(destination)
    }

    /// Appends the header with ``totalLength`` as stored and a freshly computed checksum.
    /// `options` fill the option area (zero-padded or cut to `headerLength - 20`).
    public func emit(options: [UInt8] = [], into out: inout [UInt8]) {
        emit(totalLength: totalLength, options: options, into: &out)
    }

    /// Appends the header, Total Length set to header + `payload`, the checksum computed, then
    /// appends `payload`.
    public func emit(options: [UInt8] = [], payload: [UInt8], into out: inout [UInt8]) {
        emit(totalLength: headerLength + payload.count, options: options, into: &out)
        out.append(contentsOf: payload)
    }

    private func emit(totalLength: Int, options: [UInt8], into out: inout [UInt8]) {
        let start = out.count
        emitFixed(totalLength: totalLength, checksum: 0, into: &out)
        let optionLength = max(0, headerLength - Self.minimumLength)
        out.append(contentsOf: options.prefix(optionLength))
        out.append(contentsOf: repeatElement(0, count: max(0, optionLength - options.count)))
        var sum = InternetChecksum()
        sum.add(out.span.extracting(start..<out.count))
        out.set16(sum.value, at: start + 10)
    }

    /// The pseudo-header for TCP, UDP (and VRRPv3) checksums.
    public var pseudoHeader: PseudoHeader { .ipv4(source: source, destination: destination) }

    /// tcpdump-like: `IP 10.0.0.1 > 10.0.0.2: ICMP, ttl 64, id 1, length 84`.
    public var description: String {
        var text = "IP \(source) > \(destination): \(self.protocol), ttl \(ttl), id \(identification)"
        if isFragment {
            text += ", frag \(fragmentOffset)\(moreFragments ? "+" : "")"
        } else if dontFragment {
            text += ", DF"
        }
        if !headerChecksumValid { text += ", bad cksum \(WireHex.format(checksum, digits: 4))" }
        text += ", length \(totalLength)"
        return text
    }
}
