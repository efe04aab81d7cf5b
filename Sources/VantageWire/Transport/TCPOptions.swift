// TCP options (RFC 9293 §3.1, RFC 7323, RFC 2018), the area between byte 20 and the data offset.
//
//    +--------+                          single-octet options: EOL (0), NOP (1)
//    |  kind  |
//    +--------+--------+---------------+
//    |  kind  | length |  data ...     |  length counts kind and length octets (>= 2)
//    +--------+--------+---------------+
//
//    MSS        +--------+--------+-----------------+
//               |00000010|00000100|   max seg size  |
//               +--------+--------+-----------------+
//    WScale     +--------+--------+--------+
//               |00000011|00000011| shift  |
//               +--------+--------+--------+
//    SACK-perm  +--------+--------+
//               |00000100|00000010|
//               +--------+--------+
//    SACK       +--------+--------+------------------------------------+
//               |00000101| 2+8n   | n x (left edge u32, right edge u32)|
//               +--------+--------+------------------------------------+
//    Timestamps +--------+--------+----------------+----------------+
//               |00001000|00001010|    TS value    |  TS echo reply |
//               +--------+--------+----------------+----------------+
//
// Parsing is lenient and allocation-free: it never throws, it records what it understood, and
// it sets `malformed` when an option's length is below 2, runs past the end of the options area,
// or does not fit the kind (e.g. an MSS option of length 3). A walk ends at EOL. The order of
// option kinds is kept in a fixed-size `TCPOptionLayout` (useful for tcpdump-like output and
// for stack fingerprints such as "mss,sackOK,TS,nop,wscale" = Linux).

/// A TCP option kind (open: unknown values round-trip).
public struct TCPOptionKind: RawRepresentable, Hashable, Sendable, Encodable, CustomStringConvertible {
    /// The kind octet.
    public var rawValue: UInt8
    /// An option kind from its octet.
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// End of option list (0).
    public static let endOfList = TCPOptionKind(rawValue: 0)
    /// No operation, used for alignment (1).
    public static let noOperation = TCPOptionKind(rawValue: 1)
    /// Maximum segment size (2).
    public static let maximumSegmentSize = TCPOptionKind(rawValue: 2)
    /// Window scale shift (3).
    public static let windowScale = TCPOptionKind(rawValue: 3)
    /// SACK permitted (4).
    public static let sackPermitted = TCPOptionKind(rawValue: 4)
    /// Selective acknowledgment blocks (5).
    public static let sack = TCPOptionKind(rawValue: 5)
    /// Timestamps (8).
    public static let timestamp = TCPOptionKind(rawValue: 8)
    /// TCP MD5 signature (19).
    public static let md5Signature = TCPOptionKind(rawValue: 19)
    /// User timeout (28).
    public static let userTimeout = TCPOptionKind(rawValue: 28)
    /// TCP authentication option (29).
    public static let authentication = TCPOptionKind(rawValue: 29)
    /// Multipath TCP (30).
    public static let multipath = TCPOptionKind(rawValue: 30)
    /// TCP Fast Open cookie (34).
    public static let fastOpen = TCPOptionKind(rawValue: 34)

    /// The tcpdump name of the kind.
    public var description: String {
        switch self {
        case .endOfList: "eol"
        case .noOperation: "nop"
        case .maximumSegmentSize: "mss"
        case .windowScale: "wscale"
        case .sackPermitted: "sackOK"
        case .sack: "sack"
        case .timestamp: "TS"
        case .md5Signature: "md5"
        case .userTimeout: "uto"
        case .authentication: "tcp-ao"
        case .multipath: "mptcp"
        case .fastOpen: "tfo"
        default: "unknown-\(rawValue)"
        }
    }
}

/// The order of option kinds in a segment: up to 16 kinds in a fixed-size value.
public struct TCPOptionLayout: Sequence, Hashable, Sendable, Encodable, CustomStringConvertible {
    /// How many kinds a layout stores; later ones only set ``overflowed``.
    public static let capacity = 16

    fileprivate var low: UInt64 = 0
    fileprivate var high: UInt64 = 0
    /// The count in one octet (at most 16), so that a layout takes 18 bytes, not 25.
    fileprivate var storedCount: UInt8 = 0
    /// Whether more than ``capacity`` options were seen.
    public fileprivate(set) var overflowed = false

    /// The number of kinds stored (at most ``capacity``).
    public var count: Int { Int(storedCount) }

