import ArgumentParser

#if canImport(Glibc)
    import Glibc
#endif

/// The `vantage` command: finds out why an HA cluster or load-balanced farm drops connections.
@main
struct VantageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vantage",
        abstract: "Explain intermittent connection drops in HA clusters from packet captures.",
        discussion: """
            Captures are pcap or pcapng files; give several to merge vantage points on one
            timeline, each named after its file or as NAME=PATH.
            Exit codes: 0 success, 1 findings at or above --fail-on, 2 usage or input error.
            """,
        version: "0.1.0",
        subcommands: [AnalyzeCommand.self, DecodeCommand.self, ExplainCommand.self]
    )

    /// Runs the command; usage errors exit with 2 (not ArgumentParser's 64), so scripts can
    /// rely on 0 = clean, 1 = findings, 2 = could not do the job.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success || code.rawValue == 1 || code.rawValue == 2 {
                exit(withError: error)
            }
            let message = fullMessage(for: error)
            if !message.isEmpty { printError(message) }
            Glibc.exit(2)
        }
    }
}
