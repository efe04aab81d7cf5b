//  IPv6 Neighbor Discovery (RFC 4861 §4; nonce RFC 7527 / RFC 3971), ICMPv6 types 133–137.
//  Parsed from the start of the ICMPv6 message (type octet); checksum left to ICMPv6Message.
//
//  NS (135) / NA (136):                        RS (133):
//  +-------+-------+---------------+           +-------+-------+---------------+
//  | type  | code  |   checksum    |           | type  | code  |   checksum    |
//  +-------+-------+---------------+           +-------+-------+---------------+
//  |R|S|O| reserved (NS: all 32)   |           |          reserved             |
//  +-------+-------+---------------+           +-------------------------------+
//  |   target address (16 octets)  |           |   options ...
//  +-------------------------------+
//  |   options ...                             RA (134):
//                                              +-------+-------+---------------+
//  Redirect (137):                             | type  | code  |   checksum    |
//  +-------+-------+---------------+           +-------+-------+---------------+
//  | type  | code  |   checksum    |           |cur hop|M|O|rsv|router lifetime|
//  +-------+-------+---------------+           +-------+-------+---------------+
//  |          reserved             |           |  reachable time (ms, u32)     |
//  +-------------------------------+           +-------------------------------+
//  |   target address (16 octets)  |           |  retrans timer (ms, u32)      |
//  |   destination address (16)    |           +-------------------------------+
//  +-------------------------------+           |   options ...
//  |   options ...
//
//  Options: type (1 octet), length in 8-octet units (1 octet, 0 is invalid), value.
//    1 source link-layer address, 2 target link-layer address (length 1: a MAC),
//    3 prefix information (length 4), 5 MTU (length 1), 14 nonce (6+ octets).
//  A DAD probe is an NS from :: to the target's solicited-node group, with no SLLA and (Linux)
//  a nonce option.

/// The kind of a Neighbor Discovery message.
public enum NDKind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Router solicitation (133).
    case routerSolicitation
    /// Router advertisement (134).
    case routerAdvertisement
    /// Neighbor solicitation (135).
    case neighborSolicitation
    /// Neighbor advertisement (136).
    case neighborAdvertisement
    /// Redirect (137).
    case redirect

    /// The kind of ICMPv6 type `type`, or nil outside 133–137.
    public init?(type: ICMPv6Type) {
        switch type {
        case .routerSolicitation: self = .routerSolicitation
        case .routerAdvertisement: self = .routerAdvertisement
        case .neighborSolicitation: self = .neighborSolicitation
        case .neighborAdvertisement: self = .neighborAdvertisement
        case .redirect: self = .redirect
        default: return nil
        }
    }

    /// The ICMPv6 type of this kind.
    public var icmpType: ICMPv6Type {
        switch self {
        case .routerSolicitation: .routerSolicitation
        case .routerAdvertisement: .routerAdvertisement
        case .neighborSolicitation: .neighborSolicitation
        case .neighborAdvertisement: .neighborAdvertisement
        case .redirect: .redirect
        }
    }

    /// Length of the fixed part, including the 4-octet ICMPv6 header: options start here.
    public var fixedLength: Int {
        switch self {
        case .routerSolicitation: 8
        case .routerAdvertisement: 16
        case .neighborSolicitation, .neighborAdvertisement: 24
        case .redirect: 40
        }
    }

    /// The ICMPv6 type's name.
    public var description: String { icmpType.description }
}

/// An NDP option type code (open: unknown values round-trip).
public struct NDOptionType: RawRepresentable, Hashable, Sendable, CustomStringConvertible, Codable {
    /// The option type value.
    public var rawValue: UInt8
    /// An option type from its value.
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Source link-layer address (1).
    public static let sourceLinkLayerAddress = NDOptionType(rawValue: 1)
    /// Target link-layer address (2).
    public static let targetLinkLayerAddress = NDOptionType(rawValue: 2)
    /// Prefix information (3).
    public static let prefixInformation = NDOptionType(rawValue: 3)
    /// Redirected header (4).
    public static let redirectedHeader = NDOptionType(rawValue: 4)
    /// MTU (5).
    public static let mtu = NDOptionType(rawValue: 5)
    /// Nonce (14).
    public static let nonce = NDOptionType(rawValue: 14)

