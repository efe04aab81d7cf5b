import VantageWire

/// One capturing interface: the classic pcap file header, or one pcapng IDB.
public struct CaptureInterface: Sendable, Hashable {
    /// How each packet's bytes begin.
    public var linkType: LinkType
    /// The largest number of bytes captured per packet; 0 means no limit.
    public var snapLength: Int
    /// `if_name`, when the IDB has one.
    public var name: String?
    /// `if_description`, when the IDB has one.
    public var interfaceDescription: String?
    /// Unit of the packet timestamps (`if_tsresol`, or µs / ns from the pcap magic).
    public var timestampResolution: TimestampResolution
    /// Seconds added to every timestamp (`if_tsoffset`); 0 when absent.
    public var timestampOffsetSeconds: Int64
    /// Bytes of FCS at the end of each frame (pcap FCS bits, `if_fcslen`); 0: none or unknown.
    public var fcsLength: Int
    /// 0-based pcapng section this interface belongs to (always 0 for classic pcap).
    public var section: Int
    /// The interface ID as written in its section (IDB order, restarting at each SHB).
    public var localID: Int

    public init(
        linkType: LinkType, snapLength: Int, name: String? = nil,
        interfaceDescription: String? = nil,
        timestampResolution: TimestampResolution = .microseconds,
        timestampOffsetSeconds: Int64 = 0, fcsLength: Int = 0, section: Int = 0, localID: Int = 0
    ) {
        self.linkType = linkType
        self.snapLength = snapLength
        self.name = name
        self.interfaceDescription = interfaceDescription
        self.timestampResolution = timestampResolution
        self.timestampOffsetSeconds = timestampOffsetSeconds
        self.fcsLength = fcsLength
        self.section = section
        self.localID = localID
    }
}

/// A pcapng `if_tsresol` value: MSB 0 means units of 10^-n s, MSB 1 means 2^-n s.
public struct TimestampResolution: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// 10^-6 s, the pcapng default and classic pcap's µs magic.
    public static let microseconds = TimestampResolution(rawValue: 6)
    /// 10^-9 s.
    public static let nanoseconds = TimestampResolution(rawValue: 9)

    /// Whether the unit is a negative power of two.
    public var isBinary: Bool { rawValue & 0x80 != 0 }
    /// `n` in 10^-n or 2^-n.
    public var exponent: Int { Int(rawValue & 0x7F) }

    /// Whether the reader converts this resolution: 10^-n for n ≤ 19, 2^-n for n ≤ 63.
    public var isSupported: Bool { isBinary ? exponent <= 63 : exponent <= 19 }

    public var description: String { isBinary ? "2^-\(exponent) s" : "10^-\(exponent) s" }
}

/// Converts timestamp units of one interface to nanoseconds with integer math.
struct TimeScale: Sendable, Hashable {
    private enum Kind: Hashable {
        /// ns = units × factor (10^-n with n ≤ 9).
        case multiply(Int64)
        /// ns = units / divisor (10^-n with 9 < n ≤ 19), truncating.
        case divide(UInt64)
        /// ns = units × 10^9 / 2^n, truncating, exact in 128-bit math.
        case binary(UInt64)
    }
    private let kind: Kind

    /// nil when the resolution is not supported.
    init?(_ resolution: TimestampResolution) {
        guard resolution.isSupported else { return nil }
        let n = resolution.exponent
        if resolution.isBinary {
            kind = .binary(UInt64(n))
        } else if n <= 9 {
            var factor: Int64 = 1
            for _ in n..<9 { factor *= 10 }
            kind = .multiply(factor)
        } else {
            var divisor: UInt64 = 1
            for _ in 9..<n { divisor *= 10 }
            kind = .divide(divisor)
        }
    }

    /// Nanoseconds for `units` timestamp units, clamped to `Int64.max`.
    @inline(__always)
    func nanoseconds(_ units: UInt64) -> Int64 {
        switch kind {
        case .multiply(let factor):
            let (value, overflow) = units.multipliedReportingOverflow(by: UInt64(factor))
            return overflow || value > UInt64(Int64.max) ? .max : Int64(value)
        case .divide(let divisor):
            let value = units / divisor
            return value > UInt64(Int64.max) ? .max : Int64(value)
        case .binary(let shift):
            let value = (UInt128(units) &* 1_000_000_000) >> shift
            return value > UInt128(Int64.max) ? .max : Int64(value)
        }
    }
}

/// The container format of a capture file.
public struct CaptureFormat: Sendable, Hashable, CustomStringConvertible {
    /// pcap or pcapng.
    public enum Container: Sendable, Hashable { case pcap, pcapng }
    /// Byte order of headers (pcapng: of the current section).
    public enum ByteOrder: Sendable, Hashable { case littleEndian, bigEndian }
    /// Classic pcap flavours.
    public enum PcapVariant: Sendable, Hashable {
        /// 0xa1b2c3d4 / 0xa1b23c4d: 16-byte record headers.
        case standard
        /// 0xa1b2cd34, Alexey Kuznetzov's patched format: 24-byte record headers.
        case kuznetzov
        /// 0xa12b3c4d, Navtel Communications: nanosecond timestamps, 16-byte record headers.
        case navtel
    }

    public var container: Container
    public var byteOrder: ByteOrder
    /// Classic pcap: whether the fractions are nanoseconds. pcapng: false (see each interface).
    public var nanosecondTimestamps: Bool
    /// Classic pcap flavour (`.standard` for pcapng).
    public var pcapVariant: PcapVariant
    /// Classic pcap version, or pcapng SHB version of the current section.
    public var versionMajor: Int
    public var versionMinor: Int

    public var description: String {
        let order = byteOrder == .littleEndian ? "little-endian" : "big-endian"
        switch container {
        case .pcapng:
            return "pcapng \(versionMajor).\(versionMinor) (\(order))"
        case .pcap:
            let unit = nanosecondTimestamps ? "ns" : "µs"
            let flavour =
                switch pcapVariant {
                case .standard: ""
                case .kuznetzov: ", Kuznetzov"
                case .navtel: ", Navtel"
                }
            return "pcap \(versionMajor).\(versionMinor) (\(order), \(unit)\(flavour))"
        }
    }
}
