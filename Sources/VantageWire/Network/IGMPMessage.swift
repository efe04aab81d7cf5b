//  IGMP v1 (RFC 1112), v2 (RFC 2236), v3 (RFC 3376), IP protocol 2.
//  Usually sent with TTL 1 and an IPv4 router-alert option (IHL 6).
//
//  v1/v2 messages, v3 query prefix:             v3 query continues:
//  +-------+-------+---------------+            +-+-+---+-------+---------------+
//  | type  |max rsp|   checksum    |            |rsv|S|QRV| QQIC| # sources (n) |
//  +-------+-------+---------------+            +-+-+---+-------+---------------+
//  |       group address           |            | source addresses (4 × n)  ...
//  +-------------------------------+
//
//  v3 report (0x22):                             group record:
//  +-------+-------+---------------+            +-------+-------+---------------+
//  | 0x22  | rsvd  |   checksum    |            | rtype |auxlen | # sources     |
//  +-------+-------+---------------+            +-------+-------+---------------+
//  |   reserved    | # records     |            |   multicast address           |
//  +---------------+---------------+            +-------------------------------+
//  |   group records ...                        | sources, aux data ...
//
//  Query version (RFC 3376 §7.1): length 8 and max resp 0 → v1; length 8 → v2; length ≥ 12 →
//  v3; other lengths are ignored (here: malformed). Types: 0x11 query, 0x12 v1 report,
//  0x16 v2 report, 0x17 leave group, 0x22 v3 report. Checksum over the whole message.

/// An IGMP message type (open: unknown values round-trip).
public struct IGMPType: RawRepresentable, Hashable, Sendable, CustomStringConvertible, Codable {
    /// The type value.
    public var rawValue: UInt8
    /// A type from its value.
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Membership query, all versions (0x11).
    public static let membershipQuery = IGMPType(rawValue: 0x11)
    /// Version 1 membership report (0x12).
    public static let v1Report = IGMPType(rawValue: 0x12)
    /// Version 2 membership report (0x16).
    public static let v2Report = IGMPType(rawValue: 0x16)
    /// Leave group, v2 (0x17).
    public static let leaveGroup = IGMPType(rawValue: 0x17)
    /// Version 3 membership report (0x22).
    public static let v3Report = IGMPType(rawValue: 0x22)

    /// tcpdump-like type names.
    public var description: String {
        switch self {
        case .membershipQuery: "query"
        case .v1Report: "v1 report"
        case .v2Report: "v2 report"
        case .leaveGroup: "leave"
        case .v3Report: "v3 report"
        default: "type-\(WireHex.format(rawValue, digits: 2))"
        }
    }
}

