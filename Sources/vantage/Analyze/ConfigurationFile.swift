import Foundation
import VantageDetect
import VantageState
import VantageWire
import Yams

/// The `--config` file (YAML): allow-lists, suppressed kinds and per-kind thresholds.
///
/// ```yaml
/// allow:
///   virtual_macs: ["00:00:5e:00:01:33"]   # shared MACs expected to move or answer for others
///   proxy_arp_routers: ["02:aa:00:00:00:fe"]
///   nlb_cluster_ips: ["10.0.0.50"]
///   ignore_ips: ["10.0.0.250"]
/// heartbeats: ["udp/3343@1.2", "udp/7000"]   # heartbeat streams to grade (interval learned if absent)
/// http_ports: [80, 9000]                     # TCP ports decoded as HTTP (health checks); --http-port wins
/// groups:                                    # VRRP/CARP/HSRP members, so silent backups are known
///   - {protocol: vrrp, id: 51, vlan: 0, routers: [{ip: 10.0.0.2, mac: "02:aa:00:00:00:02"}, {ip: 10.0.0.3, mac: "02:aa:00:00:00:03"}]}
/// suppress: [arp.storm]
/// thresholds:
///   arp.unanswered:
///     window: 2.0        # keys and units: `vantage explain arp.unanswered`
/// ```
struct ConfigurationFile: Decodable {
    struct Allow: Decodable {
        var virtualMACs: [String]?
        var proxyARPRouters: [String]?
        var nlbClusterIPs: [String]?
        var ignoreIPs: [String]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case virtualMACs = "virtual_macs"
            case proxyARPRouters = "proxy_arp_routers"
            case nlbClusterIPs = "nlb_cluster_ips"
            case ignoreIPs = "ignore_ips"
        }
    }

    struct Group: Decodable {
        struct Router: Decodable {
            var ip: String
            var mac: String

            enum CodingKeys: String, CodingKey, CaseIterable { case ip, mac }
        }

        var `protocol`: String
        var id: UInt16
        var vlan: UInt16?
        var routers: [Router]

        enum CodingKeys: String, CodingKey, CaseIterable { case `protocol`, id, vlan, routers }
    }

    var allow: Allow?
    var suppress: [String]?
    var heartbeats: [String]?
    var httpPorts: [Int]?
    var groups: [Group]?
    var thresholds: [String: [String: Double]]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case allow, suppress, heartbeats, groups, thresholds
        case httpPorts = "http_ports"
    }

    /// Why a configuration file was refused (one line for the user).
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads and validates `path` against the known kinds and tunables.
    static func load(_ path: String) throws -> AnalysisConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Problem(description: "\(path): cannot be read: \(error.localizedDescription)")
        }
        try rejectUnknownKeys(text, path: path)
        let file: ConfigurationFile
        do {
            file = try YAMLDecoder().decode(ConfigurationFile.self, from: text)
        } catch {
            throw Problem(description: "\(path): not a valid configuration: \(error)")
        }
        return try file.configuration(path: path)
    }

    /// A misspelt key (`heartbeat:` for `heartbeats:`) would otherwise be ignored without a word
    /// and silently leave a check at its default: every key of every section must be known
    /// (`thresholds:` is checked against the kinds and tunables later).
    private static func rejectUnknownKeys(_ text: String, path: String) throws {
        guard let top = (try? Yams.load(yaml: text)) as? [String: Any] else { return }
        func check(_ keys: some Sequence<String>, known: [String], in section: String) throws {
            for key in keys.sorted() where !known.contains(key) {
                throw Problem(description: "\(path): \(section)unknown key \(key) (known: \(known.sorted().joined(separator: ", ")))")
            }
        }
        try check(top.keys, known: CodingKeys.allCases.map(\.rawValue), in: "")
        if let allow = top["allow"] as? [String: Any] {
            try check(allow.keys, known: Allow.CodingKeys.allCases.map(\.rawValue), in: "allow: ")
        }
        for group in top["groups"] as? [[String: Any]] ?? [] {
            try check(group.keys, known: Group.CodingKeys.allCases.map(\.rawValue), in: "groups: ")
            for router in group["routers"] as? [[String: Any]] ?? [] {
                try check(router.keys, known: Group.Router.CodingKeys.allCases.map(\.rawValue), in: "groups: routers: ")
            }
        }
    }

    private func configuration(path: String) throws -> AnalysisConfiguration {
        var configuration = AnalysisConfiguration()
        let descriptions = DetectorRegistry.descriptions
        let kinds = Set(descriptions.map(\.kind.rawValue))
        func macs(_ texts: [String]?, _ key: String) throws -> Set<MACAddress> {
            Set(try (texts ?? []).map { text in
                guard let mac = MACAddress(text) else { throw Problem(description: "\(path): allow.\(key): not a MAC address: \(text)") }
                return mac
            })
        }
        func ips(_ texts: [String]?, _ key: String) throws -> Set<IPv4Address> {
            Set(try (texts ?? []).map { text in
                guard let ip = IPv4Address(text) else { throw Problem(description: "\(path): allow.\(key): not an IPv4 address: \(text)") }
                return ip
            })
        }
        configuration.knownVirtualMACs = try macs(allow?.virtualMACs, "virtual_macs")
        configuration.proxyARPRouters = try macs(allow?.proxyARPRouters, "proxy_arp_routers")
        configuration.nlbClusterIPs = try ips(allow?.nlbClusterIPs, "nlb_cluster_ips")
        configuration.ignoredIPs = try ips(allow?.ignoreIPs, "ignore_ips")
        configuration.heartbeats = try (heartbeats ?? []).map { text in
            guard let declaration = HeartbeatDeclaration(text) else {
                throw Problem(description: "\(path): heartbeats: expected udp/PORT or udp/PORT@SECONDS: \(text)")
            }
            return declaration
        }
        configuration.httpPorts = try (httpPorts ?? []).map { port in
            guard let valid = UInt16(exactly: port), valid > 0 else {
                throw Problem(description: "\(path): http_ports: not a TCP port (1-65535): \(port)")
            }
            return valid
        }
        configuration.declaredRouters = try declaredRouters(path: path)
        for kind in suppress ?? [] {
            guard kinds.contains(kind) else {
                throw Problem(description: "\(path): suppress: unknown finding kind \(kind) (see `vantage explain`)")
            }
            configuration.suppressedKinds.insert(FindingKind(rawValue: kind))
        }
        for (kind, values) in thresholds ?? [:] {
            guard let description = descriptions.first(where: { $0.kind.rawValue == kind }) else {
                throw Problem(description: "\(path): thresholds: unknown finding kind \(kind) (see `vantage explain`)")
            }
            let keys = Set(description.tunables.map(\.key))
            for key in values.keys where !keys.contains(key) {
                let known = keys.sorted().joined(separator: ", ")
                throw Problem(description: "\(path): thresholds.\(kind): unknown tunable \(key) (known: \(known.isEmpty ? "none" : known))")
            }
        }
        configuration.thresholds = thresholds ?? [:]
        return configuration
    }

    /// The routers of the `groups:` section.
    private func declaredRouters(path: String) throws -> [DeclaredRouter] {
        let protocols: [String: RedundancyProtocol] = ["vrrp": .vrrp, "carp": .carp, "hsrp": .hsrp]
        return try (groups ?? []).flatMap { group -> [DeclaredRouter] in
            guard let kind = protocols[group.protocol.lowercased()] else {
                throw Problem(description: "\(path): groups: protocol must be vrrp, carp or hsrp: \(group.protocol)")
            }
            return try group.routers.map { router in
                guard let ip = IPv4Address(router.ip) else {
                    throw Problem(description: "\(path): groups: not an IPv4 address: \(router.ip)")
                }
                guard let mac = MACAddress(router.mac) else {
                    throw Problem(description: "\(path): groups: not a MAC address: \(router.mac)")
                }
                return DeclaredRouter(vlan: group.vlan ?? 0, protocol: kind, group: group.id, address: ip, mac: mac)
            }
        }
    }
}