    /// Builds a layout in locals (for ``TCPOptions/parse(_:declaredLength:)``).
    struct Builder {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var count: UInt8 = 0
        var overflowed = false

        @inline(__always)
        mutating func append(_ kind: TCPOptionKind) {
            guard count < UInt8(TCPOptionLayout.capacity) else {
                overflowed = true
                return
            }
            let shift = UInt64((count & 7) * 8)
            if count < 8 {
                low |= UInt64(kind.rawValue) << shift
            } else {
                high |= UInt64(kind.rawValue) << shift
            }
            count &+= 1
        }

        var layout: TCPOptionLayout {
            var layout = TCPOptionLayout()
            layout.low = low
            layout.high = high
            layout.storedCount = count
            layout.overflowed = overflowed
            return layout
        }
    }

    /// An empty layout.
    public init() {}

    /// A layout holding `kinds` in order.
    public init(_ kinds: [TCPOptionKind]) {
        for kind in kinds { append(kind) }
    }

    /// Appends a kind (sets ``overflowed`` when full).
    public mutating func append(_ kind: TCPOptionKind) {
        guard count < Self.capacity else {
            overflowed = true
            return
        }
        let shift = UInt64((count & 7) * 8)
        if count < 8 {
            low |= UInt64(kind.rawValue) << shift
        } else {
            high |= UInt64(kind.rawValue) << shift
        }
        storedCount &+= 1
    }

    /// The kind at `index` (0 ..< count); out-of-range indices read as `.endOfList`.
    public subscript(index: Int) -> TCPOptionKind {
        guard index >= 0, index < count else { return .endOfList }
        let word = index < 8 ? low : high
        return TCPOptionKind(rawValue: UInt8(truncatingIfNeeded: word >> UInt64((index & 7) * 8)))
    }

    /// Whether no option was seen.
    public var isEmpty: Bool { count == 0 }

    /// Iterates the stored kinds in order.
    public struct Iterator: IteratorProtocol {
        let layout: TCPOptionLayout
        var index = 0
        /// The next kind, or nil at the end.
        public mutating func next() -> TCPOptionKind? {
            guard index < layout.count else { return nil }
            defer { index += 1 }
            return layout[index]
        }
    }

    /// An iterator over the stored kinds.
    public func makeIterator() -> Iterator { Iterator(layout: self) }

    /// Kind names joined by commas, e.g. `mss,sackOK,TS,nop,wscale`.
    public var description: String {
        map(\.description).joined(separator: ",") + (overflowed ? ",..." : "")
    }

    /// Encodes the kind names as an array of strings.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(map(\.description))
    }
}

/// One SACK block: the left (first) and right (one past the last) sequence numbers.
public struct TCPSACKBlock: Sendable, Hashable, Encodable {
    /// First sequence number of the block.
    public var left: TCPSequenceNumber
    /// Sequence number just after the block.
    public var right: TCPSequenceNumber

    /// A block from its edges.
    public init(left: TCPSequenceNumber, right: TCPSequenceNumber) {
        self.left = left
        self.right = right
    }
}

