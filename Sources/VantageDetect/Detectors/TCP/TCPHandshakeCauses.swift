//  Why a handshake failed or was slow, from the findings the neighbor, vip.* and address
//  resolution detectors emitted before (they run earlier, DetectorRegistry order), matched on
//  the frames' own facts: the SYN / SYN-ACK copies' MACs, VLAN, vantage point and time.
//
//    neighbor.stale_after_move   a copy sent by the finding's host (source MAC) to the old MAC;
//    vip.traffic_to_backup       a copy to the finding's backup MAC, or captured at the backup's
//                                vantage point (episodes without a MAC);
//    arp.unanswered / ndp.…      while the handshake was open, a host on its path (by MAC or
//                                address) asked for one of the endpoints without answer, or the
//                                server, which sent no SYN-ACK, asked for anything (its next hop);
//    the RST                     the server answered the SYN with a RST.
//  A finding counts when the copy lies inside its window, widened by `tolerance` for clock
//  offsets. For a slow handshake the last SYN and SYN-ACK got through, so only the earlier
//  transmissions are looked at.

import VantageCapture
import VantageState
import VantageWire

/// The cause of one failed or slow handshake.
struct HandshakeCause: Sendable {
    /// What kind of cause (a detail value): `stale_neighbor`, `vip_backup`, `unanswered_resolution`,
    /// `rst`, or for unexplained ones the symptom (`no_syn_ack`, `syn_ack_lost`, `syn_lost`).
    var label: String
    /// Keys of the findings that explain it.
    var causedBy: [String]
    /// The chain in words, for the summary.
    var chain: String
    /// The misdirected or lost transmission, when one is singled out.
    var segment: MisdirectedSegment?
    /// Whether another finding explains it.
    var isEstablished: Bool { !causedBy.isEmpty || label == "rst" }
    /// Grouping token: one finding per (server, token).
    var token: String { ([label] + causedBy).joined(separator: "|") }
}

/// A SYN or SYN-ACK transmission singled out as the one that went astray.
struct MisdirectedSegment: Sendable {
    /// Whether it is a SYN-ACK (else a SYN).
    var synAck: Bool
    /// Its transmission number (1 = the first).
    var number: Int
    /// Its copies.
    var copies: [SegmentSighting]
}

/// Looks up the causes of failed and slow handshakes among earlier findings.
struct HandshakeCauses {
    private struct Stale {
        var key: String
        var vlan: UInt16
        var sender: MACAddress
        var oldMAC: MACAddress
        var ip: String
        var move: String
        var start: Timestamp
        var end: Timestamp
    }

    private struct Backup {
        var key: String
        var vlan: UInt16
        var mac: MACAddress?
        var vantage: Int?
        var router: String
        var group: String
        var start: Timestamp
        var end: Timestamp
    }

    private struct Unanswered {
        var key: String
        var vlan: UInt16
        var requesterMAC: MACAddress
        var requester: String
        var target: String
        var protocolName: String
        var start: Timestamp
        var end: Timestamp
    }

    private var stale: [Stale] = []
    private var backups: [Backup] = []
    private var unanswered: [Unanswered] = []
    private let state: AnalysisState
    /// Slack around a finding's window (clock offsets between vantage points).
    let tolerance: Int64 = 1_000_000_000

    /// The causes available among `findings`.
    init(findings: [Finding], state: AnalysisState) {
        self.state = state
        for finding in findings {
            let vlan = finding.vlan ?? 0
            switch finding.kind.rawValue {
            case "neighbor.stale_after_move":
                guard let sender = Self.mac(finding.details["sender_mac"]), let old = Self.mac(finding.details["old_mac"])
                else { continue }
                var move = "the move"
                if case .object(let object)? = finding.details["move"], case .int(let frame)? = object["frame"] {
                    move = "frame \(frame)"
                    if state.vantageNames.count > 1, case .string(let vantage)? = object["vantage"] { move += " of \(vantage)" }
                }
                stale.append(
                    Stale(
                        key: finding.key, vlan: vlan, sender: sender, oldMAC: old, ip: finding.ips.first ?? "?", move: move,
                        start: finding.start, end: finding.end))
            case "vip.traffic_to_backup":
                let mac = Self.mac(finding.details["destination_mac"])
                var router = mac.map { "\($0)" } ?? "a backup"
                if case .object(let object)? = finding.details["backup"], case .string(let address)? = object["address"] {
                    router = mac.map { "\($0), the backup \(address)" } ?? "the backup \(address)"
                }
                var group = ""
                if case .string(let text)? = finding.details["group"] { group = text }
                backups.append(
                    Backup(
                        key: finding.key, vlan: vlan, mac: mac, vantage: mac == nil ? Self.backupVantage(finding) : nil,
                        router: router, group: group, start: finding.start, end: finding.end))
            case "arp.unanswered", "ndp.unanswered":
                guard let requesterMAC = Self.mac(finding.details["requester_mac"]),
                    case .string(let requester)? = finding.details["requester"], case .string(let target)? = finding.details["target"]
                else { continue }
                unanswered.append(
                    Unanswered(
                        key: finding.key, vlan: vlan, requesterMAC: requesterMAC, requester: requester, target: target,
                        protocolName: finding.kind.rawValue.hasPrefix("arp") ? "ARP" : "NDP", start: finding.start, end: finding.end))
            default: continue
            }
        }
    }

