// Windows NLB heartbeat, EtherType 0x886F (Wireshark packet-msnlb.c; protocols.md §6.2).
// Microsoft publishes no specification: field meanings beyond the names are UNCONFIRMED.
// All integers are LITTLE-endian except the two IPv4 addresses (network order).
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  0 |                      Signature (LE)                           |  0xC0DE01BF / C0 / DE
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  4 |                      Version (LE; major.minor in low 16 bits) |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  8 |                      Unique Host ID (LE) = host priority      |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// 12 |                      Cluster IP (network order)               |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// 16 |                      Dedicated IP (network order)             |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    Signature 0xC0DE01BF (cluster membership heartbeat) continues at 20:
// 20 |        My Host ID (LE)        |     Default Host ID (LE)      |
// 24 |   Convergence State (LE)      |   Number of Port Rules (LE)   |
// 28 |                      Unique Host Code (LE)                    |
// 32 |                      Packets Handled (LE)                     |
// 36 |                      Teaming Config (LE)                      |
// 40 |                      Reserved                                 |
// 44 |  port rules 33×u32, current/new/idle/ready maps 4×33×u64,     |
//    |  load weights 33×u32, reserved 33×u32  -> 1496 octets total   |
//
// Only the first 20 octets are required; the 0xC0DE01BF fields are optional values present
// when their octets were captured.

/// An NLB heartbeat signature (open: unknown values round-trip).
public struct NLBSignature: RawRepresentable, Hashable, Sendable, Encodable, CustomStringConvertible {
    /// The 32-bit signature (read little-endian).
    public var rawValue: UInt32
    /// A signature from its value.
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Cluster membership heartbeat (0xC0DE01BF).
    public static let heartbeat = NLBSignature(rawValue: 0xC0DE_01BF)
    /// Extended heartbeat with host name / IP records (0xC0DE01C0).
    public static let extendedHeartbeat = NLBSignature(rawValue: 0xC0DE_01C0)
    /// "Reliable protocol" message (0xC0DE01DE).
    public static let reliable = NLBSignature(rawValue: 0xC0DE_01DE)

    /// `heartbeat`, `extended heartbeat`, `reliable` or the hex value.
    public var description: String {
        switch self {
        case .heartbeat: "heartbeat"
        case .extendedHeartbeat: "extended heartbeat"
        case .reliable: "reliable"
        default: "signature 0x" + String(rawValue, radix: 16)
        }
    }
}

