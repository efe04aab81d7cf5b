import ArgumentParser
import VantageCapture

/// The capture files every subcommand reads, and how damaged files are treated.
struct CaptureInputOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "Capture files (pcap or pcapng); each is a vantage point, named after its file or NAME=PATH.",
            valueName: "capture"))
    var captures: [String] = []

    @Flag(help: "Exit 0 even when a capture ends early or is corrupt (what was readable is still used).")
    var allowTruncated = false

    @Option(
        name: [.customShort("f"), .customLong("filter")],
        help: ArgumentHelp("Only frames matching this tcpdump filter expression (libpcap syntax).", valueName: "expression"))
    var filter: String?

    @Option(
        name: .customLong("http-port"),
        help: ArgumentHelp("A TCP port whose payload is decoded as HTTP (repeatable; default the config file's http_ports, else 80, 8000, 8008, 8080, 8888).", valueName: "port"))
    var httpPorts: [UInt16] = []

    func validate() throws {
        if captures.isEmpty { throw ValidationError("Give at least one capture file.") }
    }

    /// The vantage points named on the command line, with unique names.
    var vantagePoints: [VantagePoint] { VantagePoint.uniquingNames(VantagePoint.parse(captures)) }
}
