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
/// - **Addresses are learned from ARP/NDP.** Owners come from ARP sender pairs (requests,
///   replies, gratuitous ARP, announcements; never from 0.0.0.0 probes, which are recorded as
///   probes for the target), NS source + SLLA (source not `::`) and NA target + TLLA. An IP
///   frame refreshes the liveness of a MAC that owns (or owned) its source address; it never
///   makes an address known, so a router's MAC that carries many off-link source IPs never
///   owns them.
/// - **The data plane can move a known address** (``DataPlaneRules``): a MAC B that is not the
///   owner A and not a former owner, sends IP frames from A's address with a host's initial TTL,
///   owns no other address of that family, forwards no other sources, speaks no redundancy
///   protocol, is not shared by design, and keeps using the address for `minUse` within
///   `window`, becomes the owner (kind ``ClaimKind/dataPlane``; its tenure starts at its first
///   frame). Until then it is the address's ``AddressRecord/challenger`` and frames sent to A are
///   flagged (``DestinationEvent/challenger``) so a stale cache can be shown from the start.
/// - **Bounded.** Three ``BoundedMap``s (addresses, senders, stations), each with a capacity,
///   least-recently-seen eviction (approximate: an entry seen at least once per quarter of the
///   capacity's worth of operations is never evicted) and an eviction count (``usage``); each
///   address keeps its latest ``Limits/historyPerAddress`` tenures.
/// - **Lean data plane.** Per IP frame at most three hash lookups (source address, destination
///   address, sender entry), in-place updates, no allocation once an entry exists. Extra work
///   (a station lookup) only for a frame whose source address is owned by another MAC (after a
///   TTL test that rejects forwarded frames), and at most four times per sender entry for a
///   sender whose source addresses are not its own.
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

    /// When IP frames may move an address to their sender's MAC (see the contract above).
    public struct DataPlaneRules: Sendable {
        /// Whether the data plane may move addresses at all.
        public var enabled: Bool
        /// The challenger must send from the address over at least this span (first to latest
        /// frame, ns): one stray frame, or one frame seen at two vantage points, claims nothing.
        public var minUse: Int64
        /// That use must come within this time of its first frame (ns); later frames start a new
        /// challenge. A second non-owner MAC sending from the address within it makes the
        /// challenge contested: nobody takes the address over.
        public var window: Int64
        /// A MAC seen sending from this many distinct source addresses of a family that it does
        /// not own, besides the address in question, is a router and claims nothing.
        public var routerSources: Int
        /// MACs shared by design (virtual MACs, proxy-ARP routers, multicast): they neither claim
        /// an address from the data plane nor lose one to it.
        public var isShared: @Sendable (MACAddress) -> Bool

        /// Rules with the given values.
        public init(
            enabled: Bool = true, minUse: Int64 = 500_000_000, window: Int64 = 10_000_000_000, routerSources: Int = 2,
            isShared: @escaping @Sendable (MACAddress) -> Bool = { $0.isMulticast }
        ) {
            self.enabled = enabled
            self.minUse = max(0, minUse)
            self.window = max(self.minUse, window)
            self.routerSources = max(1, routerSources)
            self.isShared = isShared
        }

        /// The built-in rules: 0.5 s of use within 10 s, routers from 2 foreign sources on,
        /// multicast MACs shared.
        public static let standard = DataPlaneRules()

        /// IPv4 TTLs / IPv6 hop limits that stacks start with (32, 64, 128, 255): a frame with
        /// one of them was sent by its Ethernet source; a router's forwarded frames carry less.
        @inlinable public static func isInitialHopLimit(_ value: UInt8) -> Bool {
            value == 64 || value == 128 || value == 255 || value == 32
        }
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
    public init(limits: Limits = .standard, dataPlane: DataPlaneRules = .standard) {
        self.limits = limits
        state = NeighborState(limits: limits, dataPlane: dataPlane)
    }

    /// Takes in one observation; returns the events it produced (as ``events``).
    @discardableResult
    public func observe(_ observation: Observation) -> NeighborEvents {
        state.observe(observation)
        return state.events
    }

    /// Prepares the caches for ``observe(_:)`` of `observation` a few frames later: `stage` 0
    /// fetches the index words its lookups start at, stage 1 (a frame or two after stage 0) the
    /// entries they lead to. Only a hint: it changes nothing, and the lookups that follow are
    /// done in full. For a caller that has the next observations at hand (the engine thread).
    public func prefetch(_ observation: UnsafePointer<Observation>, stage: Int) {
        state.prefetch(observation, stage: stage)
    }

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

    /// Whether ``claim`` is in the set (inlinable: tested on every frame).
    @inlinable public var hasClaim: Bool { rawValue & 1 != 0 }
}

