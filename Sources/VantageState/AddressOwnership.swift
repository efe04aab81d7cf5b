import VantageCapture
import VantageWire

/// How a MAC claimed (or probed for, or used) an address.
public enum ClaimKind: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The sender pair of an ARP request (SPA/SHA, SPA not 0.0.0.0).
    case arpRequest
    /// The sender pair of an ARP reply.
    case arpReply
    /// A gratuitous ARP: request with SPA = TPA and THA broadcast or = SHA (keepalived, ucarp),
    /// or a reply with SPA = TPA and THA = SHA (`arping -A`).
    case gratuitousARP
    /// An RFC 5227 announcement: request with SPA = TPA and THA zero (Linux `arp_notify`).
    case arpAnnouncement
    /// An RFC 5227 probe (SPA 0.0.0.0) for the address: not a claim of ownership.
    case arpProbe
    /// A solicited neighbor advertisement (S = 1) with the target and its TLLA.
    case solicitedAdvertisement
    /// An unsolicited neighbor advertisement with override (S = 0, O = 1): an announcement.
    case overrideAdvertisement
    /// An unsolicited neighbor advertisement without override (S = 0, O = 0).
    case unsolicitedAdvertisement
    /// A neighbor solicitation's source address and SLLA option (source not `::`).
    case solicitationSource
    /// A duplicate address detection probe (NS from `::`) for the address: not a claim.
    case dadProbe
    /// IP frames sent from the address by a MAC that did not own it, with no ARP/NDP claim: a
    /// data-plane claim, made only under ``NeighborTable/DataPlaneRules`` (the seed-004 cloud
    /// reuse, where the provider answers ARP and the new host never sends any).
    case dataPlane

    /// Whether the claim announces the address to everyone (gratuitous ARP, RFC 5227
    /// announcement, unsolicited NA): the form a failover or a new host should use.
    @inlinable public var isAnnouncement: Bool {
        switch self {
        case .gratuitousARP, .arpAnnouncement, .overrideAdvertisement, .unsolicitedAdvertisement: true
        default: false
        }
    }

    /// Whether this is an address-conflict probe (ARP probe or DAD NS).
    @inlinable public var isProbe: Bool { self == .arpProbe || self == .dadProbe }

    /// Whether this kind comes from IPv6 Neighbor Discovery.
    @inlinable public var isNeighborDiscovery: Bool {
        switch self {
        case .solicitedAdvertisement, .overrideAdvertisement, .unsolicitedAdvertisement, .solicitationSource, .dadProbe: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .arpRequest: "ARP request"
        case .arpReply: "ARP reply"
        case .gratuitousARP: "gratuitous ARP"
        case .arpAnnouncement: "ARP announcement"
        case .arpProbe: "ARP probe"
        case .solicitedAdvertisement: "solicited NA"
        case .overrideAdvertisement: "unsolicited NA"
        case .unsolicitedAdvertisement: "unsolicited NA without override"
        case .solicitationSource: "NS source link-layer address"
        case .dadProbe: "DAD probe"
        case .dataPlane: "data frame"
        }
    }
}

/// A set of claim kinds (a bit per kind).
public struct ClaimKinds: OptionSet, Sendable, Hashable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The set holding `kind`.
    @inlinable public init(_ kind: ClaimKind) { rawValue = 1 << UInt16(kind.rawValue) }

    /// Whether `kind` is in the set.
    @inlinable public func contains(_ kind: ClaimKind) -> Bool { rawValue & (1 << UInt16(kind.rawValue)) != 0 }

    /// Gratuitous ARP, announcements and unsolicited NAs.
    public static let announcements: ClaimKinds = [
        ClaimKinds(.gratuitousARP), ClaimKinds(.arpAnnouncement), ClaimKinds(.overrideAdvertisement),
        ClaimKinds(.unsolicitedAdvertisement),
    ]

    /// Whether the set holds an announcement.
    public var hasAnnouncement: Bool { !intersection(.announcements).isEmpty }

    /// The kinds in the set, in declaration order.
    public var kinds: [ClaimKind] { ClaimKind.allCases.filter { contains($0) } }
}

/// The first-hop redundancy protocols a station or address was seen advertising.
public struct RedundancyRoles: OptionSet, Sendable, Hashable {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// VRRP (v2 or v3).
    public static let vrrp = RedundancyRoles(rawValue: 1 << 0)
    /// CARP (BSD) or ucarp.
    public static let carp = RedundancyRoles(rawValue: 1 << 1)
    /// Cisco HSRP.
    public static let hsrp = RedundancyRoles(rawValue: 1 << 2)
}

