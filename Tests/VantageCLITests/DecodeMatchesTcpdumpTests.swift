import Foundation
import Testing

/// `vantage decode --json` must agree with `tcpdump -nn -e -tt -r`, frame by frame, on MACs,
/// VLANs, IPs, ports, ARP operation and addresses, VRRP/CARP group, priority and interval, and
/// TCP flags, on real traffic recorded in network namespaces.
@Suite(.serialized) struct DecodeMatchesTcpdumpTests {
    @Test(.enabled(if: CommandRunner.isRoot && CommandRunner.has("tcpdump") && CommandRunner.has("keepalived")))
    func realTrafficFromNamespaces() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let capture = directory.appendingPathComponent("real.pcap").path
        let script = CommandRunner.repositoryRoot.appendingPathComponent("Tests/VantageCLITests/Fixtures/record-real-traffic.sh").path
        let recording = try CommandRunner.run("/bin/bash", [script, capture])
        try #require(recording.status == 0, "recording failed: \(recording.stderr)")

        let checked = try TcpdumpComparison.compare(capture: capture)
        // The recording must really contain what the comparison claims to cover.
        for kind in ["arp-request", "arp-reply", "arp-gratuitous", "tcp", "vrrp", "carp", "icmp", "ndp", "http"] {
            #expect(checked[kind, default: 0] > 0, "no \(kind) frame was compared")
        }
    }

    @Test func bundledExamplesAgree() throws {
        let examples = CommandRunner.repositoryRoot.appendingPathComponent("Examples")
        let checked = try TcpdumpComparison.compare(capture: examples.appendingPathComponent("keepalived-failover.pcap").path)
        #expect(checked["vrrp", default: 0] > 5)
        #expect(checked["arp-gratuitous", default: 0] >= 5)
    }
}

/// Compares Vantage's JSON Lines with tcpdump's text for one capture.
enum TcpdumpComparison {
    /// Compares every frame; returns how many frames of each kind were compared field by field.
    static func compare(capture: String) throws -> [String: Int] {
        let ours = try CommandRunner.vantage(["decode", "--json", capture])
        try #require(ours.status == 0, "vantage failed: \(ours.stderr)")
        let theirs = try CommandRunner.run("/usr/bin/env", ["tcpdump", "-nn", "-e", "-tt", "-r", capture])
        try #require(theirs.status == 0, "tcpdump failed: \(theirs.stderr)")
        let carpView = try CommandRunner.run("/usr/bin/env", ["tcpdump", "-nn", "-e", "-tt", "-T", "carp", "-r", capture])

        let frames = ours.stdout.split(separator: "\n").map { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
        }
        let lines = theirs.stdout.split(separator: "\n").map(String.init)
        let carpLines = carpView.stdout.split(separator: "\n").map(String.init)
        try #require(frames.count == lines.count, "vantage printed \(frames.count) frames, tcpdump \(lines.count)")

        var checked: [String: Int] = [:]
        for (index, (frame, line)) in zip(frames, lines).enumerated() {
            let context = "frame \(index + 1): \(line)"
            let kind = compareFrame(frame, line: line, carpLine: carpLines[safe: index] ?? "", context: context)
            if let kind { checked[kind, default: 0] += 1 }
        }
        return checked
    }

