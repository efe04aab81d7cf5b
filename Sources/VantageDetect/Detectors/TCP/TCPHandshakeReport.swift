//  The findings of TCPHandshakeDetector: failed and slow handshakes grouped per (VLAN, server,
//  cause), with the server's handshake counts, the ratio and "1 in N", the retransmission
//  schedule recognised from the SYN gaps (protocols.md §8), and evidence that follows the
//  misdirected segment across the vantage points.

import VantageCapture
import VantageState
import VantageWire

/// Builds the tcp.handshake_* findings from the kept outcomes.
struct HandshakeReport {
    let detector: TCPHandshakeDetector
    let state: AnalysisState

    private struct Group {
        var kind: FindingKind
        var vlan: UInt16
        var server: NeighborAddress
        var cause: HandshakeCause
        var outcomes: [HandshakeOutcome] = []
    }

    /// Connections described one by one in the details.
    static let connectionLimit = 16
    /// Handshakes whose frames are cited as evidence.
    static let evidenceHandshakes = 3

    /// One finding per (kind, VLAN, server, cause), in order of first appearance.
    func findings(_ outcomes: [HandshakeOutcome], causes: HandshakeCauses) -> [Finding] {
        var groups: [Group] = []
        var index: [String: Int] = [:]
        for outcome in outcomes.sorted(by: { $0.start < $1.start }) {
            let cause = causes.cause(of: outcome)
            let kind = outcome.result == .slow ? TCPHandshakeDetector.slowKind : TCPHandshakeDetector.failedKind
            let key = "\(kind.rawValue)|\(outcome.vlan)|\(outcome.server.address)|\(cause.token)"
            if let at = index[key] {
                groups[at].outcomes.append(outcome)
            } else {
                index[key] = groups.count
                groups.append(Group(kind: kind, vlan: outcome.vlan, server: outcome.server.address, cause: cause, outcomes: [outcome]))
            }
        }
        return groups.map(finding)
    }