/// One MAC's tenure as the owner of an address: when its claims started and ended, how it
/// claimed, and when it was last seen using the address (claims and data frames).
public struct OwnershipInterval: Sendable, Hashable {
    // The fields every data frame touches (`mac`, `lastSeen`, `dataFrames`) come first, in one
    // cache line.
    /// The owning MAC.
    public var mac: MACAddress
    /// The latest frame showing this MAC using the address: a claim, or an IP frame with the
    /// address as source (also after the tenure ended, see ``framesAfterEnd``).
    public var lastSeen: FrameReference
    /// IP frames sent from the address by this MAC during the tenure.
    public var dataFrames: UInt32
    /// 1 for the address's first owner, then one more per change of owner.
    public var serial: UInt32
    /// The first claim of this tenure.
    public var firstClaim: FrameReference
    /// How the first claim was made.
    public var firstClaimKind: ClaimKind
    /// The latest ARP/NDP claim by this MAC.
    public var lastClaim: FrameReference
    /// How the latest claim was made.
    public var lastClaimKind: ClaimKind
    /// Every way this MAC claimed the address during the tenure.
    public var claimKinds: ClaimKinds
    /// ARP/NDP claims during the tenure.
    public var claims: UInt32
    /// IP frames sent from the address by this MAC after another MAC took the address over.
    public var framesAfterEnd: UInt32
    /// The first such frame.
    public var firstFrameAfterEnd: FrameReference?
    /// When the next owner's first claim came (nil while this is the current owner).
    public var end: Timestamp?

    /// A new tenure starting with a claim.
    public init(mac: MACAddress, serial: UInt32, claim: FrameReference, kind: ClaimKind) {
        self.mac = mac
        self.serial = serial
        firstClaim = claim
        firstClaimKind = kind
        lastClaim = claim
        lastClaimKind = kind
        lastSeen = claim
        claimKinds = ClaimKinds(kind)
        claims = 1
        dataFrames = 0
        framesAfterEnd = 0
        firstFrameAfterEnd = nil
        end = nil
    }

    /// Whether the tenure is still running.
    public var isCurrent: Bool { end == nil }
}

/// A MAC sending IP frames from an address that another MAC owns, while the table decides
/// whether it is the address's new owner (``NeighborTable/DataPlaneRules``).
public struct DataPlaneChallenger: Sendable, Hashable {
    /// The sending MAC.
    public var mac: MACAddress
    /// Its first frame from the address in this challenge (the start of its tenure if confirmed).
    public var first: FrameReference
    /// Its latest frame from the address.
    public var last: FrameReference
    /// Its frames from the address in this challenge (copies seen at several vantage points count
    /// each).
    public var frames: UInt32
    /// Another non-owner MAC sent from the address during the challenge too: several MACs share
    /// the address as a source (direct server return, anycast, a bond's slaves), so none of them
    /// takes it over until the challenge window ends.
    public var contested: Bool
}

/// The latest conflict probe (ARP probe or DAD NS) for an address.
public struct ProbeRecord: Sendable, Hashable {
    /// The probing MAC.
    public var mac: MACAddress
    /// The probe frame.
    public var reference: FrameReference
    /// `.arpProbe` or `.dadProbe`.
    public var kind: ClaimKind
    /// Probes by this MAC in a row for the address.
    public var count: UInt32
}

/// Everything the table knows about one address in one VLAN: its owners over time (the
/// latest ``NeighborTable/Limits/historyPerAddress`` tenures, oldest first, the current owner
/// last), the latest probe for it, and the redundancy protocols that advertise it.
public struct AddressRecord: Sendable {
    /// Tenures, oldest first; the last one is the current owner's (``OwnershipInterval/end``
    /// nil). Empty when the address is only known from a probe or a redundancy advert.
    /// (First: every data frame reads it, and the map entry's first cache line holds it.)
    public internal(set) var history: [OwnershipInterval]
    /// The address and its VLAN.
    public let key: NeighborKey
    /// How many times the owner changed (including changes that fell out of ``history``).
    public internal(set) var changes: UInt32
    /// The latest ARP probe or DAD probe for the address.
    public internal(set) var lastProbe: ProbeRecord?
    /// The protocols that advertise this address as a virtual IP.
    public internal(set) var redundancy: RedundancyRoles
    /// The VRID / HSRP group of the latest advert naming the address.
    public internal(set) var redundancyGroup: UInt16
    /// MACs that sent an advert naming the address (Ethernet source, and the owner of the
    /// advert's IP source when different), at most four.
    public internal(set) var advertisers: [MACAddress]
    /// A MAC other than the owner sending IP frames from the address, not yet confirmed as its
    /// new owner (``NeighborTable/DataPlaneRules``).
    public internal(set) var challenger: DataPlaneChallenger?