/// The table's state and the logic that updates it, kept in one struct so an observation is
/// one exclusive access (see ``NeighborTable``).
struct NeighborState {
    let limits: NeighborTable.Limits
    let dataPlane: NeighborTable.DataPlaneRules
    /// `dataPlane.enabled`, kept apart: read on the data path without touching the rules' closure.
    let claimsEnabled: Bool
    /// `dataPlane.window`, likewise.
    let claimWindow: Int64
    var addresses: BoundedMap<NeighborKey, AddressRecord>
    var senders: BoundedMap<SenderKey, SenderRecord>
    var stations: BoundedMap<StationKey, StationRecord>
    var events: NeighborEvents = []
    /// Address records with a ``AddressRecord/challenger`` (the data plane reads a record's
    /// challenger only while this is non-zero).
    var challenges = 0
    var claim: NeighborClaim? { didSet { if claim != nil { events.insert(.claim) } } }
    var destinationEvent: DestinationEvent? { didSet { if destinationEvent != nil { events.insert(.destination) } } }
    var formerOwnerSource: FormerOwnerSource? { didSet { if formerOwnerSource != nil { events.insert(.formerOwnerSource) } } }

    init(limits: NeighborTable.Limits, dataPlane: NeighborTable.DataPlaneRules) {
        self.limits = limits
        self.dataPlane = dataPlane
        claimsEnabled = dataPlane.enabled
        claimWindow = dataPlane.window
        addresses = BoundedMap(capacity: limits.addresses, approximateRecency: true)
        senders = BoundedMap(capacity: limits.senders, approximateRecency: true)
        stations = BoundedMap(capacity: limits.stations, approximateRecency: true)
    }

    /// The current owner's tenure of `key` (does not change recency).
    func owner(of key: NeighborKey) -> OwnershipInterval? {
        guard let slot = addresses.slot(of: key) else { return nil }
        return addresses[slot: slot].history.last
    }

    /// See ``NeighborTable/prefetch(_:stage:)``: the data plane's three lookups (source and
    /// destination address, sender entry). Mutating only so that the call reaches the state in
    /// place: a non-mutating call on the class's stored struct copies it (retaining its arrays).
    mutating func prefetch(_ observation: UnsafePointer<Observation>, stage: Int) {
        let shape = observation.pointee.shape
        guard shape.network == .ipv4 || shape.network == .ipv6, let source = observation.pointee.ipSource,
            let destination = observation.pointee.ipDestination, let sourceMAC = observation.pointee.sourceMAC
        else { return }
        let vlan = observation.pointee.vlan
        let sourceKey = NeighborKey(vlan: vlan, address: source)
        let destinationKey = NeighborKey(vlan: vlan, address: destination)
        let senderKey = SenderKey(vlan: vlan, sender: sourceMAC, address: destination)
        if stage == 0 {
            addresses.prefetchBucket(sourceKey)
            addresses.prefetchBucket(destinationKey)
            senders.prefetchBucket(senderKey)
        } else {
            addresses.prefetchEntry(sourceKey)
            addresses.prefetchEntry(destinationKey)
            senders.prefetchEntry(senderKey, bytes: 192)
        }
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
        // The data plane (nearly every frame) straight from the observation's cached addresses,
        // without reading the layer enums; adverts, NDP and ARP below.
        let shape = observation.shape
        switch shape.network {
        case .ipv4, .ipv6:
            switch shape.transport {
            case .vrrp, .carp, .neighborDiscovery:
                break
            default:
                if shape.application != .hsrp, let source = observation.ipSource, let destination = observation.ipDestination {
                    observeData(source: source, destination: destination, hopLimit: observation.hopLimit, observation: observation)
                    return
                }
            }
        case .arp:
            break
        default:
            return
        }
        observeControl(observation)
    }

