// VRRP advertisement, version 2 (RFC 3768 §5) and version 3 (RFC 5798 §5; RFC 9568).
// IP protocol 112, shared with CARP: use `Protocol112.classify` first.
//
// VRRPv2 (IPv4 only), length 16 + 4n:
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  0 |Version| Type  | Virtual Rtr ID|   Priority    | Count IP Addrs|
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  4 |   Auth Type   |   Adver Int   |          Checksum             |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  8 |                         IP Address (1)  ...  (n)              |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// 8+4n |                   Authentication Data (1)                   |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//      |                   Authentication Data (2)                   |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    Adver Int in seconds; checksum over the message only (no pseudo-header).
//
// VRRPv3, length 8 + 4n (IPv4) or 8 + 16n (IPv6):
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  0 |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  4 |(rsvd) |     Max Adver Int     |          Checksum             |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  8 |                  IPvX Address(es) (n x 4 or n x 16)           |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    Max Adver Int in centiseconds; checksum with the IP pseudo-header per RFC 5798 §5.2.8,
//    but several implementations (Cisco, Juniper, keepalived `v3_checksum_as_v2`) omit the
//    pseudo-header: `checksumKind` accepts either and reports which one matched.
//
// Lengths: `parse` needs the whole message (16 + 4n, 8 + 4n or 8 + 16n octets). Fewer captured
// octets throw `.truncated`; an IP payload (`declaredLength`) too short for the address count
// throws `.malformed`. Octets after the message are accepted and counted in
// `trailingByteCount` (a fact for detectors, not an error): keepalived and routers never send
// them, and zero Ethernet padding would not change the checksum anyway. The checksum covers
// the message only.

/// A VRRP message type (open: unknown values round-trip). Only Advertisement (1) is defined.
public struct VRRPType: RawRepresentable, Hashable, Sendable, Encodable, CustomStringConvertible {
    /// The 4-bit type.
    public var rawValue: UInt8
    /// A type from its value.
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Advertisement (1), the only VRRP message.
    public static let advertisement = VRRPType(rawValue: 1)

    /// `advertisement` or `type-N`.
    public var description: String { self == .advertisement ? "advertisement" : "type-\(rawValue)" }
}

/// A VRRPv2 authentication type (open: unknown values round-trip).
public struct VRRPAuthType: RawRepresentable, Hashable, Sendable, Encodable, CustomStringConvertible {
    /// The auth type octet.
    public var rawValue: UInt8
    /// An auth type from its octet.
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// No authentication (0).
    public static let none = VRRPAuthType(rawValue: 0)
    /// Simple text password (1), in the 8 auth data octets.
    public static let simpleText = VRRPAuthType(rawValue: 1)
    /// IP Authentication Header (2; RFC 2338, removed by RFC 3768, still seen).
    public static let ipAuthenticationHeader = VRRPAuthType(rawValue: 2)

    /// tcpdump's names: `none`, `simple`, `ah`, or the number.
    public var description: String {
        switch self {
        case .none: "none"
        case .simpleText: "simple"
        case .ipAuthenticationHeader: "ah"
        default: String(rawValue)
        }
    }
}

/// The address family of a VRRP advertisement's addresses (IPv6 only with VRRPv3).
public enum VRRPAddressFamily: String, Sendable, Hashable, Encodable {
    /// IPv4 addresses, 4 octets each.
    case ipv4
    /// IPv6 addresses, 16 octets each.
    case ipv6
}

/// Which checksum computation an advertisement's checksum matched.
public enum VRRPChecksumKind: String, Sendable, Hashable, Encodable {
    /// Over the VRRP message only (VRRPv2; VRRPv3 "as v2").
    case plain
    /// Over the IP pseudo-header and the message (VRRPv3, RFC 5798 §5.2.8).
    case pseudoHeader
    /// Neither matched (or the message was not fully captured).
    case invalid
}