    /// tcpdump-like option names.
    public var description: String {
        switch self {
        case .sourceLinkLayerAddress: "source link-address"
        case .targetLinkLayerAddress: "destination link-address"
        case .prefixInformation: "prefix info"
        case .redirectedHeader: "redirected header"
        case .mtu: "mtu"
        case .nonce: "nonce"
        default: "option-\(rawValue)"
        }
    }
}

/// A Neighbor Discovery message (RS, RA, NS, NA, Redirect) with its options decoded.
///
/// Stored compactly (about 110 bytes instead of 197: presence bits instead of optionals, small
/// counts in one octet) so that ``TransportLayer``, which every decoded packet carries and
/// copies, stays within 128 bytes; the public properties keep their optional and `Int` types.
public struct NDMessage: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Most options accepted before the message is declared malformed.
    public static let maximumOptionCount = 64

    private var storedTargetAddress = IPv6Address.unspecified
    private var storedDestinationAddress = IPv6Address.unspecified
    private var storedPrefix = IPv6Address.unspecified
    private var storedSourceLinkLayerAddress = MACAddress.zero
    private var storedTargetLinkLayerAddress = MACAddress.zero
    private var storedNonce: UInt64 = 0
    /// RA reachable time in milliseconds (0 = unspecified).
    public var reachableTime: UInt32 = 0
    /// RA retransmission timer in milliseconds (0 = unspecified).
    public var retransTimer: UInt32 = 0
    private var storedMTU: UInt32 = 0
    private var storedPrefixValidLifetime: UInt32 = 0
    private var storedPrefixPreferredLifetime: UInt32 = 0
    private var storedOptionsUpper: UInt32 = 0
    /// RA router lifetime in seconds (0 = not a default router).
    public var routerLifetime: UInt16 = 0
    private var storedOptionsLower: UInt16 = 0
    private var bits: Bits = []
    /// The message kind.
    public var kind: NDKind
    /// The ICMPv6 code (must be 0; receivers discard others, RFC 4861 §6.1, §7.1).
    public var code: UInt8 = 0
    /// RA current hop limit (0 = unspecified).
    public var curHopLimit: UInt8 = 0
    private var storedPrefixLength: UInt8 = 0
    private var storedPrefixFlags: UInt8 = 0
    /// Options counted (at most ``maximumOptionCount`` from a parse; kept up to 255).
    private var storedOptionCount: UInt8 = 0
    private var storedPrefixCount: UInt8 = 0

    private struct Bits: OptionSet, Hashable, Sendable {
        var rawValue: UInt16
        static let hasTargetAddress = Bits(rawValue: 1 << 0)
        static let hasDestinationAddress = Bits(rawValue: 1 << 1)
        static let hasSourceLinkLayerAddress = Bits(rawValue: 1 << 2)
        static let hasTargetLinkLayerAddress = Bits(rawValue: 1 << 3)
        static let hasNonce = Bits(rawValue: 1 << 4)
        static let hasMTU = Bits(rawValue: 1 << 5)
        static let hasPrefix = Bits(rawValue: 1 << 6)
        static let hasPrefixLength = Bits(rawValue: 1 << 7)
        static let hasPrefixFlags = Bits(rawValue: 1 << 8)
        static let hasPrefixValidLifetime = Bits(rawValue: 1 << 9)
        static let hasPrefixPreferredLifetime = Bits(rawValue: 1 << 10)
        static let router = Bits(rawValue: 1 << 11)
        static let solicited = Bits(rawValue: 1 << 12)
        static let override = Bits(rawValue: 1 << 13)
        static let managed = Bits(rawValue: 1 << 14)
        static let other = Bits(rawValue: 1 << 15)
    }

    @inline(__always)
    private mutating func set(_ bit: Bits, _ on: Bool) {
        if on { bits.insert(bit) } else { bits.remove(bit) }
    }

    /// Target address (NS, NA, Redirect).
    public var targetAddress: IPv6Address? {
        get { bits.contains(.hasTargetAddress) ? storedTargetAddress : nil }
        set {
            storedTargetAddress = newValue ?? .unspecified
            set(.hasTargetAddress, newValue != nil)
        }
    }
    /// Destination address (Redirect).
    public var destinationAddress: IPv6Address? {
        get { bits.contains(.hasDestinationAddress) ? storedDestinationAddress : nil }
        set {
            storedDestinationAddress = newValue ?? .unspecified
            set(.hasDestinationAddress, newValue != nil)
        }
    }
    /// NA router flag (R).
    public var router: Bool {
        get { bits.contains(.router) }
        set { set(.router, newValue) }
    }
    /// NA solicited flag (S).
    public var solicited: Bool {
        get { bits.contains(.solicited) }
        set { set(.solicited, newValue) }
    }
    /// NA override flag (O).
    public var override: Bool {
        get { bits.contains(.override) }
        set { set(.override, newValue) }
    }
    /// RA managed address configuration flag (M).
    public var managed: Bool {
        get { bits.contains(.managed) }
        set { set(.managed, newValue) }
    }
    /// RA other configuration flag (O).
    public var other: Bool {
        get { bits.contains(.other) }
        set { set(.other, newValue) }
    }
    /// The options area, relative to the message start (bounds stored as 16 and 32 bits).
    public var optionsRange: Range<Int> {
        get { Int(storedOptionsLower)..<Int(storedOptionsUpper) }
        set {
            storedOptionsLower = UInt16(clamping: newValue.lowerBound)
            storedOptionsUpper = max(UInt32(storedOptionsLower), UInt32(clamping: newValue.upperBound))
        }
    }
    /// Number of options (all types; stored in 0...255).
    public var optionCount: Int {
        get { Int(storedOptionCount) }
        set { storedOptionCount = UInt8(clamping: newValue) }
    }
    /// Source link-layer address option (type 1) holding a MAC (length 1).
    public var sourceLinkLayerAddress: MACAddress? {
        get { bits.contains(.hasSourceLinkLayerAddress) ? storedSourceLinkLayerAddress : nil }
        set {
            storedSourceLinkLayerAddress = newValue ?? .zero
            set(.hasSourceLinkLayerAddress, newValue != nil)
        }
    }
    /// Target link-layer address option (type 2) holding a MAC (length 1).
    public var targetLinkLayerAddress: MACAddress? {
        get { bits.contains(.hasTargetLinkLayerAddress) ? storedTargetLinkLayerAddress : nil }
        set {
            storedTargetLinkLayerAddress = newValue ?? .zero
            set(.hasTargetLinkLayerAddress, newValue != nil)
        }
    }
    /// Nonce option (type 14): its first 6 octets.
    public var nonce: UInt64? {
        get { bits.contains(.hasNonce) ? storedNonce : nil }
        set {
            storedNonce = newValue ?? 0
            set(.hasNonce, newValue != nil)
        }
    }
    /// MTU option (type 5).
    public var mtu: UInt32? {
        get { bits.contains(.hasMTU) ? storedMTU : nil }
        set {
            storedMTU = newValue ?? 0
            set(.hasMTU, newValue != nil)
        }
    }
    /// Number of prefix information options (type 3; stored in 0...255).
    public var prefixCount: Int {
        get { Int(storedPrefixCount) }
        set { storedPrefixCount = UInt8(clamping: newValue) }
    }
    /// The first prefix information option's prefix.
    public var prefix: IPv6Address? {
        get { bits.contains(.hasPrefix) ? storedPrefix : nil }
        set {
            storedPrefix = newValue ?? .unspecified
            set(.hasPrefix, newValue != nil)
        }
    }
    /// The first prefix information option's prefix length.
    public var prefixLength: UInt8? {
        get { bits.contains(.hasPrefixLength) ? storedPrefixLength : nil }
        set {
            storedPrefixLength = newValue ?? 0
            set(.hasPrefixLength, newValue != nil)
        }
    }
    /// The first prefix information option's flags (0x80 on-link L, 0x40 autonomous A).
    public var prefixFlags: UInt8? {
        get { bits.contains(.hasPrefixFlags) ? storedPrefixFlags : nil }
        set {
            storedPrefixFlags = newValue ?? 0
            set(.hasPrefixFlags, newValue != nil)
        }
    }
    /// The first prefix information option's valid lifetime in seconds (0xFFFFFFFF = infinity).
    public var prefixValidLifetime: UInt32? {
        get { bits.contains(.hasPrefixValidLifetime) ? storedPrefixValidLifetime : nil }
        set {
            storedPrefixValidLifetime = newValue ?? 0
            set(.hasPrefixValidLifetime, newValue != nil)
        }
    }
    /// The first prefix information option's preferred lifetime in seconds (0 = deprecated).
    public var prefixPreferredLifetime: UInt32? {
        get { bits.contains(.hasPrefixPreferredLifetime) ? storedPrefixPreferredLifetime : nil }
        set {
            storedPrefixPreferredLifetime = newValue ?? 0
            set(.hasPrefixPreferredLifetime, newValue != nil)
        }
    }

    private enum CodingKeys: String, CodingKey {
        case kind, code, targetAddress, destinationAddress, router, solicited, override, curHopLimit, managed, other
        case routerLifetime, reachableTime, retransTimer, optionsRange, optionCount, sourceLinkLayerAddress
        case targetLinkLayerAddress, nonce, mtu, prefixCount, prefix, prefixLength, prefixFlags, prefixValidLifetime
        case prefixPreferredLifetime
    }

    /// Encodes the same keys as the plain stored properties did (absent optionals omitted).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(code, forKey: .code)
        try container.encodeIfPresent(targetAddress, forKey: .targetAddress)
        try container.encodeIfPresent(destinationAddress, forKey: .destinationAddress)
        try container.encode(router, forKey: .router)
        try container.encode(solicited, forKey: .solicited)
        try container.encode(override, forKey: .override)
        try container.encode(curHopLimit, forKey: .curHopLimit)
        try container.encode(managed, forKey: .managed)
        try container.encode(other, forKey: .other)
        try container.encode(routerLifetime, forKey: .routerLifetime)
        try container.encode(reachableTime, forKey: .reachableTime)
        try container.encode(retransTimer, forKey: .retransTimer)
        try container.encode(optionsRange, forKey: .optionsRange)
        try container.encode(optionCount, forKey: .optionCount)
        try container.encodeIfPresent(sourceLinkLayerAddress, forKey: .sourceLinkLayerAddress)
        try container.encodeIfPresent(targetLinkLayerAddress, forKey: .targetLinkLayerAddress)
        try container.encodeIfPresent(nonce, forKey: .nonce)
        try container.encodeIfPresent(mtu, forKey: .mtu)
        try container.encode(prefixCount, forKey: .prefixCount)
        try container.encodeIfPresent(prefix, forKey: .prefix)
        try container.encodeIfPresent(prefixLength, forKey: .prefixLength)
        try container.encodeIfPresent(prefixFlags, forKey: .prefixFlags)
        try container.encodeIfPresent(prefixValidLifetime, forKey: .prefixValidLifetime)
        try container.encodeIfPresent(prefixPreferredLifetime, forKey: .prefixPreferredLifetime)
    }

    /// A message from its fields; `optionsRange` and `optionCount` are derived from the options set.
    public init(
        kind: NDKind, code: UInt8 = 0, targetAddress: IPv6Address? = nil, destinationAddress: IPv6Address? = nil,
        router: Bool = false, solicited: Bool = false, override: Bool = false, curHopLimit: UInt8 = 0,
        managed: Bool = false, other: Bool = false, routerLifetime: UInt16 = 0, reachableTime: UInt32 = 0,
        retransTimer: UInt32 = 0, sourceLinkLayerAddress: MACAddress? = nil, targetLinkLayerAddress: MACAddress? = nil,
        nonce: UInt64? = nil, mtu: UInt32? = nil, prefix: IPv6Address? = nil, prefixLength: UInt8? = nil,
        prefixFlags: UInt8? = nil, prefixValidLifetime: UInt32? = nil, prefixPreferredLifetime: UInt32? = nil
    ) {
        self.kind = kind
        self.code = code
        self.targetAddress = targetAddress
        self.destinationAddress = destinationAddress
        self.router = router
        self.solicited = solicited
        self.override = override
        self.curHopLimit = curHopLimit
        self.managed = managed
        self.other = other
        self.routerLifetime = routerLifetime
        self.reachableTime = reachableTime
        self.retransTimer = retransTimer
        self.sourceLinkLayerAddress = sourceLinkLayerAddress
        self.targetLinkLayerAddress = targetLinkLayerAddress
        self.nonce = nonce
        self.mtu = mtu
        self.prefix = prefix
        self.prefixLength = prefix == nil ? nil : (prefixLength ?? 64)
        self.prefixFlags = prefix == nil ? nil : (prefixFlags ?? 0xC0)
        self.prefixValidLifetime = prefix == nil ? nil : (prefixValidLifetime ?? 2_592_000)
        self.prefixPreferredLifetime = prefix == nil ? nil : (prefixPreferredLifetime ?? 604_800)
        prefixCount = prefix == nil ? 0 : 1
        var count = 0
        var length = 0
        if sourceLinkLayerAddress != nil {
            count += 1
            length += 8
        }
        if targetLinkLayerAddress != nil {
            count += 1
            length += 8
        }
        if prefix != nil {
            count += 1
            length += 32
        }
        if mtu != nil {
            count += 1
            length += 8
        }
        if nonce != nil {
            count += 1
            length += 8
        }
        optionCount = count
        optionsRange = kind.fixedLength..<(kind.fixedLength + length)
    }

    /// A neighbor solicitation; with `source: .unspecified` at the IP layer and a nonce this
    /// is a DAD probe (then leave `sourceLinkLayerAddress` nil).
    public static func neighborSolicitation(
        target: IPv6Address, sourceLinkLayerAddress: MACAddress? = nil, nonce: UInt64? = nil
    ) -> NDMessage {
        NDMessage(
            kind: .neighborSolicitation, targetAddress: target, sourceLinkLayerAddress: sourceLinkLayerAddress,
            nonce: nonce)
    }

    /// A neighbor advertisement (unsolicited: `solicited: false, override: true` to ff02::1).
    public static func neighborAdvertisement(
        target: IPv6Address, router: Bool = false, solicited: Bool, override: Bool,
        targetLinkLayerAddress: MACAddress? = nil
    ) -> NDMessage {
        NDMessage(
            kind: .neighborAdvertisement, targetAddress: target, router: router, solicited: solicited,
            override: override, targetLinkLayerAddress: targetLinkLayerAddress)
    }

    /// Whether this is a duplicate address detection probe: an NS whose IP source is `::`.
    public func isDADProbe(ipSource: IPv6Address) -> Bool {
        kind == .neighborSolicitation && ipSource.isUnspecified
    }

    /// Whether this is an unsolicited NA (S = 0), as sent after DAD or a MAC change.
    public var isUnsolicitedAdvertisement: Bool { kind == .neighborAdvertisement && !solicited }

    /// The link-layer address the message announces: TLLA for NA/Redirect, else SLLA.
    public var announcedLinkLayerAddress: MACAddress? {
        switch kind {
        case .neighborAdvertisement, .redirect: targetLinkLayerAddress
        default: sourceLinkLayerAddress
        }
    }

    /// Parses the ND message at the start of `bytes` (the ICMPv6 message, ending where the IPv6
    /// payload ends). Throws `.malformed` for a non-ND type, a zero option length or too many
    /// options; `.truncated` when the fixed part or an option is cut.
    public static func parse(_ bytes: Span<UInt8>) throws(DecodeError) -> NDMessage {
        try bytes.require(8, for: .neighborDiscovery)
        guard let kind = NDKind(type: ICMPv6Type(rawValue: bytes.u8(0))) else {
            throw .malformed(layer: .neighborDiscovery, offset: 0, reason: "not a Neighbor Discovery type")
        }
        let fixed = kind.fixedLength
        try bytes.require(fixed, for: .neighborDiscovery)
        var message = NDMessage(kind: kind, code: bytes.u8(1))
        switch kind {
        case .routerSolicitation:
            break
        case .routerAdvertisement:
            let flags = bytes.u8(5)
            message.curHopLimit = bytes.u8(4)
            message.managed = flags & 0x80 != 0
            message.other = flags & 0x40 != 0
            message.routerLifetime = bytes.u16(6)
            message.reachableTime = bytes.u32(8)
            message.retransTimer = bytes.u32(12)
        case .neighborSolicitation:
            message.targetAddress = bytes.ipv6(8)
        case .neighborAdvertisement:
            let flags = bytes.u8(4)
            message.router = flags & 0x80 != 0
            message.solicited = flags & 0x40 != 0
            message.override = flags & 0x20 != 0
            message.targetAddress = bytes.ipv6(8)
        case .redirect:
            message.targetAddress = bytes.ipv6(8)
            message.destinationAddress = bytes.ipv6(24)
        }
        var offset = fixed
        while offset < bytes.count {
            try bytes.require(offset + 2, for: .neighborDiscovery)
            let type = NDOptionType(rawValue: bytes.u8(offset))
            let units = Int(bytes.u8(offset + 1))
            guard units > 0 else {
                throw .malformed(layer: .neighborDiscovery, offset: offset + 1, reason: "option length 0")
            }
            guard message.optionCount < maximumOptionCount else {
                throw .malformed(layer: .neighborDiscovery, offset: offset, reason: "too many options")
            }
            let length = units * 8
            try bytes.require(offset + length, for: .neighborDiscovery)
            message.optionCount += 1
            switch type {
            case .sourceLinkLayerAddress where units == 1:
                if message.sourceLinkLayerAddress == nil { message.sourceLinkLayerAddress = bytes.mac(offset + 2) }
            case .targetLinkLayerAddress where units == 1:
                if message.targetLinkLayerAddress == nil { message.targetLinkLayerAddress = bytes.mac(offset + 2) }
            case .nonce:
                if message.nonce == nil {
                    message.nonce = UInt64(bytes.u16(offset + 2)) << 32 | UInt64(bytes.u32(offset + 4))
                }
            case .mtu:
                if message.mtu == nil { message.mtu = bytes.u32(offset + 4) }
            case .prefixInformation where units == 4:
                message.prefixCount += 1
                if message.prefix == nil {
                    message.prefixLength = bytes.u8(offset + 2)
                    message.prefixFlags = bytes.u8(offset + 3)
                    message.prefixValidLifetime = bytes.u32(offset + 4)
                    message.prefixPreferredLifetime = bytes.u32(offset + 8)
                    message.prefix = bytes.ipv6(offset + 16)
                }
            default:
                break
            }
            offset += length
        }
        message.optionsRange = fixed..<offset
        return message
    }

    /// Appends the whole ICMPv6 message (header, fixed part, options in the order SLLA, TLLA,
    /// MTU, prefix, nonce) with its checksum computed under `pseudo`.
    public func emit(pseudo: PseudoHeader, into out: inout [UInt8]) {
        var body: [UInt8] = []
        switch kind {
        case .routerSolicitation:
            body.append32(0)
        case .routerAdvertisement:
            body.append8(curHopLimit)
            body.append8((managed ? 0x80 : 0) | (other ? 0x40 : 0))
            body.append16(routerLifetime)
            body.append32(reachableTime)
            body.append32(retransTimer)
        case .neighborSolicitation:
            body.append32(0)
            body.append(targetAddress ?? .unspecified)
        case .neighborAdvertisement:
            body.append8((router ? 0x80 : 0) | (solicited ? 0x40 : 0) | (override ? 0x20 : 0))
            body.append8(0)
            body.append16(0)
            body.append(targetAddress ?? .unspecified)
        case .redirect:
            body.append32(0)
            body.append(targetAddress ?? .unspecified)
            body.append(destinationAddress ?? .unspecified)
        }
        if let sourceLinkLayerAddress {
            body.append(contentsOf: [NDOptionType.sourceLinkLayerAddress.rawValue, 1])
            body.append(sourceLinkLayerAddress)
        }
        if let targetLinkLayerAddress {
            body.append(contentsOf: [NDOptionType.targetLinkLayerAddress.rawValue, 1])
            body.append(targetLinkLayerAddress)
        }
        if let mtu {
            body.append(contentsOf: [NDOptionType.mtu.rawValue, 1, 0, 0])
            body.append32(mtu)
        }
        if let prefix {
            let type = NDOptionType.prefixInformation.rawValue
            body.append(contentsOf: [type, 4, prefixLength ?? 64, prefixFlags ?? 0xC0])
            body.append32(prefixValidLifetime ?? 2_592_000)  // radvd default: 30 days
            body.append32(prefixPreferredLifetime ?? 604_800)  // radvd default: 7 days
            body.append32(0)
            body.append(prefix)
        }
        if let nonce {
            body.append(contentsOf: [NDOptionType.nonce.rawValue, 1])
            body.append16(UInt16(truncatingIfNeeded: nonce >> 32))
            body.append32(UInt32(truncatingIfNeeded: nonce))
        }
        ICMPv6Message.emit(type: kind.icmpType, code: code, body: body, pseudo: pseudo, into: &out)
    }

    /// tcpdump-like: `ICMP6, neighbor solicitation, who has fe80::1, nonce 0x0102..`.
    public var description: String {
        var text = "ICMP6, \(kind)"
        let target = targetAddress.map(\.description) ?? "?"
        switch kind {
        case .routerSolicitation:
            break
        case .routerAdvertisement:
            var flags: [String] = []
            if managed { flags.append("managed") }
            if other { flags.append("other stateful") }
            text += ", hop limit \(curHopLimit), Flags [\(flags.isEmpty ? "none" : flags.joined(separator: ", "))]"
            text += ", router lifetime \(routerLifetime)s, reachable time \(reachableTime)ms"
            text += ", retrans timer \(retransTimer)ms"
        case .neighborSolicitation:
            text += ", who has \(target)"
        case .neighborAdvertisement:
            var flags: [String] = []
            if router { flags.append("router") }
            if solicited { flags.append("solicited") }
            if override { flags.append("override") }
            text += ", tgt is \(target), Flags [\(flags.isEmpty ? "none" : flags.joined(separator: ", "))]"
        case .redirect:
            text += ", \(destinationAddress.map(\.description) ?? "?") to \(target)"
        }
        if let sourceLinkLayerAddress { text += ", source link-address \(sourceLinkLayerAddress)" }
        if let targetLinkLayerAddress { text += ", target link-address \(targetLinkLayerAddress)" }
        if let prefix, let prefixLength {
            text += ", prefix \(prefix)/\(prefixLength)"
            if let prefixValidLifetime, let prefixPreferredLifetime {
                text += " valid \(prefixValidLifetime)s pref \(prefixPreferredLifetime)s"
            }
        }
        if let mtu { text += ", mtu \(mtu)" }
        if let nonce { text += ", nonce \(WireHex.format(nonce, digits: 12))" }
        if code != 0 { text += ", code \(code)" }
        return text
    }
}