/// An IGMP message of any version, with its version detected per RFC 3376 §7.1.
public struct IGMPMessage: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Length of a v1/v2 message (and of the common prefix).
    public static let minimumLength = 8
    /// Length of a v3 query without sources.
    public static let v3QueryLength = 12

    /// Message type.
    public var type: IGMPType
    /// IGMP version: 1, 2 or 3 (0 for an unknown type).
    public var version: UInt8
    /// The Max Resp Code octet as carried (v2: 1/10 s; v3: see ``maxResponseDeciseconds``).
    public var maxResponseCode: UInt8
    /// Group address (0.0.0.0 in general queries and v3 reports).
    public var groupAddress: IPv4Address
    /// Whether the checksum verified; nil when the message was not wholly captured.
    public var checksumValid: Bool?
    /// v3 query: S flag (suppress router-side processing).
    public var suppressRouterProcessing: Bool
    /// v3 query: querier's robustness variable (QRV, 0–7).
    public var robustness: UInt8
    /// v3 query: querier's query interval code (QQIC) as carried.
    public var queryIntervalCode: UInt8
    /// v3 query: number of source addresses.
    public var sourceCount: Int
    /// v3 query: the source addresses, relative to the message start (empty otherwise).
    public var sourcesRange: Range<Int>
    /// v3 report: number of group records.
    public var recordCount: Int
    /// v3 report: the first record's type (1 IS_IN … 6 BLOCK_OLD).
    public var firstRecordType: UInt8?
    /// v3 report: the first record's multicast address.
    public var firstRecordGroup: IPv4Address?

    /// A message from its fields; `version` defaults from the type (queries: 2).
    public init(
        type: IGMPType, version: UInt8? = nil, maxResponseCode: UInt8 = 0,
        groupAddress: IPv4Address = IPv4Address(rawValue: 0),
        suppressRouterProcessing: Bool = false, robustness: UInt8 = 0, queryIntervalCode: UInt8 = 0,
        firstRecordType: UInt8? = nil, firstRecordGroup: IPv4Address? = nil
    ) {
        self.type = type
        self.version = version ?? Self.defaultVersion(of: type)
        self.maxResponseCode = maxResponseCode
        self.groupAddress = groupAddress
        checksumValid = true
        self.suppressRouterProcessing = suppressRouterProcessing
        self.robustness = robustness & 0x07
        self.queryIntervalCode = queryIntervalCode
        sourceCount = 0
        let isV3Query = type == .membershipQuery && self.version == 3
        let sourcesStart = isV3Query ? Self.v3QueryLength : Self.minimumLength
        sourcesRange = sourcesStart..<sourcesStart
        recordCount = firstRecordGroup == nil ? 0 : 1
        self.firstRecordType = firstRecordGroup == nil ? nil : (firstRecordType ?? 2)
        self.firstRecordGroup = firstRecordGroup
    }

    private static func defaultVersion(of type: IGMPType) -> UInt8 {
        switch type {
        case .v1Report: 1
        case .membershipQuery, .v2Report, .leaveGroup: 2
        case .v3Report: 3
        default: 0
        }
    }

    /// A v2 membership report for `group`.
    public static func v2Report(group: IPv4Address) -> IGMPMessage {
        IGMPMessage(type: .v2Report, groupAddress: group)
    }

    /// A v2 leave for `group`.
    public static func leave(group: IPv4Address) -> IGMPMessage {
        IGMPMessage(type: .leaveGroup, groupAddress: group)
    }

    /// A v3 report with one record (`recordType` 4 = CHANGE_TO_EXCLUDE, i.e. join).
    public static func v3Report(group: IPv4Address, recordType: UInt8 = 4) -> IGMPMessage {
        IGMPMessage(type: .v3Report, firstRecordType: recordType, firstRecordGroup: group)
    }

    /// Whether this is a membership query.
    public var isQuery: Bool { type == .membershipQuery }

    /// Maximum response time in tenths of a second (v1: 0; v3 codes ≥ 128 are exponential).
    public var maxResponseDeciseconds: Int {
        version == 3 ? Self.decodeExponential(maxResponseCode) : Int(maxResponseCode)
    }

    /// v3 query: the querier's query interval in seconds (QQIC decoded).
    public var queryIntervalSeconds: Int { Self.decodeExponential(queryIntervalCode) }

    /// RFC 3376 §4.1.1 floating-point code: < 128 literal, else (mant | 0x10) << (exp + 3).
    private static func decodeExponential(_ code: UInt8) -> Int {
        guard code >= 128 else { return Int(code) }
        return (Int(code & 0x0F) | 0x10) << (Int(code >> 4 & 0x07) + 3)
    }

    /// Parses the message at the start of `bytes`, which must end where the IP payload ends
    /// (link padding excluded). Pass `isComplete: false` when the IP length exceeded the
    /// capture: the checksum is then nil. `declaredLength` is the message length from the IP
    /// header when known: a query's version follows it rather than the captured length, so a
    /// v3 query cut by the snap length throws `.truncated` instead of passing for v1/v2 (cut at
    /// 8 octets) or being malformed (cut at 9–11).
    public static func parse(
        _ bytes: Span<UInt8>, isComplete: Bool = true, declaredLength: Int? = nil
    ) throws(DecodeError) -> IGMPMessage {
        try bytes.require(minimumLength, for: .igmp)
        let type = IGMPType(rawValue: bytes.u8(0))
        let maxResponse = bytes.u8(1)
        let length = max(declaredLength ?? bytes.count, bytes.count)
        var message = IGMPMessage(type: type, maxResponseCode: maxResponse, groupAddress: bytes.ipv4(4))
        switch type {
        case .membershipQuery:
            if length == minimumLength {
                message.version = maxResponse == 0 ? 1 : 2
            } else if length >= v3QueryLength {
                try bytes.require(v3QueryLength, for: .igmp)
                let sources = Int(bytes.u16(10))
                try bytes.require(v3QueryLength + 4 * sources, for: .igmp)
                let flags = bytes.u8(8)
                message.version = 3
                message.suppressRouterProcessing = flags & 0x08 != 0
                message.robustness = flags & 0x07
                message.queryIntervalCode = bytes.u8(9)
                message.sourceCount = sources
                message.sourcesRange = v3QueryLength..<(v3QueryLength + 4 * sources)
            } else {
                throw .malformed(layer: .igmp, offset: 0, reason: "query length between 9 and 11")
            }
        case .v3Report:
            message.groupAddress = IPv4Address(rawValue: 0)
            message.maxResponseCode = 0
            message.recordCount = Int(bytes.u16(6))
            if message.recordCount > 0 {
                try bytes.require(minimumLength + 8, for: .igmp)
                message.firstRecordType = bytes.u8(8)
                message.firstRecordGroup = bytes.ipv4(12)
            }
        default:
            break
        }
        if isComplete {
            var sum = InternetChecksum()
            sum.add(bytes)
            message.checksumValid = sum.isValid
        } else {
            message.checksumValid = nil
        }
        return message
    }

    /// Appends the message with a computed checksum: 8 octets for v1/v2, 12 + 4 × sources for
    /// a v3 query (`sources` written, their count taken from the array), 8 (+ 8 for the first
    /// record, when set) for a v3 report.
    public func emit(sources: [IPv4Address] = [], into out: inout [UInt8]) {
        let start = out.count
        out.append8(type.rawValue)
        if type == .v3Report {
            out.append8(0)
            out.append16(0)
            out.append16(0)
            if let firstRecordGroup {
                out.append16(1)
                out.append8(firstRecordType ?? 2)
                out.append8(0)
                out.append16(0)
                out.append(firstRecordGroup)
            } else {
                out.append16(0)
            }
        } else {
            out.append8(maxResponseCode)
            out.append16(0)
            out.append(groupAddress)
            if type == .membershipQuery && version == 3 {
                out.append8((suppressRouterProcessing ? 0x08 : 0) | robustness & 0x07)
                out.append8(queryIntervalCode)
                out.append16(UInt16(truncatingIfNeeded: sources.count))
                for source in sources { out.append(source) }
            }
        }
        var sum = InternetChecksum()
        sum.add(out.span.extracting(start..<out.count))
        out.set16(sum.value, at: start + 2)
    }

    /// tcpdump-like: `igmp query v2 [max resp time 10]`, `igmp v2 report 239.1.1.1`.
    public var description: String {
        var text: String
        switch type {
        case .membershipQuery:
            text = "igmp query v\(version)"
            if version > 1 {
                let tenths = maxResponseDeciseconds
                text += " [max resp time \(tenths / 10).\(tenths % 10)s]"
            }
            if groupAddress.rawValue != 0 { text += " [gaddr \(groupAddress)]" }
            if version == 3 {
                text += " [qrv \(robustness)] [qqi \(queryIntervalSeconds)]"
                if sourceCount > 0 { text += " [\(sourceCount) source(s)]" }
            }
        case .v3Report:
            text = "igmp v3 report, \(recordCount) group record(s)"
            if let firstRecordGroup, let firstRecordType {
                let names = [1: "is_in", 2: "is_ex", 3: "to_in", 4: "to_ex", 5: "allow", 6: "block"]
                text += " [gaddr \(firstRecordGroup) \(names[Int(firstRecordType)] ?? "type \(firstRecordType)")]"
            }
        case .v1Report, .v2Report, .leaveGroup:
            text = "igmp \(type) \(groupAddress)"
        default:
            text = "igmp \(type)"
        }
        if checksumValid == false { text += " [bad cksum]" }
        return text
    }
}
