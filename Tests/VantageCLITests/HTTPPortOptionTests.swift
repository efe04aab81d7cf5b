import Foundation
import Testing
import VantageCapture
import VantageWire

/// Which TCP ports are decoded as HTTP: `--http-port`, the config file's `http_ports:`, or the
/// defaults (80, 8000, 8008, 8080, 8888). Health checks are recognised only on those ports.
@Suite struct HTTPPortOptionTests {
    private static let checker = (MACAddress("02:cc:00:00:00:02")!, IPv4Address("10.0.0.2")!)
    private static let server = (MACAddress("02:cc:00:00:00:10")!, IPv4Address("10.0.0.10")!)

    /// A checker sending `HEAD / HTTP/1.0` to the server's port 9000 every 2 s, answered 404.
    private func capture(in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("checks9000.pcap").path
        let writer = try PcapWriter(path: path, linkType: .ethernet)
        let start = Timestamp(seconds: 1_795_300_000)
        for index in 0..<10 {
            let port = UInt16(30000 + index)
            let time = start + Int64(index) * 2_000_000_000
            let request = FrameBuilder.httpRequest(
                from: (Self.checker.0, Self.checker.1, port), to: (Self.server.0, Self.server.1, 9000), method: .head,
                version: .http10)
            let response = FrameBuilder.httpResponse(
                from: (Self.server.0, Self.server.1, 9000), to: (Self.checker.0, Self.checker.1, port), status: 404,
                reason: "Not Found", version: .http10)
            try writer.write(timestamp: time, originalLength: request.count, bytes: request.span)
            try writer.write(timestamp: time + 3_000_000, originalLength: response.count, bytes: response.span)
        }
        try writer.close()
        return path
    }

    private func kinds(_ stdout: String) -> [String] {
        stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["kind"] as? String
        }
    }

    @Test func theConfigFilesPortsAreDecodedAsHTTPAndTheCommandLineWins() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try capture(in: directory)
        let plain = try CommandRunner.vantage(["analyze", "--format", "json", path])
        #expect(!kinds(plain.stdout).contains("health_check.failing"), "port 9000 is not HTTP by default: \(plain.stdout)")
        let config = directory.appendingPathComponent("vantage.yaml")
        try Data("http_ports: [80, 9000]\n".utf8).write(to: config)
        let configured = try CommandRunner.vantage(["analyze", "--format", "json", "--config", config.path, path])
        #expect(configured.status == 1, "\(configured.stderr)")
        #expect(kinds(configured.stdout).contains("health_check.failing"), "\(configured.stdout)")
        let flagged = try CommandRunner.vantage(["analyze", "--format", "json", "--http-port", "9000", path])
        #expect(kinds(flagged.stdout).contains("health_check.failing"), "\(flagged.stdout)")
        let overridden = try CommandRunner.vantage(
            ["analyze", "--format", "json", "--config", config.path, "--http-port", "80", path])
        #expect(!kinds(overridden.stdout).contains("health_check.failing"), "--http-port replaces http_ports: \(overridden.stdout)")
    }

    @Test func aPortOutOfRangeIsAConfigurationError() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try capture(in: directory)
        for bad in ["[0]", "[70000]", "[-1]"] {
            let config = directory.appendingPathComponent("vantage.yaml")
            try Data("http_ports: \(bad)\n".utf8).write(to: config)
            let result = try CommandRunner.vantage(["analyze", "--config", config.path, path])
            #expect(result.status == 2, "\(bad)")
            #expect(result.stderr.contains("http_ports"), "\(bad): \(result.stderr)")
        }
    }
}
