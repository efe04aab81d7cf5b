import VantageCapture
import VantageWire

/// Who owned which address when, learned from ARP, NDP and the data plane, and which MAC each
/// sender uses for each address (its neighbor cache as seen from the wire).
///
/// Contract:
/// - **Deterministic.** Time comes only from the observations; the same frames in the same
///   order give the same state.
/// - **VLAN-scoped, fixed-size keys.** An address is ``NeighborKey`` (VLAN + IPv4 as UInt32 or
///   IPv6 as two UInt64); MACs are UInt64.
/// - **Addresses are learned from ARP/NDP only.** Owners come from ARP sender pairs (requests,
///   replies, gratuitous ARP, announcements; never from 0.0.0.0 probes, which are recorded as
///   probes for the target), NS source + SLLA (source not `::`) and NA target + TLLA. An IP
///   frame only refreshes the liveness of a MAC that already owns (or owned) its source
///   address: a router's MAC that carries many off-link source IPs never owns them.
/// - **Bounded.** Three ``BoundedMap``s (addresses, senders, stations), each with a capacity,
///   least-recently-seen eviction (approximate: an entry seen at least once per quarter of the
///   capacity's worth of operations is never evicted) and an eviction count (``usage``); each
///   address keeps its latest ``Limits/historyPerAddress`` tenures.
/// - **Lean data plane.** Per IP frame at most three hash lookups (source address, destination
///   address, sender entry), in-place updates, no allocation once an entry exists.
///
/// Events for the observation just taken in (``events`` says which are set): ``claim``
/// (ARP/NDP claim or probe), ``destinationEvent`` (a frame sent to a former owner, or a sender
/// switching MACs) and ``formerOwnerSource`` (a former owner still sending from the address).
/// Each is nil unless the current observation produced it. Queries (``address(_:)``,
/// ``owner(of:)``, ``sender(_:)``, ``station(_:)``) never change recency.
public final class NeighborTable {
    /// Capacities of the table's maps.
    public struct Limits: Sendable, Hashable {
        /// Addresses (VLAN, IP) tracked.
        public var addresses: Int
        /// (VLAN, sender MAC, destination address) entries tracked.
        public var senders: Int
        /// (VLAN, MAC) stations tracked.
        public var stations: Int
        /// Ownership tenures kept per address (at least 2).
        public var historyPerAddress: Int

        /// Limits with the given capacities.
        public init(addresses: Int = 65_536, senders: Int = 131_072, stations: Int = 32_768, historyPerAddress: Int = 6) {
            self.addresses = max(1, addresses)
            self.senders = max(1, senders)
            self.stations = max(1, stations)
            self.historyPerAddress = max(2, historyPerAddress)
        }

        /// The built-in limits: 65 536 addresses, 131 072 sender entries, 32 768 stations,
        /// 6 tenures per address (about 75 MB when every map is full).
        public static let standard = Limits()
    }

    /// Fill and eviction count of one of the table's maps.
    public struct Usage: Sendable, Hashable {
        /// `addresses`, `senders` or `stations`.
        public var table: String
        /// Its capacity.
        public var capacity: Int
        /// Entries now.
        public var count: Int
        /// Most entries at once.
        public var peak: Int
        /// Entries evicted to make room.
        public var evictions: Int
    }

    /// The capacities in force.
    public let limits: Limits
    // All state lives in one struct, mutated through one access per observation (each access to
    // a class's stored property costs a dynamic exclusivity check, ~70 instructions). Unchecked
    // is safe: only `observe` mutates it, and it never calls out, so accesses cannot overlap.
    @exclusivity(unchecked) private var state: NeighborState

    /// Which events the current observation produced (cheap to test before reading them).
    public var events: NeighborEvents { state.events }
    /// The ARP/NDP claim or probe in the current observation.
    public var claim: NeighborClaim? { state.claim }
    /// A frame in the current observation sent to a former owner of its destination address,
    /// or switching the MAC its sender uses for that address.
    public var destinationEvent: DestinationEvent? { state.destinationEvent }
    /// A frame in the current observation sent from an address by its former owner.
    public var formerOwnerSource: FormerOwnerSource? { state.formerOwnerSource }

    /// An empty table.
    public init(limits: Limits = .standard) {
        self.limits = limits
        state = NeighborState(limits: limits)
    }

