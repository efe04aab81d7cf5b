// Cisco HSRP (RFC 2281; Wireshark packet-hsrp.c). UDP 1985 (v1 to 224.0.0.2, v2 to
// 224.0.0.102) and UDP 2029 for HSRPv2 over IPv6.
//
// HSRPv1 Hello / Coup / Resign (opcodes 0–2), 20 octets:
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  0 |  Version = 0  |    Op Code    |     State     |   Hellotime   |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  4 |   Holdtime    |   Priority    |     Group     |   Reserved    |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  8 |               Authentication Data (8 octets, "cisco")         |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// 16 |                      Virtual IP Address                       |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    Times in seconds; states 0 Initial, 1 Learn, 2 Listen, 4 Speak, 8 Standby, 16 Active.
//    An MD5 TLV (type 4, length 28) may follow at offset 20.
//
// HSRPv1 Advertise (opcode 3, interface state), 16 octets:
//  0 | Version = 0 | Op Code = 3 | TLV Type (16) | TLV Length (16) |
//  6 | State (1 dormant, 2 passive, 3 active) | Reserved | Active Groups (16) |
// 10 | Passive Groups (16) | Reserved (32) |
//
// HSRPv2: a sequence of TLVs. Group State TLV (type 1, length 40):
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  0 |    Type=1     |  Length=40    | HSRP Version  |    Opcode     |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  4 |     State     |   IP Version  |         Group Number          |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  8 |              Identifier (sender MAC, 6 octets)                |
//    +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                               |     Priority (4 octets)       |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |  Priority cont.               |     Hello Time (ms, 4)        |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |  Hello Time cont.             |     Hold Time (ms, 4)         |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |  Hold Time cont.              |  Virtual IP Address (16)  ... |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    States 1 Init, 2 Learn, 3 Listen, 4 Speak, 5 Standby, 6 Active.
//    Type 2 Interface State (length 4: active groups, passive groups), type 3 Text Auth
//    (length 8), type 4 MD5 Auth (length 28); others are skipped by their length.
//
// v1 and v2 are told apart by the first octet: the v1 version octet is 0, and no v2 TLV has
// type 0. Both versions are normalised into one `HSRPMessage` (times in ms, one state enum).
// The TLV walk stops after 32 TLVs or at a TLV cut by the end of the bytes.

/// An HSRP opcode (open: unknown values round-trip).
public struct HSRPOpcode: RawRepresentable, Hashable, Sendable, Encodable, CustomStringConvertible {
    /// The opcode octet.
    public var rawValue: UInt8
    /// An opcode from its octet.
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Hello (0): periodic state announcement.
    public static let hello = HSRPOpcode(rawValue: 0)
    /// Coup (1): a router wants to become active.
    public static let coup = HSRPOpcode(rawValue: 1)
    /// Resign (2): the active router gives up.
    public static let resign = HSRPOpcode(rawValue: 2)
    /// Advertise (3): interface state (v1); also used for v2 messages without a group state TLV.
    public static let advertise = HSRPOpcode(rawValue: 3)

    /// `hello`, `coup`, `resign`, `advertise` or `opcode-N`.
    public var description: String {
        switch self {
        case .hello: "hello"
        case .coup: "coup"
        case .resign: "resign"
        case .advertise: "advertise"
        default: "opcode-\(rawValue)"
        }
    }
}