/// The decoded TCP options area: the values a diagnosis needs, without allocation.
///
/// Stored compactly (40 bytes instead of 88: presence bits instead of optionals, one octet per
/// count and SACK bound) because every decoded TCP segment carries one and packets are copied
/// by value; the public properties keep their optional and `Int` types.
public struct TCPOptions: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// The option kinds in wire order.
    public var layout: TCPOptionLayout
    private var storedTimestampValue: UInt32 = 0
    private var storedTimestampEcho: UInt32 = 0
    private var storedMSS: UInt16 = 0
    /// The SACK blocks' bounds within the options area (at most 40 octets in a TCP header).
    private var storedSACKLower: UInt16 = 0
    private var storedSACKUpper: UInt16 = 0
    private var storedWindowScale: UInt8 = 0
    /// SACK blocks (at most 4 fit the 40-octet options area; kept up to 255).
    private var storedSACKBlockCount: UInt8 = 0
    private var bits: Bits = []

    private struct Bits: OptionSet, Hashable, Sendable {
        var rawValue: UInt8
        static let hasMSS = Bits(rawValue: 1 << 0)
        static let hasWindowScale = Bits(rawValue: 1 << 1)
        static let sackPermitted = Bits(rawValue: 1 << 2)
        static let hasSACKRange = Bits(rawValue: 1 << 3)
        static let hasTimestampValue = Bits(rawValue: 1 << 4)
        static let hasTimestampEcho = Bits(rawValue: 1 << 5)
        static let malformed = Bits(rawValue: 1 << 6)
        static let truncated = Bits(rawValue: 1 << 7)
    }

    @inline(__always)
    private mutating func set(_ bit: Bits, _ on: Bool) {
        if on { bits.insert(bit) } else { bits.remove(bit) }
    }

    /// Maximum segment size, if present.
    public var mss: UInt16? {
        get { bits.contains(.hasMSS) ? storedMSS : nil }
        set {
            storedMSS = newValue ?? 0
            set(.hasMSS, newValue != nil)
        }
    }
    /// Window scale shift count, if present.
    public var windowScale: UInt8? {
        get { bits.contains(.hasWindowScale) ? storedWindowScale : nil }
        set {
            storedWindowScale = newValue ?? 0
            set(.hasWindowScale, newValue != nil)
        }
    }
    /// Whether SACK-permitted is present.
    public var sackPermitted: Bool {
        get { bits.contains(.sackPermitted) }
        set { set(.sackPermitted, newValue) }
    }
    /// Number of SACK blocks in the (last) SACK option (stored in 0...255).
    public var sackBlockCount: Int {
        get { Int(storedSACKBlockCount) }
        set { storedSACKBlockCount = UInt8(clamping: newValue) }
    }
    /// The SACK blocks' bytes, relative to the start of the options area (8 bytes per block);
    /// bounds are stored in 0...65535 (a TCP options area has at most 40 octets).
    public var sackRange: Range<Int>? {
        get { bits.contains(.hasSACKRange) ? Int(storedSACKLower)..<Int(storedSACKUpper) : nil }
        set {
            storedSACKLower = UInt16(clamping: newValue?.lowerBound ?? 0)
            storedSACKUpper = max(storedSACKLower, UInt16(clamping: newValue?.upperBound ?? 0))
            set(.hasSACKRange, newValue != nil)
        }
    }
    /// Timestamp value (TSval), if present.
    public var timestampValue: UInt32? {
        get { bits.contains(.hasTimestampValue) ? storedTimestampValue : nil }
        set {
            storedTimestampValue = newValue ?? 0
            set(.hasTimestampValue, newValue != nil)
        }
    }
    /// Timestamp echo reply (TSecr), if present.
    public var timestampEcho: UInt32? {
        get { bits.contains(.hasTimestampEcho) ? storedTimestampEcho : nil }
        set {
            storedTimestampEcho = newValue ?? 0
            set(.hasTimestampEcho, newValue != nil)
        }
    }
    /// An option had a length below 2, ran past the end of the area, or did not fit its kind.
    public var malformed: Bool {
        get { bits.contains(.malformed) }
        set { set(.malformed, newValue) }
    }
    /// The capture ended inside the options area (snap length) before an EOL; what follows is unknown.
    public var truncated: Bool {
        get { bits.contains(.truncated) }
        set { set(.truncated, newValue) }
    }

    private enum CodingKeys: String, CodingKey {
        case mss, windowScale, sackPermitted, sackBlockCount, sackRange, timestampValue, timestampEcho, malformed
        case truncated, layout
    }

    /// Encodes the same keys as the plain stored properties did (absent optionals omitted).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(mss, forKey: .mss)
        try container.encodeIfPresent(windowScale, forKey: .windowScale)
        try container.encode(sackPermitted, forKey: .sackPermitted)
        try container.encode(sackBlockCount, forKey: .sackBlockCount)
        try container.encodeIfPresent(sackRange, forKey: .sackRange)
        try container.encodeIfPresent(timestampValue, forKey: .timestampValue)
        try container.encodeIfPresent(timestampEcho, forKey: .timestampEcho)
        try container.encode(malformed, forKey: .malformed)
        try container.encode(truncated, forKey: .truncated)
        try container.encode(layout, forKey: .layout)
    }

    /// Options for building segments; without `layout`, a Linux-like order is used
    /// (mss, sackOK+TS or nop,nop,TS, nop,wscale, nop,nop,sackOK, nop,nop,sack).
    public init(
        mss: UInt16? = nil, windowScale: UInt8? = nil, sackPermitted: Bool = false,
        sackBlockCount: Int = 0, timestampValue: UInt32? = nil, timestampEcho: UInt32? = nil,
        layout: TCPOptionLayout? = nil
    ) {
        self.layout = TCPOptionLayout()
        self.mss = mss
        self.windowScale = windowScale
        self.sackPermitted = sackPermitted
        self.sackBlockCount = sackBlockCount
        self.timestampValue = timestampValue
        self.timestampEcho = timestampValue == nil ? timestampEcho : (timestampEcho ?? 0)
        if let layout {
            self.layout = layout
        } else {
            var kinds: [TCPOptionKind] = []
            if mss != nil { kinds.append(.maximumSegmentSize) }
            if timestampValue != nil {
                kinds += sackPermitted ? [.sackPermitted, .timestamp] : [.noOperation, .noOperation, .timestamp]
            }
            if windowScale != nil { kinds += [.noOperation, .windowScale] }
            if sackPermitted && timestampValue == nil { kinds += [.noOperation, .noOperation, .sackPermitted] }
            if sackBlockCount > 0 { kinds += [.noOperation, .noOperation, .sack] }
            self.layout = TCPOptionLayout(kinds)
        }
    }

    /// No options at all.
    public static let none = TCPOptions(layout: TCPOptionLayout())

    // MARK: - Parse

    /// Walks the options area leniently (never throws, never allocates).
    ///
    /// `bytes` is the captured part of the options area; `declaredLength` is its size from the
    /// data offset (defaults to `bytes.count`). An option cut where the capture ends before the
    /// declared end sets `truncated`, not `malformed`.
    @inline(__always)
    public static func parse(_ bytes: Span<UInt8>, declaredLength: Int? = nil) -> TCPOptions {
        // Nearly every segment of an established Linux or BSD connection carries exactly
        // NOP, NOP, Timestamps: recognised with two loads, with the walk's very result.
        if bytes.count == 12, declaredLength ?? 12 == 12, bytes.u32(0) == 0x0101_080A {
            var layout = TCPOptionLayout.Builder()
            layout.low = 0x08_01_01
            layout.count = 3
            return TCPOptions(
                layout: layout.layout, timestampValue: bytes.u32(4), timestampEcho: bytes.u32(8), mss: 0,
                sackLower: 0, sackUpper: 0, windowScale: 0, sackBlockCount: 0,
                bits: [.hasTimestampValue, .hasTimestampEcho])
        }
        // The walk keeps every field in a local (registers) and builds the value once at the
        // end: updating a stored value field by field and then copying it out would make the
        // copy wait for those narrow stores (failed store forwarding), on every TCP segment.
        var layout = TCPOptionLayout.Builder()
        var bits: Bits = []
        var mss: UInt16 = 0
        var windowScale: UInt8 = 0
        var sackBlockCount: UInt8 = 0
        var sackLower: UInt16 = 0
        var sackUpper: UInt16 = 0
        var timestampValue: UInt32 = 0
        var timestampEcho: UInt32 = 0
        let end = bytes.count
        let declaredEnd = max(declaredLength ?? end, end)
        var index = 0
        var endedAtEOL = false
        // Every iteration advances `index` by at least 1, so the loop runs at most `end` times.
        while index < end {
            let kind = TCPOptionKind(rawValue: bytes[index])
            if kind == .endOfList {
                layout.append(kind)
                endedAtEOL = true  // the rest is padding, captured or not
                break
            }
            if kind == .noOperation {
                layout.append(kind)
                index += 1
                continue
            }
            guard index + 1 < end else {
                bits.insert(declaredEnd > end ? .truncated : .malformed)
                break
            }
            let length = Int(bytes[index + 1])
            guard length >= 2 else {
                bits.insert(.malformed)
                break
            }
            guard index + length <= end else {
                bits.insert(index + length <= declaredEnd ? .truncated : .malformed)
                break
            }
            layout.append(kind)
            switch kind {
            case .maximumSegmentSize:
                if length == 4 {
                    mss = bytes.u16(index + 2)
                    bits.insert(.hasMSS)
                } else {
                    bits.insert(.malformed)
                }
            case .windowScale:
                if length == 3 {
                    windowScale = bytes[index + 2]
                    bits.insert(.hasWindowScale)
                } else {
                    bits.insert(.malformed)
                }
            case .sackPermitted:
                if length == 2 { bits.insert(.sackPermitted) } else { bits.insert(.malformed) }
            case .sack:
                if length >= 10, (length - 2) % 8 == 0 {
                    sackBlockCount = UInt8(clamping: (length - 2) / 8)
                    sackLower = UInt16(clamping: index + 2)
                    sackUpper = max(sackLower, UInt16(clamping: index + length))
                    bits.insert(.hasSACKRange)
                } else {
                    bits.insert(.malformed)
                }
            case .timestamp:
                if length == 10 {
                    timestampValue = bytes.u32(index + 2)
                    timestampEcho = bytes.u32(index + 6)
                    bits.formUnion([.hasTimestampValue, .hasTimestampEcho])
                } else {
                    bits.insert(.malformed)
                }
            default:
                break
            }
            index += length
        }
        if !endedAtEOL && declaredEnd > end && !bits.contains(.malformed) { bits.insert(.truncated) }
        return TCPOptions(
            layout: layout.layout, timestampValue: timestampValue, timestampEcho: timestampEcho, mss: mss,
            sackLower: sackLower, sackUpper: sackUpper, windowScale: windowScale, sackBlockCount: sackBlockCount,
            bits: bits)
    }

    /// The parse-time initializer: every stored field at once.
    @inline(__always)
    private init(
        layout: TCPOptionLayout, timestampValue: UInt32, timestampEcho: UInt32, mss: UInt16, sackLower: UInt16,
        sackUpper: UInt16, windowScale: UInt8, sackBlockCount: UInt8, bits: Bits
    ) {
        self.layout = layout
        storedTimestampValue = timestampValue
        storedTimestampEcho = timestampEcho
        storedMSS = mss
        storedSACKLower = sackLower
        storedSACKUpper = sackUpper
        storedWindowScale = windowScale
        storedSACKBlockCount = sackBlockCount
        self.bits = bits
    }

    /// SACK block `index` (0 ..< sackBlockCount) read from the options area `bytes` given to
    /// ``parse(_:declaredLength:)``; nil when out of range.
    public func sackBlock(_ index: Int, in bytes: Span<UInt8>) -> TCPSACKBlock? {
        guard let range = sackRange, index >= 0, index < sackBlockCount else { return nil }
        let offset = range.lowerBound + index * 8
        guard offset + 8 <= bytes.count else { return nil }
        return TCPSACKBlock(
            left: TCPSequenceNumber(bytes.u32(offset)), right: TCPSequenceNumber(bytes.u32(offset + 4)))
    }

    // MARK: - Emit

    /// Appends the options in ``layout`` order, padded with EOL octets to a multiple of 4.
    ///
    /// A SACK option carries `sackBlocks` (or ``sackBlockCount`` zero blocks when empty);
    /// unknown kinds are written as bare 2-octet options. The caller keeps the result within
    /// 40 bytes.
    public func emit(sackBlocks: [TCPSACKBlock] = [], into out: inout [UInt8]) {
        let start = out.count
        for kind in layout {
            switch kind {
            case .endOfList, .noOperation:
                out.append(kind.rawValue)
            case .maximumSegmentSize:
                out += [2, 4]
                out.append16(mss ?? 0)
            case .windowScale:
                out += [3, 3, windowScale ?? 0]
            case .sackPermitted:
                out += [4, 2]
            case .sack:
                let blocks =
                    sackBlocks.isEmpty
                    ? Array(
                        repeating: TCPSACKBlock(left: .init(0), right: .init(0)), count: max(0, min(sackBlockCount, 4)))
                    : sackBlocks
                out += [5, UInt8(truncatingIfNeeded: 2 + 8 * blocks.count)]
                for block in blocks {
                    out.append32(block.left.rawValue)
                    out.append32(block.right.rawValue)
                }
            case .timestamp:
                out += [8, 10]
                out.append32(timestampValue ?? 0)
                out.append32(timestampEcho ?? 0)
            default:
                out += [kind.rawValue, 2]
            }
        }
        while (out.count - start) % 4 != 0 { out.append(0) }
    }

    // MARK: - Description

    /// tcpdump-like text, e.g. `[mss 1460,nop,wscale 6,sackOK,TS val 371382342 ecr 0]`.
    public var description: String {
        var parts: [String] = []
        for kind in layout {
            switch kind {
            case .maximumSegmentSize: parts.append("mss \(mss.map { String($0) } ?? "?")")
            case .windowScale: parts.append("wscale \(windowScale.map { String($0) } ?? "?")")
            case .sack: parts.append("sack \(sackBlockCount)")
            case .timestamp:
                parts.append(
                    "TS val \(timestampValue.map { String($0) } ?? "?") ecr \(timestampEcho.map { String($0) } ?? "?")")
            default: parts.append(kind.description)
            }
        }
        if layout.overflowed { parts.append("...") }
        if malformed { parts.append("bad opt") }
        if truncated { parts.append("|") }
        return "[" + parts.joined(separator: ",") + "]"
    }
}
