import ArgumentParser
import VantageDetect

/// `vantage explain [KIND]`: what each finding kind means, its rule, tunables and remedies.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain finding kinds: meaning, rule, tunables (units, defaults) and remedies.",
        discussion: "KIND may be a kind (arp.unanswered), a category (arp, vip) or a pattern (vip.*).")

    @Argument(help: "A finding kind, category or pattern; all kinds when omitted.")
    var kind: String?

    func run() throws {
        let all = DetectorRegistry.descriptions
        let selected = all.filter { matches($0.kind.rawValue) }
        guard !selected.isEmpty else {
            printError("vantage: no finding kind matches \(kind ?? ""); known kinds: \(all.map(\.kind.rawValue).joined(separator: ", "))")
            throw ExitCode(2)
        }
        let output = BufferedOutput()
        for description in selected { output.line(text(description)) }
        output.flush()
    }

    private func matches(_ name: String) -> Bool {
        guard var pattern = kind else { return true }
        if pattern.hasSuffix(".*") { pattern.removeLast(2) }
        return name == pattern || name.hasPrefix(pattern + ".")
    }

    private func text(_ description: KindDescription) -> String {
        var text = "\(description.kind)\n"
        text += "  meaning:  \(description.meaning)\n"
        text += "  rule:     \(description.rule)\n"
        text += "  severity: \(description.severity)\n"
        if description.tunables.isEmpty {
            text += "  tunables: none\n"
        } else {
            text += "  tunables (config file: thresholds: \(description.kind): KEY: VALUE):\n"
            for tunable in description.tunables {
                text += "    \(tunable.key) = \(format(tunable.defaultValue)) \(tunable.unit)  — \(tunable.help)\n"
            }
        }
        text += "  remedies: \(description.remedies)\n"
        return text
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