/// An HSRP router state, normalised across v1 (bit values) and v2 (sequential values).
public enum HSRPState: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Initial / Init (v1 0, v2 1).
    case initial
    /// Learn (v1 1, v2 2).
    case learn
    /// Listen (v1 2, v2 3).
    case listen
    /// Speak (v1 4, v2 4).
    case speak
    /// Standby (v1 8, v2 5).
    case standby
    /// Active (v1 16, v2 6).
    case active
    /// Any other value as on the wire (including v1 Advertise interface states).
    case other(UInt8)

    /// The state from an HSRPv1 state octet.
    public init(v1 raw: UInt8) {
        switch raw {
        case 0: self = .initial
        case 1: self = .learn
        case 2: self = .listen
        case 4: self = .speak
        case 8: self = .standby
        case 16: self = .active
        default: self = .other(raw)
        }
    }

    /// The state from an HSRPv2 state octet.
    public init(v2 raw: UInt8) {
        switch raw {
        case 1: self = .initial
        case 2: self = .learn
        case 3: self = .listen
        case 4: self = .speak
        case 5: self = .standby
        case 6: self = .active
        default: self = .other(raw)
        }
    }

    /// The HSRPv1 octet for this state.
    public var v1RawValue: UInt8 {
        switch self {
        case .initial: 0
        case .learn: 1
        case .listen: 2
        case .speak: 4
        case .standby: 8
        case .active: 16
        case .other(let raw): raw
        }
    }

    /// The HSRPv2 octet for this state.
    public var v2RawValue: UInt8 {
        switch self {
        case .initial: 1
        case .learn: 2
        case .listen: 3
        case .speak: 4
        case .standby: 5
        case .active: 6
        case .other(let raw): raw
        }
    }

    /// `initial`, `learn`, `listen`, `speak`, `standby`, `active` or `state-N`.
    public var description: String {
        switch self {
        case .initial: "initial"
        case .learn: "learn"
        case .listen: "listen"
        case .speak: "speak"
        case .standby: "standby"
        case .active: "active"
        case .other(let raw): "state-\(raw)"
        }
    }

    /// Encodes the ``description`` string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A decoded HSRP v1 or v2 message, normalised to one shape.