/// A decoded VRRPv2 or VRRPv3 advertisement.
public struct VRRPAdvertisement: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Protocol version: 2 or 3.
    public var version: UInt8
    /// Message type (1 = advertisement).
    public var type: VRRPType
    /// Virtual router ID (1–255).
    public var vrid: UInt8
    /// Sender priority: 255 = address owner, 0 = master resigning, default 100.
    public var priority: UInt8
    /// Number of addresses in the message.
    public var addressCount: Int
    /// VRRPv2 authentication type; nil for VRRPv3 (which has none).
    public var authType: VRRPAuthType?
    /// Advertisement interval in centiseconds (VRRPv2 seconds × 100; VRRPv3 as sent, 12 bits).
    public var advertisementIntervalCentiseconds: UInt16
    /// Checksum as on the wire.
    public var checksum: UInt16
    /// Family of the addresses (IPv6 only for VRRPv3 over IPv6).
    public var addressFamily: VRRPAddressFamily
    /// The address octets, relative to the start of the message.
    public var addressesRange: Range<Int>
    /// VRRPv2 authentication data (8 octets, big-endian); nil for VRRPv3.
    public var authData: UInt64?
    /// The first IPv4 address, if any (kept inline for output without the bytes).
    public var firstIPv4Address: IPv4Address?
    /// The first IPv6 address, if any.
    public var firstIPv6Address: IPv6Address?
    /// An order-independent digest of all the listed addresses (0 when there are none), kept
    /// inline so state engines can tell whether two routers list the same virtual addresses
    /// without the bytes (``firstIPv4Address`` / ``firstIPv6Address`` and ``addressCount`` hold
    /// the rest of what is kept). See ``addressesDigest(of:)``.
    public var addressesDigest: UInt64
    /// Message length implied by version and count (16 + 4n, 8 + 4n or 8 + 16n).
    public var length: Int
    /// Octets after the message within the IP payload (normally 0).
    public var trailingByteCount: Int

    /// An advertisement for building frames. For VRRPv2 `authType` defaults to `.none` and the
    /// interval should be a multiple of 100 cs. Ranges and counts are recomputed by `emit`.
    public init(
        version: UInt8 = 2, type: VRRPType = .advertisement, vrid: UInt8, priority: UInt8 = 100,
        addressCount: Int = 0, authType: VRRPAuthType? = nil,
        advertisementIntervalCentiseconds: UInt16 = 100, checksum: UInt16 = 0,
        addressFamily: VRRPAddressFamily = .ipv4, addressesRange: Range<Int> = 8..<8,
        authData: UInt64? = nil, firstIPv4Address: IPv4Address? = nil,
        firstIPv6Address: IPv6Address? = nil, addressesDigest: UInt64 = 0, length: Int = 0,
        trailingByteCount: Int = 0
    ) {
        self.version = version
        self.type = type
        self.vrid = vrid
        self.priority = priority
        self.addressCount = addressCount
        self.authType = authType ?? (version == 2 ? VRRPAuthType.none : nil)
        self.advertisementIntervalCentiseconds = advertisementIntervalCentiseconds
        self.checksum = checksum
        self.addressFamily = addressFamily
        self.addressesRange = addressesRange
        self.authData = authData ?? (version == 2 ? 0 : nil)
        self.firstIPv4Address = firstIPv4Address
        self.firstIPv6Address = firstIPv6Address
        self.addressesDigest = addressesDigest
        self.length = length
        self.trailingByteCount = trailingByteCount
    }

    // MARK: - Parse

    /// Decodes a VRRP advertisement.
    ///
    /// `bytes` is the IP payload as captured; `isIPv6` says the carrier is IPv6 (addresses are
    /// then 16 octets; VRRPv2 over IPv6 is malformed); `declaredLength` is the payload length
    /// from the IP header when known: a count that does not fit it is malformed, while without
    /// it a short span is taken as a snap-length cut (truncated).
    public static func parse(
        _ bytes: Span<UInt8>, isIPv6: Bool = false, declaredLength: Int? = nil
    ) throws(DecodeError) -> VRRPAdvertisement {
        try bytes.require(8, for: .vrrp)
        let version = bytes.u8(0) >> 4
        let count = Int(bytes.u8(3))
        let needed: Int
        switch version {
        case 2:
            guard !isIPv6 else { throw .malformed(layer: .vrrp, offset: 0, reason: "VRRPv2 over IPv6") }
            needed = 16 + 4 * count
        case 3:
            needed = 8 + (isIPv6 ? 16 : 4) * count
        default:
            throw .malformed(layer: .vrrp, offset: 0, reason: "version is not 2 or 3")
        }
        if let declaredLength, declaredLength < needed {
            throw .malformed(layer: .vrrp, offset: 3, reason: "address count exceeds the IP payload")
        }
        if bytes.count < needed {
            throw .truncated(layer: .vrrp, needed: needed, available: bytes.count)
        }
        let addressSize = isIPv6 ? 16 : 4
        let addressesEnd = 8 + addressSize * count
        let octet4 = bytes.u8(4)
        return VRRPAdvertisement(
            version: version,
            type: VRRPType(rawValue: bytes.u8(0) & 0x0F),
            vrid: bytes.u8(1),
            priority: bytes.u8(2),
            addressCount: count,
            authType: version == 2 ? VRRPAuthType(rawValue: octet4) : nil,
            advertisementIntervalCentiseconds: version == 2
                ? UInt16(bytes.u8(5)) * 100 : bytes.u16(4) & 0x0FFF,
            checksum: bytes.u16(6),
            addressFamily: isIPv6 ? .ipv6 : .ipv4,
            addressesRange: 8..<addressesEnd,
            authData: version == 2 ? bytes.u64(addressesEnd) : nil,
            firstIPv4Address: !isIPv6 && count > 0 ? bytes.ipv4(8) : nil,
            firstIPv6Address: isIPv6 && count > 0 ? bytes.ipv6(8) : nil,
            addressesDigest: addressesDigest(bytes, from: 8, count: count, size: addressSize),
            length: needed,
            trailingByteCount: (declaredLength ?? bytes.count) - needed
        )
    }

    /// The order-independent digest of `count` addresses of `size` octets at `offset`: the
    /// wrapping sum of each address's FNV-1a hash (so the same set in another order matches).
    static func addressesDigest(_ bytes: Span<UInt8>, from offset: Int, count: Int, size: Int) -> UInt64 {
        var digest: UInt64 = 0
        for index in 0..<count {
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            let start = offset + size * index
            for position in start..<(start + size) {
                hash = (hash ^ UInt64(bytes.u8(position))) &* 0x0000_0100_0000_01B3
            }
            digest = digest &+ hash
        }
        return digest
    }

    /// The digest ``addressesDigest`` holds for an advertisement listing `addresses` (any order).
    public static func addressesDigest(of addresses: [IPv4Address]) -> UInt64 {
        var octets: [UInt8] = []
        for address in addresses { octets.append32(address.rawValue) }
        return addressesDigest(octets.span, from: 0, count: addresses.count, size: 4)
    }

    /// IPv4 address `index` (0 ..< addressCount) from the bytes given to `parse`.
    ///
    /// Precondition: an IPv4 advertisement, `index < addressCount`, and the same `bytes`.
    public func address(_ index: Int, in bytes: Span<UInt8>) -> IPv4Address {
        precondition(addressFamily == .ipv4 && index >= 0 && index < addressCount, "VRRP address index out of range")
        return bytes.ipv4(addressesRange.lowerBound + 4 * index)
    }

    /// IPv6 address `index` (0 ..< addressCount) from the bytes given to `parse`.
    ///
    /// Precondition: an IPv6 advertisement, `index < addressCount`, and the same `bytes`.
    public func ipv6Address(_ index: Int, in bytes: Span<UInt8>) -> IPv6Address {
        precondition(addressFamily == .ipv6 && index >= 0 && index < addressCount, "VRRP address index out of range")
        return bytes.ipv6(addressesRange.lowerBound + 16 * index)
    }

    /// Which checksum the message matches: for VRRPv3 the pseudo-header form is tried first
    /// (needs `pseudo`), then the plain form; VRRPv2 uses the plain form only.
    ///
    /// `bytes` must be the bytes given to `parse` (`.invalid` if shorter than ``length``).
    public func checksumKind(_ bytes: Span<UInt8>, pseudo: PseudoHeader? = nil) -> VRRPChecksumKind {
        guard length >= 8, bytes.count >= length else { return .invalid }
        let message = bytes.extracting(0..<length)
        if version == 3, let pseudo, pseudo.verifies(message, protocol: .vrrp) { return .pseudoHeader }
        var plain = InternetChecksum()
        plain.add(message)
        return plain.isValid ? .plain : .invalid
    }

    // MARK: - Priority and timers (RFC 3768 / RFC 5798 §6.1)

    /// Priority 0: the master is resigning; backups wait only Skew_Time.
    public var isResigning: Bool { priority == 0 }
    /// Priority 255: the sender owns the virtual addresses.
    public var isAddressOwner: Bool { priority == 255 }
    /// The advertisement interval in seconds.
    public var advertisementInterval: Double { Double(advertisementIntervalCentiseconds) / 100 }

    /// Skew_Time in seconds for a router with `priority`:
    /// v2 (256 − p)/256 s; v3 ((256 − p) × interval)/256 cs.
    public static func skewTime(
        priority: UInt8, version: UInt8, advertisementIntervalCentiseconds: UInt16
    ) -> Double {
        let weight = Double(256 - Int(priority))
        if version == 3 { return weight * Double(advertisementIntervalCentiseconds) / 256 / 100 }
        return weight / 256
    }

    /// Master_Down_Interval in seconds: 3 × interval + Skew_Time.
    public static func masterDownInterval(
        priority: UInt8, version: UInt8, advertisementIntervalCentiseconds: UInt16
    ) -> Double {
        3 * Double(advertisementIntervalCentiseconds) / 100
            + skewTime(
                priority: priority, version: version,
                advertisementIntervalCentiseconds: advertisementIntervalCentiseconds)
    }

    /// Skew_Time (s) of a backup with `backupPriority` (default: this advert's priority),
    /// using this advertisement's interval.
    public func skewTime(backupPriority: UInt8? = nil) -> Double {
        Self.skewTime(
            priority: backupPriority ?? priority, version: version,
            advertisementIntervalCentiseconds: advertisementIntervalCentiseconds)
    }

    /// Master_Down_Interval (s) of a backup with `backupPriority` (default: this advert's
    /// priority) that hears this advertisement. After a priority-0 advert the backup waits
    /// only ``skewTime(backupPriority:)``.
    public func masterDownInterval(backupPriority: UInt8? = nil) -> Double {
        Self.masterDownInterval(
            priority: backupPriority ?? priority, version: version,
            advertisementIntervalCentiseconds: advertisementIntervalCentiseconds)
    }

    /// The RFC virtual MAC: 00:00:5e:00:01:{vrid} (IPv4) or 00:00:5e:00:02:{vrid} (IPv6).
    public static func virtualMAC(vrid: UInt8, ipv6: Bool = false) -> MACAddress {
        MACAddress(0x00, 0x00, 0x5E, 0x00, ipv6 ? 0x02 : 0x01, vrid)
    }

    // MARK: - Emit

    /// Appends the message with the given addresses (the count comes from the array of
    /// ``addressFamily``) and a computed checksum: VRRPv2 plain; VRRPv3 with `pseudo` when
    /// given (RFC 5798), plain without it ("v3 checksum as v2").
    public func emit(
        addresses: [IPv4Address] = [], ipv6Addresses: [IPv6Address] = [], pseudo: PseudoHeader? = nil,
        into out: inout [UInt8]
    ) {
        let isIPv6 = addressFamily == .ipv6
        let count = isIPv6 ? ipv6Addresses.count : addresses.count
        var message: [UInt8] = []
        message.append8(version << 4 | type.rawValue & 0x0F)
        message.append8(vrid)
        message.append8(priority)
        message.append8(UInt8(truncatingIfNeeded: count))
        if version == 2 {
            message.append8(authType?.rawValue ?? 0)
            message.append8(UInt8(truncatingIfNeeded: advertisementIntervalCentiseconds / 100))
        } else {
            message.append16(advertisementIntervalCentiseconds & 0x0FFF)
        }
        message.append16(0)
        if isIPv6 {
            for address in ipv6Addresses { message.append(address) }
        } else {
            for address in addresses { message.append(address) }
        }
        if version == 2 { message.append64(authData ?? 0) }
        let sum =
            if version == 3, let pseudo {
                pseudo.checksumValue(for: message, protocol: .vrrp)
            } else {
                InternetChecksum.of(message)
            }
        message.set16(sum, at: 6)
        out += message
    }

    // MARK: - Description

    /// tcpdump-like text: `VRRPv2, vrid 51, prio 100, authtype none, intvl 1s, addrs: 10.99.0.100`.
    public var description: String {
        describe(addresses: firstAddressText.map { [$0] } ?? [])
    }

    /// Like ``description`` but listing every address, read from the bytes given to `parse`.
    public func description(in bytes: Span<UInt8>) -> String {
        var list: [String] = []
        let size = addressFamily == .ipv6 ? 16 : 4
        guard addressesRange.lowerBound + size * addressCount <= bytes.count else { return description }
        for index in 0..<addressCount {
            list.append(
                addressFamily == .ipv6
                    ? ipv6Address(index, in: bytes).description : address(index, in: bytes).description)
        }
        return describe(addresses: list)
    }

    private var firstAddressText: String? {
        firstIPv4Address?.description ?? firstIPv6Address?.description
    }

    private func describe(addresses: [String]) -> String {
        var text = "VRRPv\(version)"
        if type != .advertisement { text += ", \(type)" }
        text += ", vrid \(vrid), prio \(priority)"
        if version == 2 {
            text += ", authtype \(authType ?? .none)"
            if authType == .simpleText, let authData {
                var password = ""
                for shift in stride(from: 56, through: 0, by: -8) {
                    let octet = UInt8(truncatingIfNeeded: authData >> UInt64(shift))
                    if octet == 0 { break }
                    password.append(octet >= 0x20 && octet < 0x7F ? Character(Unicode.Scalar(octet)) : "?")
                }
                text += ", auth \"\(password)\""
            }
            text += ", intvl \(advertisementIntervalCentiseconds / 100)s"
        } else {
            text += ", intvl \(advertisementIntervalCentiseconds)cs"
        }
        if addressCount > 0 {
            let listed = addresses.joined(separator: ",")
            if addressCount == 1 {
                text += ", addrs: \(listed)"
            } else {
                text += ", addrs(\(addressCount)): \(listed)\(addresses.count < addressCount ? ",..." : "")"
            }
        }
        if trailingByteCount > 0 { text += ", \(trailingByteCount) trailing bytes" }
        return text
    }
}