    init(key: NeighborKey) {
        self.key = key
        history = []
        changes = 0
        lastProbe = nil
        redundancy = []
        redundancyGroup = 0
        advertisers = []
        challenger = nil
    }

    /// The current owner's tenure.
    public var owner: OwnershipInterval? { history.last }

    /// The tenure before the current one.
    public var previousOwner: OwnershipInterval? { history.count >= 2 ? history[history.count - 2] : nil }

    /// The latest tenure of `mac` (current or past) still in the history.
    public func latestInterval(of mac: MACAddress) -> OwnershipInterval? {
        history.last { $0.mac == mac }
    }

    /// The tenure with change serial `serial`, if still in the history.
    public func interval(serial: UInt32) -> OwnershipInterval? {
        history.first { $0.serial == serial }
    }

    /// How many owner changes in the history happened at or after `time`.
    public func changes(since time: Timestamp) -> Int {
        history.dropFirst().count(where: { $0.firstClaim.time >= time })
    }

    /// The distinct MACs in the history, in order of first appearance.
    public var owners: [MACAddress] {
        var seen: [MACAddress] = []
        for interval in history where !seen.contains(interval.mac) { seen.append(interval.mac) }
        return seen
    }

    /// Whether `mac` sent an advert naming this address.
    public func isAdvertised(by mac: MACAddress) -> Bool { advertisers.contains(mac) }
}

/// What the table knows about one MAC in one VLAN: from ARP, NDP and redundancy adverts, and
/// from the data plane only the source addresses it forwards (``foreignSources``; a record made
/// for that alone has no claims and owns nothing).
public struct StationRecord: Sendable {
    /// The MAC and its VLAN.
    public let key: StationKey
    /// The first frame that made the table note this MAC (ARP/NDP/advert, or an IP frame from
    /// an address it does not own).
    public internal(set) var firstSeen: FrameReference
    /// The latest ARP/NDP/advert frame from this MAC (or the latest frame of a confirmed
    /// data-plane claim).
    public internal(set) var lastSeen: FrameReference
    /// Addresses this MAC currently owns in the address table.
    public internal(set) var ownedAddresses: Int
    /// How many of them are IPv6 addresses.
    public internal(set) var ownedIPv6Addresses: Int
    /// Source addresses this MAC sent IP frames from that it does not own (off-link or unknown
    /// addresses, or addresses owned by other MACs), at most ``foreignSourceLimit`` per family:
    /// several mean a router forwarding other hosts' traffic.
    public internal(set) var foreignSources: [NeighborAddress]
    /// ARP/NDP claims by this MAC.
    public internal(set) var claims: UInt32
    /// Redundancy protocols this MAC speaks (as an advert's Ethernet source, or as the owner of
    /// an advert's IP source).
    public internal(set) var roles: RedundancyRoles
    /// The latest advert by this MAC.
    public internal(set) var lastAdvertisement: FrameReference?
    /// The target of this MAC's latest conflict probe.
    public internal(set) var lastProbeTarget: NeighborAddress?
    /// How many distinct targets this MAC probed in a row (one per change of target): many
    /// means a prober that checks other hosts (a switch's IP device tracking, a scanner), not
    /// a host acquiring its own address.
    public internal(set) var probeTargets: UInt32

    init(key: StationKey, reference: FrameReference) {
        self.key = key
        firstSeen = reference
        lastSeen = reference
        ownedAddresses = 0
        ownedIPv6Addresses = 0
        foreignSources = []
        claims = 0
        roles = []
        lastAdvertisement = nil
        lastProbeTarget = nil
        probeTargets = 0
    }

    /// Whether this MAC advertises VRRP, CARP or HSRP.
    public var isRedundancySpeaker: Bool { !roles.isEmpty }

    /// Foreign source addresses kept per family.
    public static let foreignSourceLimit = 4

    /// Addresses of `address`'s family this MAC owns.
    public func ownedAddresses(sameFamilyAs address: NeighborAddress) -> Int {
        address.isIPv6 ? ownedIPv6Addresses : ownedAddresses - ownedIPv6Addresses
    }

    /// Distinct foreign source addresses of `address`'s family, other than `address`.
    public func foreignSourceCount(sameFamilyAs address: NeighborAddress) -> Int {
        foreignSources.count { $0.isIPv6 == address.isIPv6 && $0 != address }
    }

    /// Notes a foreign source address (up to ``foreignSourceLimit`` per family).
    mutating func noteForeignSource(_ address: NeighborAddress) {
        guard !foreignSources.contains(address),
            foreignSources.count(where: { $0.isIPv6 == address.isIPv6 }) < Self.foreignSourceLimit
        else { return }
        foreignSources.append(address)
    }
}
