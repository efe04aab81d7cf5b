import Foundation
import Testing

/// Runs programs for the CLI tests: the built `vantage` binary and system tools.
enum CommandRunner {
    /// What a finished program printed and returned.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The repository root (three levels above this file).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `vantage` binary built next to this test bundle.
    static var vantageBinary: String {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        // The test bundle may be a directory (.xctest) inside the build folder.
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("vantage").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return repositoryRoot.appendingPathComponent(".build/debug/vantage").path
    }

    /// Whether `tool` is on the PATH.
    static func has(_ tool: String) -> Bool {
        (try? run("/usr/bin/env", ["which", tool]).status) == 0
    }

    /// Whether the tests run as root (network namespaces need it).
    static var isRoot: Bool { getuid() == 0 }

    /// Runs `executable` with `arguments` and waits for it.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe()
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let errorHandle = try FileHandle(forWritingTo: errorFile)
        process.standardOutput = out
        process.standardError = errorHandle
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errorHandle.close()
        let errData = (try? Data(contentsOf: errorFile)) ?? Data()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs the built `vantage` binary.
    @discardableResult
    static func vantage(_ arguments: [String]) throws -> Result {
        try run(vantageBinary, arguments, environment: ["NO_COLOR": "1"])
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vantage-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
