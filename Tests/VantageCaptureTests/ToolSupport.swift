import Foundation

/// External tools and temporary files for the cross-check tests.
enum ToolSupport {
    static let tcpdump = "/usr/bin/tcpdump"
    static let tshark = "/usr/bin/tshark"

    static func exists(_ path: String) -> Bool {
        FileManager.default.isExecutableFile(atPath: path)
    }

    /// Runs a tool and returns its standard output, or nil if it failed.
    static func run(_ path: String, _ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        // HOME for tshark's profile directory.
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = NSTemporaryDirectory()
        process.environment = environment
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// A fresh path in the temporary directory.
    static func temporaryPath(_ name: String) -> String {
        let directory = NSTemporaryDirectory() + "vantage-capture-tests-\(getpid())"
        try? FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true)
        return directory + "/\(UUID().uuidString)-\(name)"
    }

    /// Writes bytes to a fresh temporary file and returns its path.
    static func write(_ bytes: [UInt8], name: String) -> String {
        let path = temporaryPath(name)
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    /// Non-empty lines of a tool's output.
    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }
}
