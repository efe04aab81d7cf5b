import ArgumentParser

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
}