    /// Takes in one observation.
    public func observe(_ observation: Observation) { state.observe(observation) }

    // MARK: - Queries (none of them changes recency)

    /// What the table knows about `key`.
    public func address(_ key: NeighborKey) -> AddressRecord? { state.addresses[key: key] }

    /// The current owner's tenure of `key`.
    public func owner(of key: NeighborKey) -> OwnershipInterval? {
        state.owner(of: key)
    }

    /// What the table knows about `sender` sending to an address.
    public func sender(_ key: SenderKey) -> SenderRecord? { state.senders[key: key] }

    /// What the table knows about a MAC in a VLAN.
    public func station(_ key: StationKey) -> StationRecord? { state.stations[key: key] }

    /// Whether `mac` advertises VRRP, CARP or HSRP in `vlan`.
    public func isRedundancySpeaker(vlan: UInt16, mac: MACAddress) -> Bool {
        state.stations[key: StationKey(vlan: vlan, mac: mac)]?.isRedundancySpeaker ?? false
    }

    /// Entries in the address map.
    public var addressCount: Int { state.addresses.count }
    /// Entries in the sender map.
    public var senderCount: Int { state.senders.count }
    /// Entries in the station map.
    public var stationCount: Int { state.stations.count }

    /// Evictions from all three maps (cheap: check this before asking for ``usage``).
    public var totalEvictions: Int { state.addresses.evictions + state.senders.evictions + state.stations.evictions }

    /// Fill and evictions of each map.
    public var usage: [Usage] {
        [
            Usage(
                table: "addresses", capacity: state.addresses.capacity, count: state.addresses.count, peak: state.addresses.peakCount,
                evictions: state.addresses.evictions),
            Usage(
                table: "senders", capacity: state.senders.capacity, count: state.senders.count, peak: state.senders.peakCount,
                evictions: state.senders.evictions),
            Usage(
                table: "stations", capacity: state.stations.capacity, count: state.stations.count, peak: state.stations.peakCount,
                evictions: state.stations.evictions),
        ]
    }

}

/// The events one observation produced in the ``NeighborTable``.
public struct NeighborEvents: OptionSet, Sendable, Hashable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// ``NeighborTable/claim`` is set.
    public static let claim = NeighborEvents(rawValue: 1 << 0)
    /// ``NeighborTable/destinationEvent`` is set.
    public static let destination = NeighborEvents(rawValue: 1 << 1)
    /// ``NeighborTable/formerOwnerSource`` is set.
    public static let formerOwnerSource = NeighborEvents(rawValue: 1 << 2)
}

/// The table's state and the logic that updates it, kept in one struct so an observation is
/// one exclusive access (see ``NeighborTable``).
struct NeighborState {
    let limits: NeighborTable.Limits
    var addresses: BoundedMap<NeighborKey, AddressRecord>
    var senders: BoundedMap<SenderKey, SenderRecord>
    var stations: BoundedMap<StationKey, StationRecord>
    var events: NeighborEvents = []
    var claim: NeighborClaim? { didSet { if claim != nil { events.insert(.claim) } } }
    var destinationEvent: DestinationEvent? { didSet { if destinationEvent != nil { events.insert(.destination) } } }
    var formerOwnerSource: FormerOwnerSource? { didSet { if formerOwnerSource != nil { events.insert(.formerOwnerSource) } } }

    init(limits: NeighborTable.Limits) {
        self.limits = limits
        addresses = BoundedMap(capacity: limits.addresses, approximateRecency: true)
        senders = BoundedMap(capacity: limits.senders, approximateRecency: true)
        stations = BoundedMap(capacity: limits.stations, approximateRecency: true)
    }

    /// The current owner's tenure of `key` (does not change recency).
    func owner(of key: NeighborKey) -> OwnershipInterval? {
        guard let slot = addresses.slot(of: key) else { return nil }
        return addresses[slot: slot].history.last
    }

    // MARK: - Observing

