/// A point in time: nanoseconds since the Unix epoch (UTC).
///
/// Arithmetic saturates instead of trapping, so a garbage timestamp in a capture can never stop
/// the program. Durations are plain `Int64` nanoseconds.
public struct Timestamp: Comparable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// Nanoseconds since 1970-01-01T00:00:00Z; negative before the epoch.
    public var nanoseconds: Int64

    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// A timestamp from whole seconds and a nanosecond fraction (saturating).
    @inlinable public init(seconds: Int64, nanoseconds fraction: Int64 = 0) {
        self.nanoseconds = Timestamp.saturatingAdd(
            Timestamp.saturatingMultiply(seconds, 1_000_000_000), fraction)
    }

    /// The Unix epoch.
    public static let zero = Timestamp(nanoseconds: 0)

    /// Seconds since the epoch as a `Double` (loses precision below ~0.1 µs for current dates).
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// Whole seconds since the epoch, rounded toward negative infinity.
    public var wholeSeconds: Int64 {
        nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds + 1) / 1_000_000_000 - 1
    }

    /// The nanoseconds within the current second, 0 ..< 1_000_000_000.
    public var fractionNanoseconds: Int64 {
        let remainder = nanoseconds % 1_000_000_000
        return remainder < 0 ? remainder + 1_000_000_000 : remainder
    }

    @inlinable public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    /// The timestamp `duration` nanoseconds later (saturating).
    @inlinable public static func + (lhs: Timestamp, duration: Int64) -> Timestamp {
        Timestamp(nanoseconds: saturatingAdd(lhs.nanoseconds, duration))
    }

    /// The timestamp `duration` nanoseconds earlier (saturating).
    @inlinable public static func - (lhs: Timestamp, duration: Int64) -> Timestamp {
        Timestamp(nanoseconds: saturatingAdd(lhs.nanoseconds, duration == .min ? .max : -duration))
    }

    /// The nanoseconds from `rhs` to `lhs` (saturating).
    @inlinable public static func - (lhs: Timestamp, rhs: Timestamp) -> Int64 {
        let (value, overflow) = lhs.nanoseconds.subtractingReportingOverflow(rhs.nanoseconds)
        return overflow ? (lhs.nanoseconds < rhs.nanoseconds ? .min : .max) : value
    }

    @inlinable public static func += (lhs: inout Timestamp, duration: Int64) {
        lhs = lhs + duration
    }
    @inlinable public static func -= (lhs: inout Timestamp, duration: Int64) {
        lhs = lhs - duration
    }

    /// `a + b`, clamped to the `Int64` range.
    @inlinable public static func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
        let (value, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : value
    }

    /// `a * b`, clamped to the `Int64` range.
    @inlinable public static func saturatingMultiply(_ a: Int64, _ b: Int64) -> Int64 {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? ((a < 0) != (b < 0) ? .min : .max) : value
    }

    /// ISO 8601 in UTC with nanoseconds: `2026-11-22T03:01:05.123456789Z`.
    public var description: String {
        let civil = CivilTime(self)
        return "\(pad(civil.year, 4))-\(pad(civil.month, 2))-\(pad(civil.day, 2))T"
            + "\(pad(civil.hour, 2)):\(pad(civil.minute, 2)):\(pad(civil.second, 2))."
            + "\(pad(fractionNanoseconds, 9))Z"
    }

    /// Time of day in UTC with microseconds, as tcpdump prints it: `03:01:05.123456`.
    public var timeOfDay: String {
        let civil = CivilTime(self)
        return "\(pad(civil.hour, 2)):\(pad(civil.minute, 2)):\(pad(civil.second, 2))."
            + pad(fractionNanoseconds / 1000, 6)
    }

    /// Seconds and microseconds as `tcpdump -tt` prints them: `1763780465.123456`.
    public var epochMicroseconds: String {
        "\(wholeSeconds).\(pad(fractionNanoseconds / 1000, 6))"
    }

    public init(from decoder: any Decoder) throws {
        nanoseconds = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(nanoseconds)
    }
}

/// Zero-padded decimal text of a non-negative value (negative values print with a sign).
private func pad(_ value: Int64, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}

/// Calendar fields of a timestamp in UTC (proleptic Gregorian), by integer math.
private struct CivilTime {
    var year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64

    init(_ timestamp: Timestamp) {
        let seconds = timestamp.wholeSeconds
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        hour = secondOfDay / 3600
        minute = secondOfDay % 3600 / 60
        second = secondOfDay % 60
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }
}