/// A decoded Windows NLB heartbeat.
public struct NLBHeartbeat: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Octets of a full 0xC0DE01BF heartbeat.
    public static let fullLength = 1496

    /// Message signature.
    public var signature: NLBSignature
    /// Version; major = bits 8–15, minor = bits 0–7.
    public var version: UInt32
    /// Unique host ID (the host priority, 1–32).
    public var uniqueHostID: UInt32
    /// Cluster (virtual) IP.
    public var clusterIP: IPv4Address
    /// The host's dedicated IP.
    public var dedicatedIP: IPv4Address
    /// My host ID (0xC0DE01BF, if captured).
    public var myHostID: UInt16?
    /// Default host ID (0xC0DE01BF, if captured).
    public var defaultHostID: UInt16?
    /// Convergence state (0xC0DE01BF, if captured; meaning UNCONFIRMED).
    public var convergenceState: UInt16?
    /// Number of port rules (0xC0DE01BF, if captured).
    public var numberOfRules: UInt16?
    /// Unique host code (0xC0DE01BF, if captured).
    public var uniqueHostCode: UInt32?
    /// Packets handled (0xC0DE01BF, if captured).
    public var packetsHandled: UInt32?
    /// Teaming configuration bits (0xC0DE01BF, if captured).
    public var teamingConfig: UInt32?

    /// Major version (bits 8–15 of ``version``).
    public var majorVersion: UInt8 { UInt8(truncatingIfNeeded: version >> 8) }
    /// Minor version (bits 0–7 of ``version``).
    public var minorVersion: UInt8 { UInt8(truncatingIfNeeded: version) }

    /// A heartbeat for building frames.
    public init(
        signature: NLBSignature = .heartbeat, version: UInt32 = 0x0000_0204, uniqueHostID: UInt32,
        clusterIP: IPv4Address, dedicatedIP: IPv4Address, myHostID: UInt16? = nil,
        defaultHostID: UInt16? = nil, convergenceState: UInt16? = nil, numberOfRules: UInt16? = nil,
        uniqueHostCode: UInt32? = nil, packetsHandled: UInt32? = nil, teamingConfig: UInt32? = nil
    ) {
        self.signature = signature
        self.version = version
        self.uniqueHostID = uniqueHostID
        self.clusterIP = clusterIP
        self.dedicatedIP = dedicatedIP
        self.myHostID = myHostID
        self.defaultHostID = defaultHostID
        self.convergenceState = convergenceState
        self.numberOfRules = numberOfRules
        self.uniqueHostCode = uniqueHostCode
        self.packetsHandled = packetsHandled
        self.teamingConfig = teamingConfig
    }

    // MARK: - Parse

    /// Decodes the heartbeat that follows the EtherType; throws if fewer than 20 octets were captured.
    public static func parse(_ bytes: Span<UInt8>) throws(DecodeError) -> NLBHeartbeat {
        try bytes.require(20, for: .nlbHeartbeat)
        let signature = NLBSignature(rawValue: bytes.u32LE(0))
        var heartbeat = NLBHeartbeat(
            signature: signature,
            version: bytes.u32LE(4),
            uniqueHostID: bytes.u32LE(8),
            clusterIP: bytes.ipv4(12),
            dedicatedIP: bytes.ipv4(16))
        guard signature == .heartbeat else { return heartbeat }
        let count = bytes.count
        if count >= 22 { heartbeat.myHostID = bytes.u16LE(20) }
        if count >= 24 { heartbeat.defaultHostID = bytes.u16LE(22) }
        if count >= 26 { heartbeat.convergenceState = bytes.u16LE(24) }
        if count >= 28 { heartbeat.numberOfRules = bytes.u16LE(26) }
        if count >= 32 { heartbeat.uniqueHostCode = bytes.u32LE(28) }
        if count >= 36 { heartbeat.packetsHandled = bytes.u32LE(32) }
        if count >= 40 { heartbeat.teamingConfig = bytes.u32LE(36) }
        return heartbeat
    }

    // MARK: - Emit

    /// Appends a heartbeat of `length` octets (at least 20; default 1496): the fields that are
    /// set, zeros elsewhere (optional fields that are nil are written as 0 when they fit).
    public func emit(length: Int = NLBHeartbeat.fullLength, into out: inout [UInt8]) {
        let total = max(20, length)
        var body: [UInt8] = []
        body.reserveCapacity(max(total, 40))
        body.append32LE(signature.rawValue)
        body.append32LE(version)
        body.append32LE(uniqueHostID)
        body.append(clusterIP)
        body.append(dedicatedIP)
        body.append16LE(myHostID ?? 0)
        body.append16LE(defaultHostID ?? 0)
        body.append16LE(convergenceState ?? 0)
        body.append16LE(numberOfRules ?? 0)
        body.append32LE(uniqueHostCode ?? 0)
        body.append32LE(packetsHandled ?? 0)
        body.append32LE(teamingConfig ?? 0)
        if body.count > total { body.removeLast(body.count - total) }
        while body.count < total { body.append(0) }
        out += body
    }

    // MARK: - Description

    /// Text like `NLB heartbeat v2.4, host 1, cluster 10.0.0.100, host IP 10.0.0.11`.
    public var description: String {
        var text = "NLB \(signature) v\(majorVersion).\(minorVersion), host \(uniqueHostID)"
        text += ", cluster \(clusterIP), host IP \(dedicatedIP)"
        if let convergenceState { text += ", convergence \(convergenceState)" }
        if let numberOfRules { text += ", rules \(numberOfRules)" }
        return text
    }
}