    /// Takes in one observation.
    mutating func observe(_ observation: Observation) {
        if !events.isEmpty {
            claim = nil
            destinationEvent = nil
            formerOwnerSource = nil
            events = []
        }
        switch observation.packet.network {
        case .arp(let arp):
            observeARP(arp, observation: observation)
        case .ipv4(let header):
            switch observation.packet.transport {
            case .vrrp(let advert):
                observeAdvert(
                    role: .vrrp, group: UInt16(advert.vrid), vip: advert.firstIPv4Address.map(NeighborAddress.init),
                    source: NeighborAddress(header.source), observation: observation)
            case .carp:
                observeAdvert(
                    role: .carp, group: 0, vip: nil, source: NeighborAddress(header.source),
                    observation: observation)
            default:
                if case .hsrp(let message) = observation.packet.application {
                    observeAdvert(
                        role: .hsrp, group: message.group, vip: message.virtualIP.map(NeighborAddress.init),
                        source: NeighborAddress(header.source), observation: observation)
                }
            }
            observeData(
                source: NeighborAddress(header.source), destination: NeighborAddress(header.destination),
                observation: observation)
        case .ipv6(let header, _):
            switch observation.packet.transport {
            case .neighborDiscovery(_, let message):
                observeND(message, header: header, observation: observation)
                return
            case .vrrp(let advert):
                observeAdvert(
                    role: .vrrp, group: UInt16(advert.vrid), vip: advert.firstIPv6Address.map(NeighborAddress.init),
                    source: NeighborAddress(header.source), observation: observation)
            default:
                if case .hsrp(let message) = observation.packet.application {
                    observeAdvert(
                        role: .hsrp, group: message.group, vip: message.virtualIPv6.map(NeighborAddress.init),
                        source: NeighborAddress(header.source), observation: observation)
                }
            }
            observeData(
                source: NeighborAddress(header.source), destination: NeighborAddress(header.destination),
                observation: observation)
        default:
            return
        }
    }

    // MARK: - Data plane (the hot path)

    private mutating func observeData(
        source: NeighborAddress, destination: NeighborAddress, observation: Observation
    ) {
        guard let sourceMAC = observation.packet.sourceMAC else { return }
        let vlan = observation.vlan
        let reference = observation.reference
        var sourceOwned = false
        if source.isUnicastHost, let slot = addresses.find(NeighborKey(vlan: vlan, address: source)) {
            sourceOwned = refreshSource(slot: slot, mac: sourceMAC, reference: reference)
        }
        guard let destinationMAC = observation.packet.destinationMAC, destinationMAC.isUnicast, destination.isUnicastHost,
            let addressSlot = addresses.find(NeighborKey(vlan: vlan, address: destination))
        else { return }
        let count = addresses[slot: addressSlot].history.count
        guard count > 0 else { return }
        let owner = addresses[slot: addressSlot].history[count - 1].mac
        var isFormerOwner = false
        if destinationMAC != owner {
            var index = count - 1
            while index > 0 {
                index -= 1
                if addresses[slot: addressSlot].history[index].mac == destinationMAC {
                    isFormerOwner = true
                    break
                }
            }
        }
        let key = SenderKey(vlan: vlan, sender: sourceMAC, address: destination)
        var switchedFrom: MACAddress?
        if let slot = senders.find(key) {
            switchedFrom = useSender(slot: slot, destinationMAC: destinationMAC, reference: reference)
            if sourceOwned { senders[slot: slot].senderAddress = source }
        } else {
            var record = SenderRecord(key: key)
            record.destinationMAC = destinationMAC
            record.firstFrame = reference
            record.lastFrame = reference
            record.frames = 1
            if sourceOwned { record.senderAddress = source }
            senders.insert(key, record)
        }
        if isFormerOwner || switchedFrom != nil {
            destinationEvent = DestinationEvent(
                sender: key, reference: reference, destinationMAC: destinationMAC, owner: owner,
                isFormerOwner: isFormerOwner, switchedFrom: switchedFrom)
        }
    }