    /// Checks one frame; returns the kind of frame compared beyond the link layer.
    private static func compareFrame(_ frame: [String: Any], line: String, carpLine: String, context: String) -> String? {
        let tokens = line.split(separator: " ").map(String.init)
        let time = frame["time"] as? Double ?? 0
        #expect(abs(time - (Double(tokens[0]) ?? -1)) < 2e-6, "time differs: \(context)")
        let link = frame["link"] as? [String: Any] ?? [:]
        #expect(link["source"] as? String == tokens[1], "source MAC differs: \(context)")
        #expect(link["destination"] as? String == tokens[3].trimmingCharacters(in: [","]), "destination MAC differs: \(context)")

        let vlans = (frame["vlans"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        #expect(vlans == matches(#"vlan (\d+)"#, in: line).compactMap { Int($0[1]) }, "VLANs differ: \(context)")

        let network = frame["network"] as? [String: Any] ?? [:]
        let transport = frame["transport"] as? [String: Any] ?? [:]
        switch network["layer"] as? String {
        case "arp":
            return compareARP(network, line: line, context: context)
        case "ipv4", "ipv6":
            return compareIP(frame, network: network, transport: transport, line: line, carpLine: carpLine, context: context)
        default:
            return nil
        }
    }

    private static func compareARP(_ arp: [String: Any], line: String, context: String) -> String {
        let operation = arp["operation"] as? Int
        if let request = matches(#"Request who-has (\S+)(?: \((\S+)\))? tell (\S+),"#, in: line).first {
            #expect(operation == 1, "ARP operation differs: \(context)")
            #expect(arp["targetIP"] as? String == request[1], "ARP target IP differs: \(context)")
            #expect(arp["senderIP"] as? String == request[3], "ARP sender IP differs: \(context)")
            if !request[2].isEmpty { #expect(arp["targetMAC"] as? String == request[2], "ARP target MAC differs: \(context)") }
            return request[1] == request[3] ? "arp-gratuitous" : "arp-request"
        }
        if let reply = matches(#"Reply (\S+) is-at (\S+),"#, in: line).first {
            #expect(operation == 2, "ARP operation differs: \(context)")
            #expect(arp["senderIP"] as? String == reply[1], "ARP sender IP differs: \(context)")
            #expect(arp["senderMAC"] as? String == reply[2], "ARP sender MAC differs: \(context)")
            return "arp-reply"
        }
        Issue.record("tcpdump printed an ARP line Vantage cannot match: \(context)")
        return "arp-unmatched"
    }

    private static func compareIP(
        _ frame: [String: Any], network: [String: Any], transport: [String: Any], line: String, carpLine: String,
        context: String
    ) -> String? {
        guard let addresses = matches(#"length \d+: (\S+) > (\S+):"#, in: line).first else {
            Issue.record("no IP addresses in tcpdump's line: \(context)")
            return nil
        }
        let proto = transport["layer"] as? String
        var source = addresses[1]
        var destination = addresses[2]
        if proto == "tcp" || proto == "udp" {
            let sourcePort = transport["sourcePort"] as? Int ?? -1
            let destinationPort = transport["destinationPort"] as? Int ?? -1
            #expect(source.hasSuffix(".\(sourcePort)"), "source port differs: \(context)")
            #expect(destination.hasSuffix(".\(destinationPort)"), "destination port differs: \(context)")
            source = String(source.dropLast(".\(sourcePort)".count))
            destination = String(destination.dropLast(".\(destinationPort)".count))
        }
        #expect(network["source"] as? String == source, "IP source differs: \(context)")
        #expect(network["destination"] as? String == destination, "IP destination differs: \(context)")

        switch proto {
        case "tcp":
            let flags = matches(#"Flags \[([^\]]*)\]"#, in: line).first?[1]
            #expect(flags == tcpdumpFlags(transport["flags"] as? Int ?? 0), "TCP flags differ: \(context)")
            if let http = (frame["application"] as? [String: Any])?["layer"] as? String, http == "http" { return "http" }
            return "tcp"
        case "vrrp":
            let advert = matches(#"VRRPv(\d), Advertisement, vrid (\d+), prio (\d+), authtype \S+, intvl (\d+)s"#, in: line).first
            #expect(advert?[1] == "\(transport["version"] as? Int ?? -1)", "VRRP version differs: \(context)")
            #expect(advert?[2] == "\(transport["vrid"] as? Int ?? -1)", "VRRP vrid differs: \(context)")
            #expect(advert?[3] == "\(transport["priority"] as? Int ?? -1)", "VRRP priority differs: \(context)")
            let centiseconds = transport["advertisementIntervalCentiseconds"] as? Int ?? -1
            #expect(advert?[4] == "\(centiseconds / 100)", "VRRP interval differs: \(context)")
            return "vrrp"
        case "carp":
            // tcpdump calls CARP "VRRPv2" unless told `-T carp` (protocols.md §4.2).
            #expect(line.contains("VRRPv2"), "expected tcpdump's default VRRP mislabel: \(context)")
            let advert = matches(#"CARPv2-advertise 36: vhid=(\d+) advbase=(\d+) advskew=(\d+)"#, in: carpLine).first
            #expect(advert?[1] == "\(transport["vhid"] as? Int ?? -1)", "CARP vhid differs: \(context)")
            #expect(advert?[2] == "\(transport["advbase"] as? Int ?? -1)", "CARP advbase differs: \(context)")
            #expect(advert?[3] == "\(transport["advskew"] as? Int ?? -1)", "CARP advskew differs: \(context)")
            return "carp"
        case "icmp":
            #expect(line.contains("ICMP"), "ICMP expected: \(context)")
            return "icmp"
        case "ndp":
            let target = (transport["targetAddress"] as? String) ?? ""
            if line.contains("neighbor solicitation") || line.contains("neighbor advertisement") {
                #expect(line.contains(target), "ND target differs: \(context)")
            }
            return "ndp"
        default:
            return proto
        }
    }

    /// tcpdump's flag letters for a TCP flags byte.
    static func tcpdumpFlags(_ flags: Int) -> String {
        let letters: [(Int, Character)] = [(0x01, "F"), (0x02, "S"), (0x04, "R"), (0x08, "P"), (0x10, "."), (0x20, "U"), (0x40, "E"), (0x80, "W")]
        let text = String(letters.filter { flags & $0.0 != 0 }.map(\.1))
        return text.isEmpty ? "none" : text
    }

    /// Every match of `pattern` in `text`, as arrays of capture groups (group 0 first).
    static func matches(_ pattern: String, in text: String) -> [[String]] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: range).map { match in
            (0..<match.numberOfRanges).map { index in
                Range(match.range(at: index), in: text).map { String(text[$0]) } ?? ""
            }
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