    /// ARP, NDP, redundancy adverts (and the data-plane side of an advert's IP frame).
    @inline(never)
    private mutating func observeControl(_ observation: Observation) {
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
                hopLimit: header.ttl, observation: observation)
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
                hopLimit: header.hopLimit, observation: observation)
        default:
            return
        }
    }

    // MARK: - Data plane (the hot path)

    private mutating func observeData(
        source: NeighborAddress, destination: NeighborAddress, hopLimit: UInt8, observation: Observation
    ) {
        guard let sourceMAC = observation.sourceMAC else { return }
        let vlan = observation.vlan
        let reference = observation.reference
        var sourceOwned = false
        if source.isUnicastHost, let slot = addresses.find(NeighborKey(vlan: vlan, address: source)) {
            sourceOwned = refreshSource(slot: slot, mac: sourceMAC, reference: reference, hopLimit: hopLimit)
        }
        guard let destinationMAC = observation.destinationMAC, destinationMAC.isUnicast, destination.isUnicastHost,
            let addressSlot = addresses.find(NeighborKey(vlan: vlan, address: destination))
        else { return }
        let count = addresses[slot: addressSlot].history.count
        guard count > 0 else { return }
        let owner = addresses[slot: addressSlot].history[count - 1].mac
        var isFormerOwner = false
        var challenger: MACAddress?
        var challengeStart: FrameReference?
        if destinationMAC != owner {
            var index = count - 1
            while index > 0 {
                index -= 1
                if addresses[slot: addressSlot].history[index].mac == destinationMAC {
                    isFormerOwner = true
                    break
                }
            }
        } else if challenges > 0, let pending = addresses[slot: addressSlot].challenger {
            if reference.time - pending.first.time > claimWindow {
                setChallenger(nil, slot: addressSlot)
            } else if pending.mac != sourceMAC, !pending.contested {
                challenger = pending.mac
                challengeStart = pending.first
            }
        }
        let key = SenderKey(vlan: vlan, sender: sourceMAC, address: destination)
        var switchedFrom: MACAddress?
        if let slot = senders.find(key) {
            switchedFrom = useSender(slot: slot, destinationMAC: destinationMAC, reference: reference)
            if sourceOwned {
                if senders[slot: slot].senderAddress != source { senders[slot: slot].senderAddress = source }
            } else if Int(senders[slot: slot].foreignSourceNotes) < StationRecord.foreignSourceLimit,
                senders[slot: slot].foreignSource != source
            {
                noteForeignSource(senderSlot: slot, source: source, reference: reference)
            }
        } else {
            var record = SenderRecord(key: key)
            record.destinationMAC = destinationMAC
            record.firstFrame = reference
            record.lastFrame = reference
            record.frames = 1
            if sourceOwned { record.senderAddress = source }
            let slot = senders.insert(key, record).slot
            if !sourceOwned { noteForeignSource(senderSlot: slot, source: source, reference: reference) }
        }
        if isFormerOwner || switchedFrom != nil || challenger != nil {
            destinationEvent = DestinationEvent(
                sender: key, reference: reference, destinationMAC: destinationMAC, owner: owner,
                isFormerOwner: isFormerOwner, switchedFrom: switchedFrom, challenger: challenger,
                challengeStart: challengeStart)
        }
    }

    /// Records that the sender of the entry in `senderSlot` sent from `source`, an address it does
    /// not own; the first ``StationRecord/foreignSourceLimit`` changes of that address per entry
    /// go to the sender's station (a router costs a few station updates per destination, not one
    /// per frame; after that the entry stops tracking).
    @inline(never)
    private mutating func noteForeignSource(senderSlot slot: Int, source: NeighborAddress, reference: FrameReference) {
        guard source.isUnicastHost, Int(senders[slot: slot].foreignSourceNotes) < StationRecord.foreignSourceLimit else { return }
        senders[slot: slot].foreignSource = source
        senders[slot: slot].foreignSourceNotes += 1
        let key = senders.key(at: slot)
        let station = stationSlot(StationKey(vlan: key.vlan, mac: key.sender), reference: reference)
        stations[slot: station].noteForeignSource(source)
    }

    /// Refreshes the tenure of `mac` for the address in `slot`; true when `mac` is the owner
    /// (also when this frame made it the owner: IP data frames pass their TTL / hop limit and may
    /// claim the address, ``NeighborTable/DataPlaneRules``; 0 claims nothing).
    private mutating func refreshSource(slot: Int, mac: MACAddress, reference: FrameReference, hopLimit: UInt8 = 0) -> Bool {
        let count = addresses[slot: slot].history.count
        guard count > 0 else { return false }
        let owner = addresses[slot: slot].history[count - 1].mac
        if owner == mac {
            addresses[slot: slot].history[count - 1].noteDataFrame(reference)
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
        // A router's forwarded frames (TTL already decremented) are the common case here.
        guard claimsEnabled, NeighborTable.DataPlaneRules.isInitialHopLimit(hopLimit) else { return false }
        return challenge(slot: slot, mac: mac, owner: owner, reference: reference)
    }

    /// A frame from the address in `slot` by `mac`, which never owned it: a data-plane claim in
    /// the making (``NeighborTable/DataPlaneRules``). True when it made `mac` the owner.
    @inline(never)
    private mutating func challenge(slot: Int, mac: MACAddress, owner: MACAddress, reference: FrameReference) -> Bool {
        guard mac.isUnicast, !mac.isZero else { return false }
        let key = addresses.key(at: slot)
        // A redundancy speaker, a host with an address of its own in this family (a router's
        // interface, a direct-server-return real server, a second NIC), or a router.
        if let station = stations[key: StationKey(vlan: key.vlan, mac: mac)],
            station.isRedundancySpeaker || station.ownedAddresses(sameFamilyAs: key.address) > 0
                || station.foreignSourceCount(sameFamilyAs: key.address) >= dataPlane.routerSources
        {
            if challenges > 0, addresses[slot: slot].challenger?.mac == mac { setChallenger(nil, slot: slot) }
            return false
        }
        // A VRRP/CARP/HSRP virtual IP (the vip.* detectors' domain), MACs shared by design.
        guard addresses[slot: slot].redundancy.isEmpty, addresses[slot: slot].advertisers.isEmpty,
            !dataPlane.isShared(mac), !dataPlane.isShared(owner)
        else { return false }
        // Windows NLB unicast mode masks each host's frames as 02:h:a:b:c:d for cluster a.b.c.d.
        if let ipv4 = key.address.ipv4, NLBClusterMAC.maskedSource(mac, clusterIP: ipv4) != nil { return false }
        let time = reference.time
        guard var pending = addresses[slot: slot].challenger, time - pending.first.time <= dataPlane.window else {
            setChallenger(DataPlaneChallenger(mac: mac, first: reference, last: reference, frames: 1, contested: false), slot: slot)
            return false
        }
        pending.last = reference
        if pending.mac != mac {
            pending.contested = true
        } else {
            pending.frames &+= 1
        }
        guard pending.mac == mac, !pending.contested, time - pending.first.time >= dataPlane.minUse else {
            addresses[slot: slot].challenger = pending
            return false
        }
        setChallenger(nil, slot: slot)
        learn(key, mac: mac, kind: .dataPlane, reference: pending.first, seen: reference, dataFrames: pending.frames - 1)
        return true
    }

    /// Records a frame to `destinationMAC`; returns the previous MAC when the sender switched.
    private mutating func useSender(slot: Int, destinationMAC: MACAddress, reference: FrameReference) -> MACAddress? {
        let current = senders[slot: slot].destinationMAC
        if current == destinationMAC {
            senders[slot: slot].noteFrame(reference)
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
        if let evicted, evicted.value.challenger != nil { challenges -= 1 }
        if let evicted, let owner = evicted.value.history.last {
            disown(StationKey(vlan: evicted.key.vlan, mac: owner.mac), evicted.key.address)
        }
        return slot
    }

    /// Sets (or clears) the challenger of the address in `slot`, keeping ``challenges`` exact.
    private mutating func setChallenger(_ challenger: DataPlaneChallenger?, slot: Int) {
        let had = addresses[slot: slot].challenger != nil
        addresses[slot: slot].challenger = challenger
        if had != (challenger != nil) { challenges += had ? -1 : 1 }
    }

    /// Counts `address` out of the station's owned addresses.
    private mutating func disown(_ key: StationKey, _ address: NeighborAddress) {
        guard let station = stations.slot(of: key), stations[slot: station].ownedAddresses > 0 else { return }
        stations[slot: station].ownedAddresses -= 1
        if address.isIPv6, stations[slot: station].ownedIPv6Addresses > 0 { stations[slot: station].ownedIPv6Addresses -= 1 }
    }

    /// The slot of a station, inserting it when new.
    private mutating func stationSlot(_ key: StationKey, reference: FrameReference) -> Int {
        if let slot = stations.find(key) { return slot }
        return stations.insert(key, StationRecord(key: key, reference: reference)).slot
    }

    /// Takes in an ownership claim of `key` by `mac`: ARP/NDP, or a confirmed data-plane claim
    /// (then `reference` is the challenger's first frame, `seen` its latest and `dataFrames` the
    /// frames in between).
    private mutating func learn(
        _ key: NeighborKey, mac: MACAddress, kind: ClaimKind, reference: FrameReference, answersProbe: Bool = false,
        seen: FrameReference? = nil, dataFrames: UInt32 = 0
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
                setChallenger(nil, slot: slot)
                disown(StationKey(vlan: key.vlan, mac: ended.mac), key.address)
                if count >= limits.historyPerAddress { addresses[slot: slot].history.removeFirst() }
            }
            let serial = addresses[slot: slot].changes &+ 1
            var interval = OwnershipInterval(mac: mac, serial: serial, claim: reference, kind: kind)
            if let seen {
                interval.lastSeen = seen
                interval.dataFrames = dataFrames
            }
            addresses[slot: slot].history.append(interval)
        }
        let station = stationSlot(StationKey(vlan: key.vlan, mac: mac), reference: reference)
        stations[slot: station].claims &+= 1
        stations[slot: station].lastSeen = seen ?? reference
        if changed || count == 0 {
            stations[slot: station].ownedAddresses += 1
            if key.address.isIPv6 { stations[slot: station].ownedIPv6Addresses += 1 }
        }
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

extension OwnershipInterval {
    /// A data frame from the owner (one access on the hot path instead of one per field).
    @inline(__always)
    mutating func noteDataFrame(_ reference: FrameReference) {
        lastSeen = reference
        dataFrames &+= 1
    }
}

extension SenderRecord {
    /// Another frame to the same destination MAC (one access instead of one per field).
    @inline(__always)
    mutating func noteFrame(_ reference: FrameReference) {
        lastFrame = reference
        frames &+= 1
    }
}