    private func finding(_ group: Group) -> Finding {
        let settings = detector.settings
        let stats = detector.stats(vlan: group.vlan, server: group.server)
        let slow = group.kind == TCPHandshakeDetector.slowKind
        let count = group.outcomes.count
        let handshakes = max(stats.handshakes, count)
        let ratio = Double(count) / Double(handshakes)
        let oneIn = Int((Double(handshakes) / Double(count)).rounded())
        let first = group.outcomes[0]
        let cause = group.cause
        let ports = Array(Set(group.outcomes.map(\.server.port))).sorted()
        let serverText = ports.count == 1 ? TCPEndpoint(address: group.server, port: ports[0]).description : "\(group.server)"
        let schedule = Schedule(group.outcomes.map(\.synGaps))
        let unreachable = !slow && (cause.label == "rst" || cause.label == "no_syn_ack")
        let down = unreachable && stats.completed == 0
        // Failures all before the service's first accepted connection: it was starting up.
        let spans = group.outcomes.map { detector.span(vlan: group.vlan, server: $0.server) }
        let firstAccepted = spans.compactMap { $0?.first }.min { $0.time < $1.time }
        let lastAccepted = spans.compactMap { $0?.last }.max()
        let startingUp = unreachable && !down
            && zip(group.outcomes, spans).allSatisfy { outcome, span in span.map { outcome.end < $0.first.time } ?? false }
        let stopped = unreachable && !down && !startingUp
            && zip(group.outcomes, spans).allSatisfy { outcome, span in span.map { outcome.start > $0.last } ?? false }

        // Severity.
        let severity: Severity
        if slow {
            let notable = count >= settings.slowWarningCount && ratio >= settings.slowWarningRatio
            severity = (cause.isEstablished && cause.label != "rst") || notable ? .warning : .info
        } else if (down && count <= settings.isolatedCount) || startingUp {
            severity = .info
        } else if count >= settings.criticalCount && ratio >= settings.criticalRatio {
            severity = .critical
        } else {
            severity = .warning
        }

        // The sentence.
        let clientText = count == 1 ? " from \(first.client)" : ""
        var text: String
        if slow {
            text = "\(count) of \(handshakes) handshake\(handshakes == 1 ? "" : "s") to \(serverText)\(clientText)"
            text += oneIn >= 2 ? " (1 in \(oneIn))" : ""
            text += " completed only after a retransmission: \(cause.chain)"
        } else {
            text = "\(count) of \(handshakes) handshake\(handshakes == 1 ? "" : "s") to \(serverText)\(clientText) failed"
            text += oneIn >= 2 ? " (1 in \(oneIn))" : ""
            text += ": \(cause.chain)"
        }
        if let segment = cause.segment, state.vantageNames.count > 1, let last = segment.copies.max(by: { $0.time < $1.time }) {
            let seenAt = Set(segment.copies.map(\.vantage))
            if !cause.chain.contains("last seen") {
                text += seenAt.count == 1
                    ? " and was seen only at \(state.vantageName(Int(last.vantage)))"
                    : " and was last seen at \(state.vantageName(Int(last.vantage)))"
            }
        }
        let delays = group.outcomes.compactMap(\.delay)
        if slow, let retry = schedule.firstGap {
            text += "; the client retried after \(DurationText.seconds(retry)) (\(schedule.text))"
            if let worst = delays.max() { text += count == 1 ? " and waited \(DurationText.seconds(worst))" : ", waits up to \(DurationText.seconds(worst))" }
        } else if slow, let worst = delays.max() {
            text += "; the handshake took \(count == 1 ? "" : "up to ")\(DurationText.seconds(worst))"
        } else if !slow, first.synCount > 1 || count > 1 {
            let attempts = group.outcomes.map(\.synCount).max() ?? 1
            if attempts > 1 {
                text += "; the client sent its SYN \(DurationText.times(attempts))"
                if schedule.firstGap != nil { text += " (\(schedule.text))" }
            }
        }
        if down {
            text += "; \(group.server) completed no handshake in the capture: the server or service is down"
            if cause.label == "no_syn_ack" { text += " or a firewall drops the SYNs" }
        } else if startingUp, let firstAccepted {
            text += "; it accepted connections from \(firstAccepted.time.timeOfDay) (frame \(firstAccepted.frame)"
            text += "\(state.vantageNames.count > 1 ? " of \(state.vantageName(Int(firstAccepted.vantage)))" : "")) on:"
            text += " the service was not \(cause.label == "rst" ? "listening" : "answering") yet"
        } else if stopped, let lastAccepted {
            text += "; it had accepted connections until \(lastAccepted.timeOfDay): the service stopped \(cause.label == "rst" ? "listening" : "answering")"
        } else if cause.label == "rst" {
            text += ": nothing listens on \(ports.count == 1 ? "port \(ports[0])" : "those ports") at times, or a firewall rejects"
            text += " (\(stats.completed) other handshake\(stats.completed == 1 ? "" : "s") completed)"
        }
        text += "."

        // Evidence: the first handshakes' journeys.
        var evidence: [Evidence] = []
        for outcome in group.outcomes.prefix(Self.evidenceHandshakes) {
            evidence += journey(outcome, cause: outcome.start == first.start ? cause : nil)
        }

        // Addresses.
        var ips = [group.server.description]
        for outcome in group.outcomes where ips.count < 9 {
            let client = outcome.client.address.description
            if !ips.contains(client) { ips.append(client) }
        }
        var macs: [String] = []
        for (_, _, copy) in first.allSightings {
            for mac in [copy.source, copy.destination] where mac.isUnicast && !macs.contains(mac.description) && macs.count < 8 {
                macs.append(mac.description)
            }
        }

        // Details.
        var details: [String: DetailValue] = [
            "server": .string(group.server.description), "ports": .list(ports.map { .int(Int($0)) }),
            "handshakes": .int(count), "server_handshakes": .int(handshakes), "server_completed": .int(stats.completed),
            "server_slow": .int(stats.slow), "server_failed": .int(stats.failed), "server_refused": .int(stats.refused),
            "server_in_flight_at_end": .int(stats.inFlight), "server_unconfirmed": .int(stats.unconfirmed), "server_aborted_by_client": .int(stats.aborted),
            "ratio": .double((ratio * 1e6).rounded() / 1e6), "one_in": .int(oneIn), "cause": .string(cause.label),
            "cause_established": .bool(cause.isEstablished), "schedule": .string(schedule.label),
            "schedule_text": .string(schedule.text), "server_down": .bool(down), "before_first_accept": .bool(startingUp),
            "after_last_accept": .bool(stopped),
            "results": .object(Dictionary(grouping: group.outcomes, by: \.result.rawValue).mapValues { .int($0.count) }),
            "table_evictions": .int(detector.evictions), "server_evicted": .int(stats.evicted), "server_without_syn": .int(stats.withoutSYN),
            "unrecorded": .int(stats.unrecorded),
        ]
        if let gap = schedule.firstGap { details["first_retry_s"] = seconds(gap) }
        if !delays.isEmpty {
            details["delay_max_s"] = seconds(delays.max() ?? 0)
            details["delay_median_s"] = seconds(delays.sorted()[delays.count / 2])
        }
        details["connections"] = .list(group.outcomes.prefix(Self.connectionLimit).map(connectionDetail))
        if let segment = cause.segment {
            details["misdirected"] = .object([
                "segment": .string(segment.synAck ? "SYN-ACK" : "SYN"), "transmission": .int(segment.number),
                "seen_at": .list(segment.copies.map { copy in
                    .object([
                        "vantage": .string(state.vantageName(Int(copy.vantage))), "frame": .int(Int(copy.frame)),
                        "destination_mac": copy.hasDestinationMAC ? .string(copy.destination.description) : .null,
                    ])
                }),
            ])
        }

        return Finding(
            kind: group.kind, severity: severity, start: group.outcomes.map(\.start).min() ?? first.start,
            end: group.outcomes.map { $0.completion?.time ?? $0.end }.max() ?? first.end, summary: text, ips: ips, macs: macs,
            vlan: group.vlan, evidence: evidence, remedy: remedy(cause, server: serverText, slow: slow),
            key: "\(group.kind.rawValue)|\(group.vlan)|\(group.server)|\(cause.token)", causedBy: cause.causedBy,
            details: details)
    }