    /// Refreshes the tenure of `mac` for the address in `slot`; true when `mac` is the owner.
    private mutating func refreshSource(slot: Int, mac: MACAddress, reference: FrameReference) -> Bool {
        let count = addresses[slot: slot].history.count
        guard count > 0 else { return false }
        if addresses[slot: slot].history[count - 1].mac == mac {
            addresses[slot: slot].history[count - 1].lastSeen = reference
            addresses[slot: slot].history[count - 1].dataFrames &+= 1
            return true
        }
        var index = count - 1
        while index > 0 {
            index -= 1
            guard addresses[slot: slot].history[index].mac == mac else { continue }
            addresses[slot: slot].history[index].lastSeen = reference
            addresses[slot: slot].history[index].framesAfterEnd &+= 1
            if addresses[slot: slot].history[index].firstFrameAfterEnd == nil {
                addresses[slot: slot].history[index].firstFrameAfterEnd = reference
            }
            let record = addresses[slot: slot]
            formerOwnerSource = FormerOwnerSource(
                key: record.key, mac: mac, owner: record.history[count - 1].mac, reference: reference)
            return false
        }
        return false
    }

    /// Records a frame to `destinationMAC`; returns the previous MAC when the sender switched.
    private mutating func useSender(slot: Int, destinationMAC: MACAddress, reference: FrameReference) -> MACAddress? {
        let current = senders[slot: slot].destinationMAC
        if current == destinationMAC {
            senders[slot: slot].lastFrame = reference
            senders[slot: slot].frames &+= 1
            return nil
        }
        var record = senders[slot: slot]
        let switched: MACAddress? = current.isZero ? nil : current
        if switched != nil {
            record.previousMAC = current
            record.previousFirstFrame = record.firstFrame
            record.previousLastFrame = record.lastFrame
            record.previousFrames = record.frames
            record.switches &+= 1
        }
        record.destinationMAC = destinationMAC
        record.firstFrame = reference
        record.lastFrame = reference
        record.frames = 1
        senders[slot: slot] = record
        return switched
    }

    // MARK: - ARP

    private mutating func observeARP(_ arp: ARPPacket, observation: Observation) {
        guard arp.isEthernetIPv4 else { return }
        let vlan = observation.vlan
        let reference = observation.reference
        let frameSource = observation.packet.sourceMAC ?? arp.senderMAC
        let sender = NeighborAddress(arp.senderIP)
        let target = NeighborAddress(arp.targetIP)
        switch arp.variant {
        case .probe:
            probe(NeighborKey(vlan: vlan, address: target), mac: arp.senderMAC, kind: .arpProbe, reference: reference)
        case .request:
            learn(NeighborKey(vlan: vlan, address: sender), mac: arp.senderMAC, kind: .arpRequest, reference: reference)
            resolution(
                vlan: vlan, sender: frameSource, address: target, destination: observation.packet.destinationMAC ?? .broadcast,
                reference: reference)
        case .reply:
            learn(
                NeighborKey(vlan: vlan, address: sender), mac: arp.senderMAC, kind: .arpReply, reference: reference,
                answersProbe: arp.targetIP.isUnspecified)
            if arp.targetMAC.isUnicast {
                answer(
                    vlan: vlan, to: observation.packet.destinationMAC.flatMap { $0.isUnicast ? $0 : nil } ?? arp.targetMAC,
                    address: sender, mac: arp.senderMAC, reference: reference)
            }
        case .announcement:
            learn(NeighborKey(vlan: vlan, address: sender), mac: arp.senderMAC, kind: .arpAnnouncement, reference: reference)
        case .gratuitousRequest, .gratuitousReply:
            learn(NeighborKey(vlan: vlan, address: sender), mac: arp.senderMAC, kind: .gratuitousARP, reference: reference)
        default:
            return
        }
    }

    // MARK: - NDP