    /// The backup's vantage point of an episode without a MAC: its key names it (`...|vantage2|...`);
    /// the evidence also holds journey copies seen at other vantage points.
    private static func backupVantage(_ finding: Finding) -> Int? {
        for part in finding.key.split(separator: "|") where part.hasPrefix("vantage") {
            if let index = Int(part.dropFirst("vantage".count)) { return index }
        }
        return nil
    }

    private static func mac(_ value: DetailValue?) -> MACAddress? {
        if case .string(let text)? = value { return MACAddress(text) }
        return nil
    }

    private func inside(_ time: Timestamp, _ start: Timestamp, _ end: Timestamp) -> Bool {
        time >= start - tolerance && time <= end + tolerance
    }

    /// The transmissions that may have gone astray: all of them, or for a handshake that
    /// completed all but the last of each kind.
    private func suspects(_ outcome: HandshakeOutcome) -> [(synAck: Bool, number: Int, transmission: SegmentTransmission)] {
        let completed = outcome.completion != nil
        var list: [(Bool, Int, SegmentTransmission)] = []
        let synAckLimit = completed && outcome.synAcks.count == outcome.synAckCount ? outcome.synAcks.count - 1 : outcome.synAcks.count
        for index in 0..<max(0, synAckLimit) { list.append((true, index + 1, outcome.synAcks[index])) }
        let synLimit = completed && outcome.syns.count == outcome.synCount ? outcome.syns.count - 1 : outcome.syns.count
        for index in 0..<max(0, synLimit) { list.append((false, index + 1, outcome.syns[index])) }
        return list
    }