    /// The frames of one handshake: its SYNs, the copies of the segment that went astray, the
    /// SYN-ACKs, and the completion or RST.
    private func journey(_ outcome: HandshakeOutcome, cause: HandshakeCause?) -> [Evidence] {
        var evidence: [Evidence] = []
        let from = "\(outcome.client)"
        let to = "\(outcome.server)"
        let astray = cause?.segment
        for (index, syn) in outcome.syns.enumerated() {
            // The first SYN at every vantage point (where the journey starts), retransmissions once.
            let copies = index == 0 || astray.map { !$0.synAck && $0.number == index + 1 } == true ? syn.sightings : [syn.first]
            for copy in copies {
                var note = index == 0 ? "SYN \(from) > \(to)" : "SYN retransmission \(index) after \(DurationText.seconds(syn.first.time - outcome.syns[index - 1].first.time))"
                note += where_(copy)
                if astray.map({ !$0.synAck && $0.number == index + 1 }) == true, copies.count > 1,
                    copy.time == copies.map(\.time).max()
                {
                    note += "; last seen here"
                }
                evidence.append(Evidence(copy.reference, note))
            }
        }
        for (index, synAck) in outcome.synAcks.enumerated() {
            let isAstray = astray.map { $0.synAck && $0.number == index + 1 } == true
            let copies = isAstray ? synAck.sightings : [synAck.first]
            for copy in copies {
                var note = "SYN-ACK \(index + 1) \(to) > \(from)\(where_(copy))"
                if isAstray, copies.count > 1, copy.time == copies.map(\.time).max() { note += "; last seen here" }
                if isAstray, let cause { note += " (\(cause.label.split(separator: "_").joined(separator: " ")))" }
                evidence.append(Evidence(copy.reference, note))
            }
        }
        if let completion = outcome.completion {
            evidence.append(Evidence(completion.reference, "handshake completes \(DurationText.seconds(completion.time - outcome.start)) after the first SYN"))
        }
        if let reset = outcome.reset {
            evidence.append(Evidence(reset.reference, "RST answers the SYN to \(to)"))
        }
        return evidence
    }

    /// " at web with destination MAC 02:..", naming the vantage when there are several.
    private func where_(_ copy: SegmentSighting) -> String {
        var text = state.vantageNames.count > 1 ? " at \(state.vantageName(Int(copy.vantage)))" : ""
        if copy.hasDestinationMAC { text += " to \(copy.destination)" }
        return text
    }

