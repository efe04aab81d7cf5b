/// A named capture file: one place in the cluster where packets were recorded.
public struct VantagePoint: Sendable, Hashable, CustomStringConvertible {
    /// Short name used in findings ("fw1", "lb-a").
    public var name: String
    /// Path of the pcap or pcapng file.
    public var path: String

    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }

    /// Parses a command-line argument: `name=path`, or just `path` (the name is then the
    /// file's base name without its extension). The text before the first `=` is a name only
    /// if it is non-empty and has no `/`; write `./a=b.pcap` for a file whose name has a `=`.
    public init(parsing argument: String) {
        if let equals = argument.firstIndex(of: "=") {
            let name = String(argument[..<equals])
            let path = String(argument[argument.index(after: equals)...])
            if !name.isEmpty && !name.contains("/") && !path.isEmpty {
                self.init(name: name, path: path)
                return
            }
        }
        self.init(name: VantagePoint.defaultName(forPath: argument), path: argument)
    }

    /// Parses several arguments and makes their names unique.
    public static func parse(_ arguments: [String]) -> [VantagePoint] {
        uniquingNames(arguments.map(VantagePoint.init(parsing:)))
    }

    /// The base name of `path` without its last extension: `/caps/fw1.pcapng` → `fw1`.
    public static func defaultName(forPath path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        var base = trimmed.split(separator: "/", omittingEmptySubsequences: true).last ?? trimmed
        if let dot = base.lastIndex(of: "."), dot != base.startIndex {
            base = base[..<dot]
        }
        return base.isEmpty ? "vantage" : String(base)
    }

    /// Returns the points with duplicate names disambiguated: the second `fw1` becomes `fw1-2`,
    /// the third `fw1-3`, skipping names already taken. The first keeps its name.
    public static func uniquingNames(_ points: [VantagePoint]) -> [VantagePoint] {
        var taken = Set(points.map(\.name))
        var seen: Set<String> = []
        var result: [VantagePoint] = []
        for var point in points {
            if seen.contains(point.name) {
                var counter = 2
                while taken.contains("\(point.name)-\(counter)") { counter += 1 }
                point.name = "\(point.name)-\(counter)"
                taken.insert(point.name)
            }
            seen.insert(point.name)
            result.append(point)
        }
        return result
    }

    public var description: String { "\(name)=\(path)" }
}