    private mutating func observeND(_ message: NDMessage, header: IPv6Header, observation: Observation) {
        let vlan = observation.vlan
        let reference = observation.reference
        guard let frameSource = observation.packet.sourceMAC else { return }
        switch message.kind {
        case .neighborSolicitation:
            guard let target = message.targetAddress else { return }
            if message.isDADProbe(ipSource: header.source) {
                probe(NeighborKey(vlan: vlan, target), mac: frameSource, kind: .dadProbe, reference: reference)
                return
            }
            let source = NeighborAddress(header.source)
            if let slla = message.sourceLinkLayerAddress {
                learn(NeighborKey(vlan: vlan, address: source), mac: slla, kind: .solicitationSource, reference: reference)
            } else if source.isUnicastHost, let slot = addresses.find(NeighborKey(vlan: vlan, address: source)) {
                _ = refreshSource(slot: slot, mac: frameSource, reference: reference)
            }
            resolution(
                vlan: vlan, sender: frameSource, address: NeighborAddress(target),
                destination: observation.packet.destinationMAC ?? .broadcast, reference: reference)
        case .neighborAdvertisement:
            guard let target = message.targetAddress else { return }
            let kind: ClaimKind =
                message.solicited
                ? .solicitedAdvertisement : (message.override ? .overrideAdvertisement : .unsolicitedAdvertisement)
            guard let mac = message.targetLinkLayerAddress ?? (message.solicited ? frameSource : nil) else { return }
            learn(NeighborKey(vlan: vlan, target), mac: mac, kind: kind, reference: reference)
            if message.solicited, let destination = observation.packet.destinationMAC, destination.isUnicast {
                answer(vlan: vlan, to: destination, address: NeighborAddress(target), mac: mac, reference: reference)
            }
        default:
            let source = NeighborAddress(header.source)
            if source.isUnicastHost, let slot = addresses.find(NeighborKey(vlan: vlan, address: source)) {
                _ = refreshSource(slot: slot, mac: frameSource, reference: reference)
            }
        }
    }

    // MARK: - Redundancy adverts

    private mutating func observeAdvert(
        role: RedundancyRoles, group: UInt16, vip: NeighborAddress?, source: NeighborAddress, 
        observation: Observation
    ) {
        guard let frameSource = observation.packet.sourceMAC else { return }
        let vlan = observation.vlan
        let reference = observation.reference
        // The Ethernet source speaks the protocol; so does the owner of the advert's IP source
        // when that is another MAC (VRRP with a virtual MAC, ucarp's 00:00:5e:00:00:vhid).
        var node = owner(of: NeighborKey(vlan: vlan, address: source))?.mac
        if node == frameSource { node = nil }
        markSpeaker(StationKey(vlan: vlan, mac: frameSource), role: role, reference: reference)
        if let node { markSpeaker(StationKey(vlan: vlan, mac: node), role: role, reference: reference) }
        guard let vip, vip.isUnicastHost else { return }
        let slot = addressSlot(NeighborKey(vlan: vlan, address: vip))
        addresses[slot: slot].redundancy.formUnion(role)
        addresses[slot: slot].redundancyGroup = group
        addAdvertiser(frameSource, slot: slot)
        if let node { addAdvertiser(node, slot: slot) }
    }

    private mutating func markSpeaker(_ key: StationKey, role: RedundancyRoles, reference: FrameReference) {
        let slot = stationSlot(key, reference: reference)
        stations[slot: slot].roles.formUnion(role)
        stations[slot: slot].lastAdvertisement = reference
        stations[slot: slot].lastSeen = reference
    }

    private mutating func addAdvertiser(_ mac: MACAddress, slot: Int) {
        guard !addresses[slot: slot].advertisers.contains(mac) else { return }
        if addresses[slot: slot].advertisers.count >= 4 { addresses[slot: slot].advertisers.removeFirst() }
        addresses[slot: slot].advertisers.append(mac)
    }

    // MARK: - Learning

    /// The slot of `key`, inserting an empty record (and evicting the least recently seen
    /// address) when it is new.
    private mutating func addressSlot(_ key: NeighborKey) -> Int {
        if let slot = addresses.find(key) { return slot }
        let (slot, evicted) = addresses.insert(key, AddressRecord(key: key))
        if let evicted, let owner = evicted.value.history.last {
            let stationKey = StationKey(vlan: evicted.key.vlan, mac: owner.mac)
            if let station = stations.slot(of: stationKey), stations[slot: station].ownedAddresses > 0 {
                stations[slot: station].ownedAddresses -= 1
            }
        }
        return slot
    }

    /// The slot of a station, inserting it when new.
    private mutating func stationSlot(_ key: StationKey, reference: FrameReference) -> Int {
        if let slot = stations.find(key) { return slot }
        return stations.insert(key, StationRecord(key: key, reference: reference)).slot
    }