    private func connectionDetail(_ outcome: HandshakeOutcome) -> DetailValue {
        var object: [String: DetailValue] = [
            "client": .string(outcome.client.description), "server": .string(outcome.server.description),
            "result": .string(outcome.result.rawValue), "syns": .int(outcome.synCount), "syn_acks": .int(outcome.synAckCount),
            "syn_gaps_s": .list(outcome.synGaps.map(seconds)), "syn_ack_gaps_s": .list(outcome.synAckGaps.map(seconds)),
            "start": .string(outcome.start.description),
        ]
        if let delay = outcome.delay { object["delay_s"] = seconds(delay) }
        // Each SYN and SYN-ACK transmission: where it was seen, with which destination MAC.
        func transmissions(_ list: [SegmentTransmission]) -> DetailValue {
            .list(list.map { transmission in
                .list(transmission.sightings.map { copy in
                    .object([
                        "vantage": .string(state.vantageName(Int(copy.vantage))), "frame": .int(Int(copy.frame)),
                        "destination_mac": copy.hasDestinationMAC ? .string(copy.destination.description) : .null,
                    ])
                })
            })
        }
        object["syn_seen"] = transmissions(outcome.syns)
        object["syn_ack_seen"] = transmissions(outcome.synAcks)
        return .object(object)
    }

    private func seconds(_ nanoseconds: Int64) -> DetailValue { .double((Double(nanoseconds) / 1e3).rounded() / 1e6) }

    private func remedy(_ cause: HandshakeCause, server: String, slow: Bool) -> String {
        switch cause.label {
        case "stale_neighbor":
            return "The reply went to a MAC that no longer owns the address: see the neighbor.stale_after_move finding "
                + "(announce moved addresses with gratuitous ARP / unsolicited NA, arp_accept=1 on the sender, flush the "
                + "stale entry, gc_thresh1=0 where addresses get reused)."
        case "vip_backup":
            return "Segments for the VIP reached a backup router, which drops them (no state): see the vip.traffic_to_backup "
                + "finding (the senders' ARP caches, the switch's MAC table for the VIP's MAC, LACP/lagg hashing; use the "
                + "VIP's virtual MAC, not a node's own MAC, as the gateway)."
        case "unanswered_resolution":
            return "An endpoint or its next hop could not resolve an address while the handshake was open: see the "
                + "arp.unanswered / ndp.unanswered finding (is the next hop up, on the same VLAN, answering ARP/NDP)."
        case "rst":
            return "\(server) refuses the connection: start the service, check that it listens on that address and port "
                + "(ss -ltn), or the firewall rule that rejects it; fix the clients or the load balancer pointing there."
        case "no_syn_ack":
            return "No SYN-ACK came back: check that \(server) is up and listening, its firewall (drops without RST), the "
                + "SYN backlog (netstat -s | grep -i listen) and the path from the clients; capture at \(server) to see "
                + "whether the SYNs arrive."
        default:
            return slow
                ? "The first SYN or SYN-ACK was lost: capture at both ends at once to see where, and check interface and "
                    + "switch drop counters, firewall state tables and the SYN backlog of \(server)."
                : "SYN-ACKs from \(server) do not reach the client (or its ACKs do not come back): capture at both ends and "
                    + "along the path, and check the neighbour entries and routes \(server) uses to reply."
        }
    }
}

/// The SYN retransmission schedule recognised from the gaps between a handshake's SYNs.
struct Schedule {
    /// `linux_1s`, `linux_linear_1s`, `initial_3s`, `other`, or `none` (no retransmission).
    var label = "none"
    /// The schedule in words.
    var text = "no SYN retransmission"
    /// The most common first gap (median over the handshakes).
    var firstGap: Int64?

    /// The schedule most of `gapLists` follow.
    init(_ gapLists: [[Int64]]) {
        let firsts = gapLists.compactMap(\.first).sorted()
        guard !firsts.isEmpty else { return }
        let first = firsts[firsts.count / 2]
        firstGap = first
        let seconds = Double(first) / 1e9
        let second = gapLists.first { $0.count > 1 }.map { Double($0[1]) / 1e9 }
        if seconds >= 0.8 && seconds <= 1.6 {
            if let second, second >= 0.8 && second <= 1.4 {
                label = "linux_linear_1s"
                text = "1 s initial RTO, linear: Linux 6.5 or later, or macOS"
            } else {
                label = "linux_1s"
                text = "1 s initial RTO: a modern stack such as Linux (RFC 6298)"
            }
        } else if seconds >= 2.5 && seconds <= 3.7 {
            label = "initial_3s"
            text = "3 s initial RTO doubling: Windows or an older stack (RFC 1122)"
        } else {
            label = "other"
            text = "first retry after \(DurationText.seconds(first)): no standard schedule"
        }
    }
}
