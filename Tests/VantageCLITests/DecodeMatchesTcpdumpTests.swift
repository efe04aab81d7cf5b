import Foundation
import Testing
import VantageCapture
import VantageWire

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

    @Test(.enabled(if: CommandRunner.has("tcpdump")))
    func builtFramesWithVLANsAndRedundancyProtocols() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let capture = directory.appendingPathComponent("built.pcap").path
        try BuiltCapture.write(to: capture)
        let checked = try TcpdumpComparison.compare(capture: capture)
        for kind in ["arp-request", "arp-reply", "arp-gratuitous", "tcp", "vrrp", "carp", "hsrp", "udp"] {
            #expect(checked[kind, default: 0] > 0, "no \(kind) frame was compared")
        }
        #expect(checked["vlan-tagged", default: 0] >= 4)
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
    /// VLAN-tagged frames seen by the last comparison (tests run serialized).
    nonisolated(unsafe) private static var vlanTagged = 0

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
        vlanTagged = 0
        for (index, (frame, line)) in zip(frames, lines).enumerated() {
            let context = "frame \(index + 1): \(line)"
            let kind = compareFrame(frame, line: line, carpLine: carpLines[safe: index] ?? "", context: context)
            if let kind { checked[kind, default: 0] += 1 }
        }
        checked["vlan-tagged"] = vlanTagged
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
        if !vlans.isEmpty { vlanTagged += 1 }
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
        // The IP part follows "length N: " (untagged) or the innermost "ethertype IPv4 (0x0800), ".
        let pattern = #"(?:length \d+: |ethertype IPv[46] \(0x[0-9a-f]+\), )(\S+) > (\S+):"#
        guard let addresses = matches(pattern, in: line).last else {
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
        case "udp":
            if let hsrp = frame["application"] as? [String: Any], hsrp["layer"] as? String == "hsrp" {
                let state = ["initial": "init", "learn": "learn", "listen": "listen", "speak": "speak", "standby": "standby", "active": "active"]
                let printed = matches(#"HSRPv0-hello \d+: state=(\w+) group=(\d+) addr=(\S+)"#, in: line).first
                #expect(printed?[2] == "\(hsrp["group"] as? Int ?? -1)", "HSRP group differs: \(context)")
                #expect(printed?[3] == hsrp["virtualIP"] as? String, "HSRP virtual IP differs: \(context)")
                if let ours = hsrp["state"] as? String, let theirs = printed?[1] {
                    #expect(state[ours] == theirs, "HSRP state differs: \(context)")
                }
                return "hsrp"
            }
            return "udp"
        case "tcp":
            let flags = matches(#"Flags \[([^\]]*)\]"#, in: line).first?[1]
            #expect(flags == tcpdumpFlags(transport["flags"] as? Int ?? 0), "TCP flags differ: \(context)")
            if let http = (frame["application"] as? [String: Any])?["layer"] as? String, http == "http" { return "http" }
            return "tcp"
        case "vrrp":
            let advert = matches(#"VRRPv(\d), Advertisement, vrid (\d+), prio (\d+),(?: authtype \S+,)? intvl (\d+)(s|cs)"#, in: line).first
            #expect(advert?[1] == "\(transport["version"] as? Int ?? -1)", "VRRP version differs: \(context)")
            #expect(advert?[2] == "\(transport["vrid"] as? Int ?? -1)", "VRRP vrid differs: \(context)")
            #expect(advert?[3] == "\(transport["priority"] as? Int ?? -1)", "VRRP priority differs: \(context)")
            let centiseconds = transport["advertisementIntervalCentiseconds"] as? Int ?? -1
            let printed = advert?[5] == "cs" ? centiseconds : centiseconds / 100
            #expect(advert?[4] == "\(printed)", "VRRP interval differs: \(context)")
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

/// A capture of frames the kernel here cannot produce (VLAN and Q-in-Q tags, HSRP, VRRPv3),
/// built with the project's FrameBuilder and written with its PcapWriter.
enum BuiltCapture {
    static func write(to path: String) throws {
        let a = (mac: MACAddress("02:10:00:00:00:01")!, ip: IPv4Address("10.10.0.1")!)
        let b = (mac: MACAddress("02:10:00:00:00:02")!, ip: IPv4Address("10.10.0.2")!)
        let vip = IPv4Address("10.10.0.100")!
        let frames: [[UInt8]] = [
            FrameBuilder.arpRequest(from: a.mac, ip: a.ip, asking: b.ip, vlans: [10]),
            FrameBuilder.arpReply(from: b.mac, ip: b.ip, to: a.mac, targetIP: a.ip, vlans: [10]),
            FrameBuilder.gratuitousARP(from: a.mac, ip: vip, style: .keepalived, vlans: [100, 20]),
            FrameBuilder.tcp(from: (a.mac, a.ip, 40000), to: (b.mac, b.ip, 443), flags: [.syn], seq: 7, vlans: [100, 20]),
            FrameBuilder.tcp(from: (b.mac, b.ip, 443), to: (a.mac, a.ip, 40000), flags: [.syn, .ack], seq: 9, ack: 8),
            FrameBuilder.tcp(from: (a.mac, a.ip, 40000), to: (b.mac, b.ip, 443), flags: [.fin, .psh, .ack], seq: 8, ack: 10),
            FrameBuilder.vrrpAdvert(vrid: 51, priority: 150, addresses: [vip], from: a.ip, sourceMAC: a.mac, vlans: [10]),
            FrameBuilder.vrrpAdvert(vrid: 52, priority: 100, addresses: [vip, b.ip], from: b.ip, version: 3, intervalCentiseconds: 200),
            FrameBuilder.carpAdvert(vhid: 7, advbase: 1, advskew: 100, from: b.ip),
            FrameBuilder.hsrpHello(group: 3, priority: 110, state: .active, virtualIP: vip, from: a),
            FrameBuilder.hsrpHello(group: 3, priority: 90, state: .standby, virtualIP: vip, from: b, vlans: [30]),
            FrameBuilder.udp(from: (a.mac, a.ip, 50000), to: (b.mac, b.ip, 3343), payload: Array(repeating: 0x11, count: 40)),
        ]
        let writer = try PcapWriter(path: path, linkType: .ethernet)
        for (index, frame) in frames.enumerated() {
            try writer.write(timestamp: Timestamp(seconds: 1_795_300_000 + Int64(index)), originalLength: frame.count, bytes: frame.span)
        }
        try writer.close()
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