    /// The cause of `outcome`.
    func cause(of outcome: HandshakeOutcome) -> HandshakeCause {
        let suspects = suspects(outcome)
        let name = { (synAck: Bool) in synAck ? "SYN-ACK" : "SYN" }
        // A copy sent to a MAC that no longer owned the address.
        for suspect in suspects {
            for copy in suspect.transmission.sightings where copy.hasDestinationMAC {
                guard
                    let match = stale.first(where: {
                        $0.vlan == outcome.vlan && $0.sender == copy.source && $0.oldMAC == copy.destination
                            && inside(copy.time, $0.start, $0.end)
                    })
                else { continue }
                let sender = suspect.synAck ? outcome.server.address : outcome.client.address
                let chain =
                    "the \(ordinal(suspect.number, suspect.synAck, outcome))\(name(suspect.synAck)) from \(sender) went to \(match.oldMAC), which had stopped owning \(match.ip) at \(match.move)"
                return HandshakeCause(
                    label: "stale_neighbor", causedBy: [match.key], chain: chain,
                    segment: MisdirectedSegment(synAck: suspect.synAck, number: suspect.number, copies: suspect.transmission.sightings))
            }
        }
        // A copy delivered to a router that was not master.
        for suspect in suspects {
            for copy in suspect.transmission.sightings {
                guard
                    let match = backups.first(where: { backup in
                        guard backup.vlan == outcome.vlan, inside(copy.time, backup.start, backup.end) else { return false }
                        if let mac = backup.mac { return copy.hasDestinationMAC && copy.destination == mac }
                        return backup.vantage == Int(copy.vantage)
                    })
                else { continue }
                let sender = suspect.synAck ? outcome.server.address : outcome.client.address
                let target = match.mac == nil ? "reached \(match.router) (captured at \(state.vantageName(Int(copy.vantage))))" : "went to \(match.router)"
                let group = match.group.isEmpty ? "" : " of \(match.group)"
                let chain = "the \(ordinal(suspect.number, suspect.synAck, outcome))\(name(suspect.synAck)) from \(sender) \(target)\(group) instead of the master"
                return HandshakeCause(
                    label: "vip_backup", causedBy: [match.key], chain: chain,
                    segment: MisdirectedSegment(synAck: suspect.synAck, number: suspect.number, copies: suspect.transmission.sightings))
            }
        }
        // An endpoint (or its next hop, by MAC) that could not resolve an address meanwhile.
        var endpointMACs = Set<MACAddress>()
        for (_, _, copy) in outcome.allSightings where copy.hasDestinationMAC {
            endpointMACs.insert(copy.source)
            endpointMACs.insert(copy.destination)
        }
        let endpointIPs = [outcome.client.address.description, outcome.server.address.description]
        let open = (outcome.start - 5_000_000_000, (outcome.completion?.time ?? outcome.end) + tolerance)
        // Relevant: a host on the path (by MAC or address) asking for one of the endpoints, or
        // a server that never got a SYN-ACK out asking for anything (its next hop).
        let candidates = unanswered.filter {
            guard $0.vlan == outcome.vlan, $0.start <= open.1, $0.end >= open.0 else { return false }
            let onPath = endpointMACs.contains($0.requesterMAC) || endpointIPs.contains($0.requester)
            return (onPath && endpointIPs.contains($0.target)) || (outcome.synAckCount == 0 && $0.requester == endpointIPs[1])
        }
        // Prefer the server side (its reply needs the answer), then the earliest.
        let serverSide = candidates.first { $0.requester == endpointIPs[1] || $0.target == endpointIPs[0] }
        if let match = serverSide ?? candidates.first {
            let chain = "\(match.requester) (\(match.requesterMAC)) got no answer to its \(match.protocolName) requests for \(match.target)"
            return HandshakeCause(label: "unanswered_resolution", causedBy: [match.key], chain: chain, segment: nil)
        }
        if outcome.result == .refused, let reset = outcome.reset {
            let chain = "\(outcome.server) answered with a RST (frame \(reset.frame)\(at(reset)))"
            return HandshakeCause(label: "rst", causedBy: [], chain: chain, segment: nil)
        }
        return unexplained(outcome, suspects: suspects)
    }

    /// Where the handshake stalled, when no finding explains it.
    private func unexplained(
        _ outcome: HandshakeOutcome, suspects: [(synAck: Bool, number: Int, transmission: SegmentTransmission)]
    ) -> HandshakeCause {
        if let lost = suspects.first(where: { $0.synAck }) {
            let copies = lost.transmission.sightings
            let last = copies.max { $0.time < $1.time }
            var chain = "the \(ordinal(lost.number, true, outcome))SYN-ACK from \(outcome.server.address) did not get through"
            if let last, state.vantageNames.count > 1 {
                let only = Set(copies.map(\.vantage)).count == 1
                chain += " (\(only ? "seen only" : "last seen") at \(state.vantageName(Int(last.vantage))))"
            }
            return HandshakeCause(
                label: "syn_ack_lost", causedBy: [], chain: chain,
                segment: MisdirectedSegment(synAck: true, number: lost.number, copies: copies))
        }
        if outcome.synAckCount == 0 {
            return HandshakeCause(
                label: "no_syn_ack", causedBy: [],
                chain: "no SYN-ACK from \(outcome.server.address) was seen at any vantage point", segment: nil)
        }
        let lost = suspects.first { !$0.synAck }
        return HandshakeCause(
            label: "syn_lost", causedBy: [],
            chain: "the first SYN from \(outcome.client.address) got no SYN-ACK",
            segment: lost.map { MisdirectedSegment(synAck: false, number: $0.number, copies: $0.transmission.sightings) })
    }

    /// "first " / "2nd " before a segment name, when the handshake had several.
    private func ordinal(_ number: Int, _ synAck: Bool, _ outcome: HandshakeOutcome) -> String {
        let count = synAck ? outcome.synAckCount : outcome.synCount
        guard count > 1 else { return "" }
        switch number {
        case 1: return "first "
        case 2: return "2nd "
        case 3: return "3rd "
        default: return "\(number)th "
        }
    }

    private func at(_ sighting: SegmentSighting) -> String {
        state.vantageNames.count > 1 ? " of \(state.vantageName(Int(sighting.vantage)))" : ""
    }
}
