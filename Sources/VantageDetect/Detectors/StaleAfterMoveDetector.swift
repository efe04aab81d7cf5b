import VantageCapture
import VantageState
import VantageWire

/// `neighbor.stale_after_move`: after an address moved from MAC A to MAC B, a host kept sending
/// frames for it to A (its neighbor cache entry was stale).
///
/// The ``NeighborTable`` flags every IP frame whose destination MAC owned the destination address
/// before the current owner (``NeighborTable/destinationEvent``), and every frame to the owner
/// while another MAC is taking the address over from the data plane (counted only if that claim
/// is confirmed, from the claimant's first frame: seed 004 without any ARP). Per (VLAN, sending host,
/// address) an episode collects those frames: count, first/last, the notable ones (TCP SYN-ACK,
/// RST), whether the host re-ARPed / sent an NS for the address after the move, and its
/// convergence (its first frame for the address to B). Frames within `grace` of the move are in
/// flight and do not count as staleness on their own; an episode is reported when a frame went to
/// A at least `grace` after the move. Seed 004: a server answers a reused cloud IP's SYN with
/// SYN-ACKs to the old instance's MAC.
///
/// Not reported when A is still using the address (a duplicate: `arp.duplicate_ip` reports it),
/// for known virtual MACs, proxy-ARP routers and ignored IPs.
public final class StaleAfterMoveDetector: ConfigurableDetector {
    /// The kind this detector emits.
    public static let kind = FindingKind(rawValue: "neighbor.stale_after_move")

    /// Tunables (section `neighbor.stale_after_move`).
    public struct Configuration: Sendable {
        /// In-flight grace after the move.
        public static let grace = Tunable(
            "grace", unit: "s", default: 1,
            "frames sent to the old MAC within this time after the move are in flight (or the host has not processed the announcement yet); an episode is reported only when a frame went to the old MAC at least this long after the move")
        /// Staleness that makes the finding critical.
        public static let criticalAfter = Tunable(
            "critical_after", unit: "s", default: 10,
            "a host still sending to the old MAC this long after the move (Linux re-validates a used STALE entry within about 5 s + 3 probes) is critical; so is a host that never converged in the capture")

        /// Grace in nanoseconds.
        public var grace: Int64
        /// Critical duration in nanoseconds.
        public var criticalAfter: Int64

        /// The tunables as set in `configuration`.
        public init(_ configuration: AnalysisConfiguration) {
            grace = configuration.nanoseconds(Self.grace, in: StaleAfterMoveDetector.kind.rawValue)
            criticalAfter = configuration.nanoseconds(Self.criticalAfter, in: StaleAfterMoveDetector.kind.rawValue)
        }
    }

    public static var descriptions: [KindDescription] {
        [
            KindDescription(
                kind: kind,
                meaning:
                    "After an address moved to a new MAC, a host kept sending its frames (replies such as a TCP SYN-ACK included) to the old MAC: its ARP/NDP cache entry was stale, so its peer never heard from it.",
                rule:
                    "After the owner of (VLAN, IP) changed from A to B (ARP/NDP, or B's IP frames from it: see neighbor.moved), host H sent IP frames for IP with destination MAC A at least grace after the change. Reports the frames, first/last, notable TCP frames, whether H re-resolved the address, and H's first frame to B (convergence) or that it never converged in the capture. Not when A still uses the address (duplicate), for known virtual MACs, proxy-ARP routers, ignored IPs.",
                severity: "warning; critical when H kept sending to A for critical_after or longer, or never converged in the capture",
                remedies:
                    "Announce the address from the new host (arp_notify=1, arping -U); let H accept gratuitous ARP (arp_accept=1); flush H's entry (ip neigh flush to IP); Linux never ages unused STALE entries below gc_thresh1 entries (set gc_thresh1=0 where addresses get reused).",
                tunables: [Configuration.grace, Configuration.criticalAfter]),
        ]
    }

    /// ARP and NDP, and IP data frames only when the neighbor table reports an event for them
    /// (on any other data frame ``observe(_:state:sink:)`` has nothing to do).
    public let interest: ObservationInterest = [.arp, .neighborDiscovery, .dataPlaneEvent]

    private struct Episode {
        var oldMAC: MACAddress
        var newMAC: MACAddress
        var move: FrameReference
        var moveKind: ClaimKind
        var senderAddress: NeighborAddress?
        var first: FrameReference
        var last: FrameReference
        var count = 0
        var notable: [(FrameReference, String)] = []
        var reResolved: FrameReference?
        var reResolvedTo: MACAddress = .zero
        var reResolutions = 0
        var converged: FrameReference?
        var movedAgain: FrameReference?
        var reportedLive = false
        /// The stale frames counted and where each was seen (a frame seen at several vantage points counts once).
        var journeys = JourneyLog()
    }

