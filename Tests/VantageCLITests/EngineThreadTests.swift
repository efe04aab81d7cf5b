import Foundation
import Testing

/// `vantage analyze` gives the same report whether the engine runs on the main thread or on its
/// own (``VANTAGE_PIPELINE``; large files use the engine thread by default, the small bundled
/// examples do not, so both are forced here).
@Suite struct EngineThreadTests {
    /// Every bundled incident (Examples/incidents.tsv), as `analyze` arguments.
    private static func incidents() throws -> [(id: String, arguments: [String])] {
        let examples = CommandRunner.repositoryRoot.appendingPathComponent("Examples")
        let table = try String(contentsOf: examples.appendingPathComponent("incidents.tsv"), encoding: .utf8)
        return table.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let columns = line.split(separator: "\t")
            guard columns.count == 3 else { return nil }
            let captures = columns[2].split(separator: " ").map { capture -> String in
                let parts = capture.split(separator: "=", maxSplits: 1)
                return "\(parts[0])=\(examples.appendingPathComponent(String(parts[1])).path)"
            }
            return (String(columns[0]), captures)
        }
    }

    @Test func theEngineThreadReportsWhatOneThreadReports() throws {
        let incidents = try Self.incidents()
        #expect(incidents.count >= 7, "the bundled incidents were not found")
        for incident in incidents {
            let arguments = ["analyze", "--format", "json"] + incident.arguments
            let inline = try CommandRunner.run(
                CommandRunner.vantageBinary, arguments, environment: ["NO_COLOR": "1", "VANTAGE_PIPELINE": "0"])
            let threaded = try CommandRunner.run(
                CommandRunner.vantageBinary, arguments, environment: ["NO_COLOR": "1", "VANTAGE_PIPELINE": "1"])
            #expect(inline.status == threaded.status, "\(incident.id): exit \(inline.status) vs \(threaded.status)")
            #expect(!inline.stdout.isEmpty, "\(incident.id): no findings at all")
            #expect(inline.stdout == threaded.stdout, "\(incident.id): the engine thread changed the report")
        }
    }
}
