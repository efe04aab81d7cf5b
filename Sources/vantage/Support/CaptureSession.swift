import ArgumentParser
import Glibc
import VantageCapture
import VantageLive
import VantageWire

/// Opens the vantage points for a subcommand and reports damaged files the same way everywhere.
struct CaptureSession {
    /// The merged timeline of every capture that could be opened.
    var merged: MergedCapture
    /// The compiled `-f` filter, if one was given.
    let filter: BPFFilter?
    /// The decoder configured from the options.
    let decoder: PacketDecoder
    private let allowTruncated: Bool
    private var unsupportedLinkTypes: [LinkType: Int] = [:]

    /// The TCP ports decoded as HTTP unless `--http-port` or the configuration names others.
    static let defaultHTTPPorts: [UInt16] = [80, 8000, 8008, 8080, 8888]

    /// Opens every capture. A file that cannot be opened or is not a capture ends the command
    /// with one line on standard error and exit code 2. HTTP is decoded on `--http-port`'s
    /// ports, else on `configuredHTTPPorts` (the config file's), else on the defaults.
    init(_ options: CaptureInputOptions, verifyChecksums: Bool = false, configuredHTTPPorts: [UInt16] = []) throws {
        let points = options.vantagePoints
        // VANTAGE_READ_AHEAD=0 reads the files on the main thread only (see ReadAhead).
        let readAhead = getenv("VANTAGE_READ_AHEAD").map { String(cString: $0) != "0" } ?? true
        merged = MergedCapture(opening: points, readAhead: readAhead)
        if !merged.stops.isEmpty {
            for stop in merged.stops { printError("vantage: \(stop.error)") }
            throw ExitCode(2)
        }
        if let expression = options.filter {
            do {
                filter = try BPFFilter(expression: expression)
            } catch {
                printError("vantage: \(error)")
                throw ExitCode(2)
            }
        } else {
            filter = nil
        }
        decoder = PacketDecoder(
            httpPorts: [options.httpPorts, configuredHTTPPorts, Self.defaultHTTPPorts].first { !$0.isEmpty } ?? Self.defaultHTTPPorts,
            verifyTransportChecksums: verifyChecksums)
        allowTruncated = options.allowTruncated
    }

    /// The vantage points' names, by index.
    var vantageNames: [String] { merged.vantagePoints.map(\.name) }

    /// Whether the current record passes the filter (always true without one).
    mutating func currentRecordPasses() throws -> Bool {
        guard let filter else { return true }
        let record = merged.current
        do {
            return try merged.withCurrentBytes { bytes throws(BPFFilter.CompileError) in
                try filter.matches(bytes, originalLength: record.originalLength, linkType: record.linkType)
            }
        } catch {
            // An expression that cannot apply to this link type (e.g. `ether host` on raw IP)
            // matches nothing there, as with tcpdump on such a capture.
            if unsupportedLinkTypes[record.linkType] == nil {
                printError("vantage: \(error); frames of that link type are skipped")
                unsupportedLinkTypes[record.linkType] = 0
            }
            return false
        }
    }

    /// Notes `count` frames whose link type VantageWire cannot decode (reported once at the end).
    mutating func noteUnsupported(_ linkType: LinkType, count: Int = 1) {
        unsupportedLinkTypes[linkType, default: 0] += count
    }

    /// Reports damaged files and unsupported link types on standard error; throws exit code 2
    /// for a damaged file unless `--allow-truncated` was given.
    func finish() throws {
        for (linkType, count) in unsupportedLinkTypes.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where count > 0 {
            printError("vantage: \(count) frame(s) of unsupported link type \(linkType) were counted but not decoded")
        }
        guard !merged.stops.isEmpty else { return }
        for stop in merged.stops {
            let kind = stop.error.isTruncation ? "ends early" : "is damaged"
            printError("vantage: \(stop.name) \(kind); everything before was read: \(stop.error)")
        }
        if !allowTruncated { throw ExitCode(2) }
    }
}

extension MergedCapture {
    /// The summed size of every capture file (nil when one is a pipe of unknown size).
    var totalFileBytes: Int64? {
        var total: Int64 = 0
        for reader in readers {
            guard let size = reader?.fileSize else { return nil }
            total += size
        }
        return total
    }

    /// Bytes read so far from every capture file.
    var totalBytesRead: Int64 {
        readers.reduce(0) { $0 + ($1?.bytesRead ?? 0) }
    }
}