    private let settings: Configuration
    private let policy: NeighborPolicy
    private let configuration: AnalysisConfiguration
    // Read on every IP frame; only this class touches it, never re-entrantly.
    @exclusivity(unchecked) private var episodes = BoundedMap<SenderKey, Episode>(capacity: 8192)

    public init(configuration: AnalysisConfiguration) {
        self.configuration = configuration
        settings = Configuration(configuration)
        policy = NeighborPolicy(configuration: configuration)
    }

    public func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
        let table = state.neighbors
        let events = table.events
        if events.contains(.destination), let event = table.destinationEvent {
            destination(event, observation: observation, state: state, sink: sink)
            // An IP frame can also confirm a data-plane claim.
            if events.contains(.claim), let claim = table.claim, claim.changedOwner {
                addressMoved(claim, state: state, sink: sink)
            }
            return
        }
        guard !episodes.isEmpty else { return }
        if events.contains(.claim), let claim = table.claim, claim.changedOwner {
            addressMoved(claim, state: state, sink: sink)
        }
        resolution(observation)
    }

    private func destination(_ event: DestinationEvent, observation: Observation, state: AnalysisState, sink: FindingSink) {
        let key = event.sender
        if event.isFormerOwner || event.challenger != nil {
            staleFrame(event, observation: observation, state: state, sink: sink)
        } else if let slot = episodes.slot(of: key), event.destinationMAC == episodes[slot: slot].newMAC {
            // The host now uses the new owner: converged.
            var episode = episodes[slot: slot]
            episode.converged = event.reference
            episodes.remove(key)
            report(episode, key: key, state: state, sink: sink, final: true)
        }
    }

    private func staleFrame(_ event: DestinationEvent, observation: Observation, state: AnalysisState, sink: FindingSink) {
        let key = event.sender
        let neighbor = key.neighbor
        guard !policy.isIgnored(neighbor), !policy.involvesExpectedShared(event.destinationMAC, event.owner),
            let record = state.neighbors.address(neighbor)
        else { return }
        // The move this frame ignores: the tenure right after the old MAC's latest one, or a
        // data-plane claim still being confirmed (its frames count once it is: ``report``).
        let next: (mac: MACAddress, firstClaim: FrameReference, firstClaimKind: ClaimKind)
        if let challenger = event.challenger, let start = event.challengeStart {
            guard !policy.isExpectedShared(challenger) else { return }
            next = (challenger, start, .dataPlane)
        } else {
            let history = record.history
            guard let index = history.lastIndex(where: { $0.mac == event.destinationMAC }), index + 1 < history.count else {
                return
            }
            next = (history[index + 1].mac, history[index + 1].firstClaim, history[index + 1].firstClaimKind)
        }
        var slot = episodes.slot(of: key)
        if let existing = slot, episodes[slot: existing].oldMAC != event.destinationMAC || episodes[slot: existing].move != next.firstClaim {
            let stale = episodes[slot: existing]
            episodes.remove(key)
            report(stale, key: key, state: state, sink: sink, final: true)
            slot = nil
        }
        if slot == nil {
            let episode = Episode(
                oldMAC: event.destinationMAC, newMAC: next.mac, move: next.firstClaim, moveKind: next.firstClaimKind,
                senderAddress: state.neighbors.sender(key)?.senderAddress, first: event.reference, last: event.reference)
            let inserted = episodes.insert(key, episode)
            if let evicted = inserted.evicted {
                report(evicted.value, key: evicted.key, state: state, sink: sink, final: true)
            }
            slot = inserted.slot
        }
        guard let slot else { return }
        var episode = episodes[slot: slot]
        // A copy of a frame already counted, captured at another vantage point, joins its journey.
        if episode.journeys.isCopy(observation, state: state) {
            episodes[slot: slot] = episode
            return
        }
        episode.count += 1
        episode.last = event.reference
        if episode.senderAddress == nil { episode.senderAddress = state.neighbors.sender(key)?.senderAddress }
        if let tcp = observation.packet.tcp, episode.notable.count < 8 {
            if tcp.flags.contains(.syn) && tcp.flags.contains(.ack) {
                episode.notable.append((event.reference, "SYN-ACK"))
            } else if tcp.flags.contains(.rst) {
                episode.notable.append((event.reference, "RST"))
            }
        }
        episodes[slot: slot] = episode
        // Reported when the episode ends (convergence, another move, end of capture); a live run
        // also hears it once it has lasted critical_after (by then a duplicate would show).
        if !episode.reportedLive, event.reference.time - episode.move.time >= settings.criticalAfter {
            episodes[slot: slot].reportedLive = true
            report(episodes[slot: slot], key: key, state: state, sink: sink, final: false)
        }
    }

    /// Another change of owner ends the episodes of hosts stuck on the address's old MAC (except
    /// those that a confirmed data-plane claim is about: their move starts at its first frame).
    private func addressMoved(_ claim: NeighborClaim, state: AnalysisState, sink: FindingSink) {
        var ended: [SenderKey] = []
        episodes.forEachOldestFirst { slot in
            let key = episodes.key(at: slot)
            if key.neighbor == claim.key,
                episodes[slot: slot].move != claim.reference || episodes[slot: slot].newMAC != claim.mac
            {
                ended.append(key)
            }
            return true
        }
        for key in ended {
            guard var episode = episodes.remove(key) else { continue }
            if claim.mac == episode.oldMAC || claim.mac != episode.newMAC { episode.movedAgain = claim.reference }
            report(episode, key: key, state: state, sink: sink, final: true)
        }
    }

    /// An ARP request / NS from a host with an open episode for the target.
    private func resolution(_ observation: Observation) {
        let packet = observation.packet
        guard let source = packet.sourceMAC else { return }
        let target: NeighborAddress
        if let arp = packet.arp {
            guard arp.variant == .request else { return }
            target = NeighborAddress(arp.targetIP)
        } else if case .neighborDiscovery(_, let message) = packet.transport, message.kind == .neighborSolicitation,
            let address = message.targetAddress, packet.ipv6?.source.isUnspecified == false
        {
            target = NeighborAddress(address)
        } else {
            return
        }
        let key = SenderKey(vlan: observation.vlan, sender: source, address: target)
        guard let slot = episodes.slot(of: key), observation.time >= episodes[slot: slot].move.time else { return }
        episodes[slot: slot].reResolutions += 1
        if episodes[slot: slot].reResolved == nil {
            episodes[slot: slot].reResolved = observation.reference
            episodes[slot: slot].reResolvedTo = packet.destinationMAC ?? .broadcast
        }
    }

    public func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) {
        for key in episodes.keysOldestFirst {
            if let episode = episodes.remove(key) { report(episode, key: key, state: state, sink: sink, final: true) }
        }
    }

    private func report(_ episode: Episode, key: SenderKey, state: AnalysisState, sink: FindingSink, final: Bool) {
        let stale = episode.last.time - episode.move.time
        guard stale >= settings.grace, !NeighborPolicy.isSharedByDesign(key.neighbor, state: state)
        else { return }
        let neighbor = key.neighbor
        var episode = episode
        episode.journeys.settle(at: nil, state: state)
        if episode.senderAddress == nil { episode.senderAddress = state.neighbors.sender(key)?.senderAddress }
        let rules = OwnershipRules(configuration, for: neighbor)
        let record = state.neighbors.address(neighbor)
        // The old MAC still uses the address: two live owners, reported as a duplicate.
        if let record, let old = record.latestInterval(of: episode.oldMAC), old.end != nil,
            rules.overlaps(old, nextStart: episode.move.time)
        {
            return
        }
        // A data-plane claim that was never confirmed moved nothing.
        if episode.moveKind == .dataPlane,
            record?.history.contains(where: { $0.mac == episode.newMAC && $0.firstClaim == episode.move }) != true
        {
            return
        }
        let neverConverged = final && episode.converged == nil && episode.movedAgain == nil
        let severity: Severity = stale >= settings.criticalAfter || neverConverged ? .critical : .warning
        let ip = neighbor.address.description
        let host = episode.senderAddress.map { "\($0)" } ?? "host \(key.sender)"
        let hostMAC = episode.senderAddress.map { "\($0) (\(key.sender))" } ?? key.sender.description
        let resolver = NeighborText.resolver(neighbor)
        var summary =
            "\(host) sent \(episode.count) \(episode.count == 1 ? "frame" : "frames") for \(ip) to the old MAC \(episode.oldMAC)"
        let synAcks = episode.notable.filter { $0.1 == "SYN-ACK" }.map(\.0)
        let resets = episode.notable.filter { $0.1 == "RST" }.map(\.0)
        if !synAcks.isEmpty {
            summary += " (incl. \(synAcks.count == 1 ? "the SYN-ACK" : "SYN-ACKs") at \(NeighborText.frames(synAcks, state)))"
        } else if !resets.isEmpty {
            summary += " (incl. \(resets.count == 1 ? "the RST" : "RSTs") at \(NeighborText.frames(resets, state)))"
        }
        summary +=
            " for \(NeighborText.duration(stale)) after it moved to \(episode.newMAC) at \(NeighborText.frame(episode.move, state))"
        if let asked = episode.reResolved {
            let how = episode.reResolvedTo.isUnicast ? " (unicast to \(episode.reResolvedTo))" : ""
            summary += "; it re-\(resolver == "ARP" ? "ARPed" : "solicited") for \(ip) at \(NeighborText.frame(asked, state))\(how)"
        } else {
            summary += "; it did not re-\(resolver == "ARP" ? "ARP" : "solicit") for \(ip)"
        }
        if let converged = episode.converged {
            summary +=
                " and converged at \(NeighborText.frame(converged, state)) (\(NeighborText.duration(converged.time - episode.move.time)) after the move)"
        } else if let again = episode.movedAgain {
            summary += " until \(ip) moved again at \(NeighborText.frame(again, state))"
        } else if final {
            summary += " and never converged in the capture"
        } else {
            summary += " and has not converged yet"
        }

        var evidence = [
            Evidence(
                episode.move,
                episode.moveKind == .dataPlane
                    ? "\(ip) moves to \(episode.newMAC): its first frame from \(ip) (no \(resolver) from it)"
                    : "\(ip) moves to \(episode.newMAC) (\(episode.moveKind))")
        ]
        let notable = episode.notable.map(\.0)
        if !notable.contains(episode.first) {
            evidence += episode.journeys.evidence(episode.first, "\(host) sends for \(ip) to the old MAC \(episode.oldMAC)", state: state)
        }
        for (reference, what) in episode.notable {
            evidence += episode.journeys.evidence(reference, "\(host) sends a \(what) for \(ip) to the old MAC \(episode.oldMAC)", state: state)
        }
        if let asked = episode.reResolved { evidence.append(Evidence(asked, "\(host) asks for \(ip) (\(resolver))")) }
        if episode.last != episode.first, !notable.contains(episode.last) {
            evidence += episode.journeys.evidence(episode.last, "last frame for \(ip) to the old MAC \(episode.oldMAC)", state: state)
        }
        if let converged = episode.converged {
            evidence.append(Evidence(converged, "\(host) sends for \(ip) to \(episode.newMAC): converged"))
        }

        let remedy: String
        if neighbor.address.isIPv6 {
            remedy =
                "Have the new owner of \(ip) send an unsolicited NA when it takes the address (net.ipv6.conf.<dev>.ndisc_notify=1); let \(host) accept it (accept_untracked_na); flush the stale entry on \(host) with `ip -6 neigh flush to \(ip)`. Linux never ages out an unused STALE entry while the neighbour table holds fewer than gc_thresh1 entries (protocols.md §2.5): on hosts whose peers' addresses get reused set net.ipv6.neigh.default.gc_thresh1=0."
        } else {
            remedy =
                "Have the new owner of \(ip) send gratuitous ARP when it takes the address (net.ipv4.conf.all.arp_notify=1, or `arping -U -c 3 -I <dev> \(ip)`); on \(host) set net.ipv4.conf.all.arp_accept=1 so gratuitous ARP creates/updates the entry, and flush the stale entry now with `ip neigh flush to \(ip)`. Linux never ages out an unused STALE entry while the neighbour table holds fewer than gc_thresh1 (128) entries (protocols.md §2.5): on hosts whose peers' addresses get reused (cloud instances, DHCP) set net.ipv4.neigh.default.gc_thresh1=0."
        }
        var details: [String: DetailValue] = [
            "sender": .string(hostMAC), "sender_mac": .string(key.sender.description),
            "old_mac": .string(episode.oldMAC.description), "new_mac": .string(episode.newMAC.description),
            "frames": .int(episode.count), "first_stale": NeighborText.detail(episode.first, state),
            "last_stale": NeighborText.detail(episode.last, state), "move": NeighborText.detail(episode.move, state),
            "stale_s": NeighborText.seconds(stale), "re_resolutions": .int(episode.reResolutions),
            "syn_ack_frames": .list(synAcks.map { .int($0.frame) }),
            "converged": episode.converged.map { NeighborText.detail($0, state) } ?? .null,
            "convergence_s": episode.converged.map { NeighborText.seconds($0.time - episode.move.time) } ?? .null,
        ]
        if let asked = episode.reResolved { details["re_resolved"] = NeighborText.detail(asked, state) }
        var ips = [ip]
        if let sender = episode.senderAddress { ips.append(sender.description) }
        sink.emit(
            Finding(
                kind: Self.kind, severity: severity, start: episode.move.time,
                end: max(episode.last.time, episode.converged?.time ?? episode.last.time), summary: summary, ips: ips,
                macs: [key.sender.description, episode.oldMAC.description, episode.newMAC.description], vlan: neighbor.vlan,
                evidence: evidence, remedy: remedy,
                key: "\(Self.kind.rawValue)|\(neighbor.vlan)|\(ip)|\(key.sender)|\(episode.oldMAC)|\(episode.newMAC)",
                causedBy: [NeighborText.moveKey(neighbor, from: episode.oldMAC, to: episode.newMAC)], details: details))
    }
}