public struct HSRPMessage: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// "cisco" padded with zeros: the default authentication data.
    public static let defaultAuthData: UInt64 = 0x6369_7363_6F00_0000

    /// HSRP version: 1 (whose version octet is 0 on the wire) or 2.
    public var version: UInt8
    /// Opcode.
    public var opcode: HSRPOpcode
    /// Normalised state.
    public var state: HSRPState
    /// The state octet as on the wire.
    public var rawState: UInt8
    /// Standby group (v1 0–255, v2 0–4095).
    public var group: UInt16
    /// Priority (v1 one octet, v2 four).
    public var priority: UInt32
    /// Hello time in milliseconds (v1 seconds × 1000).
    public var helloTimeMilliseconds: UInt32
    /// Hold time in milliseconds (v1 seconds × 1000).
    public var holdTimeMilliseconds: UInt32
    /// IP version of the virtual address (4 or 6; v1 always 4).
    public var ipVersion: UInt8
    /// IPv4 virtual address (v1, and v2 with IP version 4).
    public var virtualIP: IPv4Address?
    /// IPv6 virtual address (v2 with IP version 6).
    public var virtualIPv6: IPv6Address?
    /// Sender's MAC from the v2 group state TLV.
    public var identifier: MACAddress?
    /// The 8 octets of text authentication (v1 always, v2 with a type-3 TLV), big-endian.
    public var authData: UInt64?
    /// Whether an MD5 authentication TLV is present.
    public var hasMD5Authentication: Bool
    /// Active group count from an interface state TLV / v1 Advertise.
    public var activeGroupCount: UInt16?
    /// Passive group count from an interface state TLV / v1 Advertise.
    public var passiveGroupCount: UInt16?

    /// A message for building frames (defaults: v1 hello, active, prio 100, 3 s / 10 s, "cisco").
    public init(
        version: UInt8 = 1, opcode: HSRPOpcode = .hello, state: HSRPState = .active,
        rawState: UInt8? = nil, group: UInt16 = 0, priority: UInt32 = 100,
        helloTimeMilliseconds: UInt32 = 3000, holdTimeMilliseconds: UInt32 = 10000,
        ipVersion: UInt8 = 4, virtualIP: IPv4Address? = nil, virtualIPv6: IPv6Address? = nil,
        identifier: MACAddress? = nil, authData: UInt64? = HSRPMessage.defaultAuthData,
        hasMD5Authentication: Bool = false, activeGroupCount: UInt16? = nil,
        passiveGroupCount: UInt16? = nil
    ) {
        self.version = version
        self.opcode = opcode
        self.state = state
        self.rawState = rawState ?? (version == 2 ? state.v2RawValue : state.v1RawValue)
        self.group = group
        self.priority = priority
        self.helloTimeMilliseconds = helloTimeMilliseconds
        self.holdTimeMilliseconds = holdTimeMilliseconds
        self.ipVersion = ipVersion
        self.virtualIP = virtualIP
        self.virtualIPv6 = virtualIPv6
        self.identifier = identifier
        self.authData = authData
        self.hasMD5Authentication = hasMD5Authentication
        self.activeGroupCount = activeGroupCount
        self.passiveGroupCount = passiveGroupCount
    }

    /// The most TLVs an HSRPv2 walk visits.
    public static let maximumTLVCount = 32

    // MARK: - Parse

    /// Decodes an HSRP v1 or v2 message from the UDP payload.
    public static func parse(_ bytes: Span<UInt8>) throws(DecodeError) -> HSRPMessage {
        try bytes.require(2, for: .hsrp)
        if bytes.u8(0) == 0 { return try parseV1(bytes) }
        return try parseV2(bytes)
    }

    private static func parseV1(_ bytes: Span<UInt8>) throws(DecodeError) -> HSRPMessage {
        let opcode = HSRPOpcode(rawValue: bytes.u8(1))
        if opcode == .advertise {
            try bytes.require(16, for: .hsrp)
            let raw = bytes.u8(6)
            return HSRPMessage(
                version: 1, opcode: opcode, state: .other(raw), rawState: raw, priority: 0,
                helloTimeMilliseconds: 0, holdTimeMilliseconds: 0, authData: nil,
                activeGroupCount: bytes.u16(8), passiveGroupCount: bytes.u16(10))
        }
        try bytes.require(20, for: .hsrp)
        let raw = bytes.u8(2)
        let md5 = bytes.count >= 22 && bytes.u8(20) == 4 && bytes.u8(21) == 28
        return HSRPMessage(
            version: 1, opcode: opcode, state: HSRPState(v1: raw), rawState: raw,
            group: UInt16(bytes.u8(6)), priority: UInt32(bytes.u8(5)),
            helloTimeMilliseconds: UInt32(bytes.u8(3)) * 1000,
            holdTimeMilliseconds: UInt32(bytes.u8(4)) * 1000,
            ipVersion: 4, virtualIP: bytes.ipv4(16), authData: bytes.u64(8),
            hasMD5Authentication: md5)
    }

    private static func parseV2(_ bytes: Span<UInt8>) throws(DecodeError) -> HSRPMessage {
        var message = HSRPMessage(
            version: 2, opcode: .advertise, state: .other(0), rawState: 0, priority: 0,
            helloTimeMilliseconds: 0, holdTimeMilliseconds: 0, ipVersion: 0, authData: nil)
        var foundGroupState = false
        var foundInterfaceState = false
        var offset = 0
        var visited = 0
        while offset + 2 <= bytes.count, visited < maximumTLVCount {
            visited += 1
            let type = bytes.u8(offset)
            let length = Int(bytes.u8(offset + 1))
            let value = offset + 2
            let end = value + length
            if type == 1 {
                guard length >= 40 else {
                    throw .malformed(layer: .hsrp, offset: offset + 1, reason: "group state TLV shorter than 40")
                }
                guard end <= bytes.count else {
                    if foundGroupState { break }
                    throw .truncated(layer: .hsrp, needed: end, available: bytes.count)
                }
                if !foundGroupState {
                    foundGroupState = true
                    let raw = bytes.u8(value + 2)
                    let ipVersion = bytes.u8(value + 3)
                    message.opcode = HSRPOpcode(rawValue: bytes.u8(value + 1))
                    message.state = HSRPState(v2: raw)
                    message.rawState = raw
                    message.ipVersion = ipVersion
                    message.group = bytes.u16(value + 4)
                    message.identifier = bytes.mac(value + 6)
                    message.priority = bytes.u32(value + 12)
                    message.helloTimeMilliseconds = bytes.u32(value + 16)
                    message.holdTimeMilliseconds = bytes.u32(value + 20)
                    if ipVersion == 4 { message.virtualIP = bytes.ipv4(value + 24) }
                    if ipVersion == 6 { message.virtualIPv6 = bytes.ipv6(value + 24) }
                }
            } else {
                guard end <= bytes.count else { break }
                switch type {
                case 2 where length >= 4:
                    foundInterfaceState = true
                    message.activeGroupCount = bytes.u16(value)
                    message.passiveGroupCount = bytes.u16(value + 2)
                case 3 where length >= 8:
                    message.authData = bytes.u64(value)
                case 4:
                    message.hasMD5Authentication = true
                default:
                    break
                }
            }
            offset = end
        }
        guard foundGroupState || foundInterfaceState else {
            if bytes.u8(0) > 4 {
                throw .malformed(layer: .hsrp, offset: 0, reason: "neither HSRPv1 nor an HSRPv2 TLV")
            }
            throw .malformed(layer: .hsrp, offset: 0, reason: "no HSRPv2 group state TLV")
        }
        return message
    }

    // MARK: - Virtual MACs

    /// HSRPv1 virtual MAC 00:00:0c:07:ac:{group} (RFC 2281).
    public static func virtualMACv1(group: UInt8) -> MACAddress { MACAddress(0x00, 0x00, 0x0C, 0x07, 0xAC, group) }

    /// HSRPv2 IPv4 virtual MAC 00:00:0c:9f:f{group, 12 bits}. UNCONFIRMED (secondary sources only).
    public static func virtualMACv2(group: UInt16) -> MACAddress {
        MACAddress(rawValue: 0x0000_0C9F_F000 | UInt64(group & 0x0FFF))
    }

    /// HSRPv2 IPv6 virtual MAC 00:05:73:a0:0{group, 12 bits}. UNCONFIRMED (secondary sources only).
    public static func virtualMACv2IPv6(group: UInt16) -> MACAddress {
        MACAddress(rawValue: 0x0005_73A0_0000 | UInt64(group & 0x0FFF))
    }

    /// The virtual MAC this message's group uses (v2 forms UNCONFIRMED).
    public var virtualMAC: MACAddress {
        if version == 1 { return Self.virtualMACv1(group: UInt8(truncatingIfNeeded: group)) }
        return ipVersion == 6 ? Self.virtualMACv2IPv6(group: group) : Self.virtualMACv2(group: group)
    }

    /// The HSRP version and group encoded in `mac`, if it is an HSRP virtual MAC (v2 forms UNCONFIRMED).
    public static func classifyVirtualMAC(_ mac: MACAddress) -> (version: UInt8, group: UInt16)? {
        if mac.rawValue >> 8 == 0x0000_0C07_AC { return (1, UInt16(mac.octet(5))) }
        if mac.rawValue >> 12 == 0x0_000C_9FF { return (2, UInt16(mac.rawValue & 0xFFF)) }
        if mac.rawValue >> 12 == 0x0_0573_A00 { return (2, UInt16(mac.rawValue & 0xFFF)) }
        return nil
    }

    // MARK: - Emit

    /// Appends the message: v1 as the 20-octet Hello/Coup/Resign format (Advertise is not
    /// built), v2 as a group state TLV followed by interface state and text auth TLVs when set.
    public func emit(into out: inout [UInt8]) {
        if version == 1 {
            out.append8(0)
            out.append8(opcode.rawValue)
            out.append8(rawState)
            out.append8(UInt8(truncatingIfNeeded: min(helloTimeMilliseconds / 1000, 255)))
            out.append8(UInt8(truncatingIfNeeded: min(holdTimeMilliseconds / 1000, 255)))
            out.append8(UInt8(truncatingIfNeeded: min(priority, 255)))
            out.append8(UInt8(truncatingIfNeeded: group))
            out.append8(0)
            out.append64(authData ?? 0)
            out.append(virtualIP ?? .any)
            return
        }
        out += [1, 40, 2, opcode.rawValue, rawState, ipVersion]
        out.append16(group)
        out.append(identifier ?? .zero)
        out.append32(priority)
        out.append32(helloTimeMilliseconds)
        out.append32(holdTimeMilliseconds)
        if let virtualIPv6 {
            out.append(virtualIPv6)
        } else {
            out.append(virtualIP ?? .any)
            out += [UInt8](repeating: 0, count: 12)
        }
        if let activeGroupCount, let passiveGroupCount {
            out += [2, 4]
            out.append16(activeGroupCount)
            out.append16(passiveGroupCount)
        }
        if let authData {
            out += [3, 8]
            out.append64(authData)
        }
    }

    // MARK: - Description

    /// Text like `HSRPv1 hello, group 1, state active, prio 100, hello 3000ms, hold 10000ms, vip 10.0.0.1`.
    public var description: String {
        var text = "HSRPv\(version) \(opcode)"
        if version == 1 && opcode == .advertise {
            text += ", interface state \(rawState)"
        } else {
            text += ", group \(group), state \(state), prio \(priority)"
            text += ", hello \(helloTimeMilliseconds)ms, hold \(holdTimeMilliseconds)ms"
            if let virtualIP { text += ", vip \(virtualIP)" }
            if let virtualIPv6 { text += ", vip \(virtualIPv6)" }
        }
        if let activeGroupCount, let passiveGroupCount {
            text += ", active groups \(activeGroupCount), passive groups \(passiveGroupCount)"
        }
        if hasMD5Authentication { text += ", md5 auth" }
        return text
    }
}
