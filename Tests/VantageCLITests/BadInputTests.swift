import Foundation
import Testing

/// Bad input gets one clear line and exit code 2, and loses nothing that was readable.
@Suite struct BadInputTests {
    private let example = CommandRunner.repositoryRoot.appendingPathComponent("Examples/keepalived-failover.pcap")

    @Test func aFileThatIsNotACaptureGetsOneLineAndExitCode2() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = directory.appendingPathComponent("notes.txt")
        try Data("hello, this is not a capture\n".utf8).write(to: text)
        let result = try CommandRunner.vantage(["decode", text.path])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("notes.txt") == true)
        #expect(lines.first?.contains("not a pcap or pcapng capture") == true)
    }

    @Test func aMissingFileGetsOneLineAndExitCode2() throws {
        let result = try CommandRunner.vantage(["decode", "/nonexistent/capture.pcap"])
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func aTruncatedCaptureYieldsEveryReadableFrameThenOneLine() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bytes = try Data(contentsOf: example)
        let whole = try CommandRunner.vantage(["decode", example.path])
        let wholeLines = whole.stdout.split(separator: "\n")
        let cut = directory.appendingPathComponent("cut.pcap")
        let cutAt = bytes.count * 2 / 3 + 5
        try bytes.prefix(cutAt).write(to: cut)

        let result = try CommandRunner.vantage(["decode", cut.path])
        #expect(result.status == 2)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count > 0 && lines.count < wholeLines.count)
        // Every frame before the cut is printed exactly as from the whole file.
        #expect(Array(wholeLines.prefix(lines.count)) == lines)
        let errors = result.stderr.split(separator: "\n")
        #expect(errors.count == 1)
        #expect(errors.first?.contains("truncated at byte") == true)

        let allowed = try CommandRunner.vantage(["decode", "--allow-truncated", cut.path])
        #expect(allowed.status == 0)
        #expect(allowed.stdout == result.stdout)
    }

    @Test func aBadFilterIsAUsageError() throws {
        let result = try CommandRunner.vantage(["decode", "-f", "arp and and", example.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("cannot be compiled"))
    }

    @Test func theFilterUsesTcpdumpSyntax() throws {
        let result = try CommandRunner.vantage(["decode", "-f", "vrrp", example.path])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count > 5)
        #expect(lines.allSatisfy { $0.contains("VRRPv2") })
        let tcpdump = try CommandRunner.run("/usr/bin/env", ["tcpdump", "-nn", "-r", example.path, "vrrp"])
        #expect(tcpdump.stdout.split(separator: "\n").count == lines.count)
    }
}