    /// Takes in an ARP/NDP ownership claim of `key` by `mac`.
    private mutating func learn(
        _ key: NeighborKey, mac: MACAddress, kind: ClaimKind, reference: FrameReference, answersProbe: Bool = false
    ) {
        guard key.address.isUnicastHost, !mac.isZero, !mac.isBroadcast else { return }
        let slot = addressSlot(key)
        let count = addresses[slot: slot].history.count
        var previous: OwnershipInterval?
        var changed = false
        if count > 0, addresses[slot: slot].history[count - 1].mac == mac {
            addresses[slot: slot].history[count - 1].lastClaim = reference
            addresses[slot: slot].history[count - 1].lastClaimKind = kind
            addresses[slot: slot].history[count - 1].lastSeen = reference
            addresses[slot: slot].history[count - 1].claimKinds.insert(ClaimKinds(kind))
            addresses[slot: slot].history[count - 1].claims &+= 1
        } else {
            if count > 0 {
                addresses[slot: slot].history[count - 1].end = reference.time
                let ended = addresses[slot: slot].history[count - 1]
                previous = ended
                changed = true
                addresses[slot: slot].changes &+= 1
                if let old = stations.slot(of: StationKey(vlan: key.vlan, mac: ended.mac)),
                    stations[slot: old].ownedAddresses > 0
                {
                    stations[slot: old].ownedAddresses -= 1
                }
                if count >= limits.historyPerAddress { addresses[slot: slot].history.removeFirst() }
            }
            let serial = addresses[slot: slot].changes &+ 1
            addresses[slot: slot].history.append(
                OwnershipInterval(mac: mac, serial: serial, claim: reference, kind: kind))
        }
        let station = stationSlot(StationKey(vlan: key.vlan, mac: mac), reference: reference)
        stations[slot: station].claims &+= 1
        stations[slot: station].lastSeen = reference
        if changed || count == 0 { stations[slot: station].ownedAddresses += 1 }
        claim = NeighborClaim(
            key: key, mac: mac, kind: kind, reference: reference, isFirstOwner: count == 0, changedOwner: changed,
            previous: previous, answersProbe: answersProbe)
    }

    /// Takes in an ARP probe or DAD NS for `key` from `mac`.
    private mutating func probe(_ key: NeighborKey, mac: MACAddress, kind: ClaimKind, reference: FrameReference) {
        guard key.address.isUnicastHost, !mac.isZero else { return }
        let slot = addressSlot(key)
        if let last = addresses[slot: slot].lastProbe, last.mac == mac {
            addresses[slot: slot].lastProbe = ProbeRecord(mac: mac, reference: reference, kind: kind, count: last.count &+ 1)
        } else {
            addresses[slot: slot].lastProbe = ProbeRecord(mac: mac, reference: reference, kind: kind, count: 1)
        }
        let owner = addresses[slot: slot].history.last
        let station = stationSlot(StationKey(vlan: key.vlan, mac: mac), reference: reference)
        stations[slot: station].lastSeen = reference
        if stations[slot: station].lastProbeTarget != key.address {
            stations[slot: station].lastProbeTarget = key.address
            stations[slot: station].probeTargets &+= 1
        }
        claim = NeighborClaim(
            key: key, mac: mac, kind: kind, reference: reference, isFirstOwner: false, changedOwner: false,
            previous: owner?.mac == mac ? nil : owner, answersProbe: false)
    }

    /// Notes that `sender` asked for `address` (ARP request or NS).
    private mutating func resolution(
        vlan: UInt16, sender: MACAddress, address: NeighborAddress, destination: MACAddress, reference: FrameReference
    ) {
        guard address.isUnicastHost else { return }
        let slot = senderSlot(SenderKey(vlan: vlan, sender: sender, address: address))
        senders[slot: slot].lastResolution = reference
        senders[slot: slot].lastResolutionDestination = destination
        senders[slot: slot].resolutions &+= 1
    }

    /// Notes that `host` was told `address` is at `mac` (ARP reply or solicited NA).
    private mutating func answer(vlan: UInt16, to host: MACAddress, address: NeighborAddress, mac: MACAddress, reference: FrameReference) {
        guard address.isUnicastHost else { return }
        let slot = senderSlot(SenderKey(vlan: vlan, sender: host, address: address))
        senders[slot: slot].lastAnswer = reference
        senders[slot: slot].lastAnswerMAC = mac
    }

    private mutating func senderSlot(_ key: SenderKey) -> Int {
        if let slot = senders.find(key) { return slot }
        return senders.insert(key, SenderRecord(key: key)).slot
    }
}
