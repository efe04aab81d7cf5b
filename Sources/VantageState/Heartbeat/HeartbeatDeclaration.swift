//  A heartbeat stream declared by the user: `--heartbeat udp/PORT[@INTERVAL]` on
//  `vantage analyze`, or an entry of `heartbeats:` in the configuration file.
//
//      udp/3343@1.2     UDP datagrams to port 3343, one every 1.2 s per sender -> receiver
//      udp/7000         UDP datagrams to port 7000, interval learned from the traffic

/// A UDP heartbeat port the user declared, with its interval when known.
public struct HeartbeatDeclaration: Sendable, Hashable, CustomStringConvertible {
    /// The destination port of the heartbeat datagrams.
    public var port: UInt16
    /// The sending interval in nanoseconds (nil: learn it from the traffic).
    public var intervalNanoseconds: Int64?

    /// A declaration of `port` with an optional interval in nanoseconds.
    public init(port: UInt16, intervalNanoseconds: Int64? = nil) {
        self.port = port
        self.intervalNanoseconds = intervalNanoseconds
    }

    /// Parses `udp/PORT` or `udp/PORT@SECONDS` (seconds between 0.01 and 3600, e.g. `1.2`,
    /// optionally suffixed `s` or `ms`); nil when the text is anything else.
    public init?(_ text: String) {
        let lowered = text.lowercased()
        guard lowered.hasPrefix("udp/") else { return nil }
        let rest = lowered.dropFirst(4)
        let parts = rest.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        guard let port = UInt16(parts[0]), port != 0 else { return nil }
        self.port = port
        guard parts.count == 2 else {
            intervalNanoseconds = nil
            return
        }
        var number = parts[1]
        var scale = 1e9
        if number.hasSuffix("ms") {
            number = number.dropLast(2)
            scale = 1e6
        } else if number.hasSuffix("s") {
            number = number.dropLast()
        }
        guard let value = Double(number), value.isFinite else { return nil }
        let nanoseconds = (value * scale).rounded()
        guard nanoseconds >= 1e7, nanoseconds <= 3.6e12 else { return nil }
        intervalNanoseconds = Int64(nanoseconds)
    }

    /// `udp/3343@1.2s` or `udp/7000`.
    public var description: String {
        guard let intervalNanoseconds else { return "udp/\(port)" }
        return "udp/\(port)@\(Double(intervalNanoseconds) / 1e9)s"
    }
}
