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

    /// Decodes the raw number.
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(UInt8.self)
    }

    /// Encodes the raw number.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A Neighbor Discovery message (RS, RA, NS, NA, Redirect) with its options decoded.
public struct NDMessage: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Most options accepted before the message is declared malformed.
    public static let maximumOptionCount = 64

    /// The message kind.
    public var kind: NDKind
    /// The ICMPv6 code (must be 0; receivers discard others, RFC 4861 §6.1, §7.1).
    public var code: UInt8
    /// Target address (NS, NA, Redirect).
    public var targetAddress: IPv6Address?
    /// Destination address (Redirect).
    public var destinationAddress: IPv6Address?
    /// NA router flag (R).
    public var router: Bool
    /// NA solicited flag (S).
    public var solicited: Bool
    /// NA override flag (O).
    public var override: Bool
    /// RA current hop limit (0 = unspecified).
    public var curHopLimit: UInt8
    /// RA managed address configuration flag (M).
    public var managed: Bool
    /// RA other configuration flag (O).
    public var other: Bool
    /// RA router lifetime in seconds (0 = not a default router).
    public var routerLifetime: UInt16
    /// RA reachable time in milliseconds (0 = unspecified).
    public var reachableTime: UInt32
    /// RA retransmission timer in milliseconds (0 = unspecified).
    public var retransTimer: UInt32
    /// The options area, relative to the message start.
    public var optionsRange: Range<Int>
    /// Number of options (all types).
    public var optionCount: Int
    /// Source link-layer address option (type 1) holding a MAC (length 1).
    public var sourceLinkLayerAddress: MACAddress?
    /// Target link-layer address option (type 2) holding a MAC (length 1).
    public var targetLinkLayerAddress: MACAddress?
    /// Nonce option (type 14): its first 6 octets.
    public var nonce: UInt64?
    /// MTU option (type 5).
    public var mtu: UInt32?
    /// Number of prefix information options (type 3).
    public var prefixCount: Int
    /// The first prefix information option's prefix.
    public var prefix: IPv6Address?
    /// The first prefix information option's prefix length.
    public var prefixLength: UInt8?
    /// The first prefix information option's flags (0x80 on-link L, 0x40 autonomous A).
    public var prefixFlags: UInt8?
    /// The first prefix information option's valid lifetime in seconds (0xFFFFFFFF = infinity).
    public var prefixValidLifetime: UInt32?
    /// The first prefix information option's preferred lifetime in seconds (0 = deprecated).
    public var prefixPreferredLifetime: UInt32?

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
