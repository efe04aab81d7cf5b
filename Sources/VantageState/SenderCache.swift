import VantageCapture
import VantageWire

/// One host's use of one on-link address, as seen on the wire: the destination MAC it puts on
/// frames for that address over time (its neighbor cache entry, observed from outside), and
/// whether it resolved the address with ARP or NS.
public struct SenderRecord: Sendable {
    // The fields a data frame reads or writes come first (two cache lines of the map entry).
    /// The destination MAC of its frames for the address (zero until its first frame).
    public internal(set) var destinationMAC: MACAddress
    /// Frames sent with that destination MAC.
    public internal(set) var frames: UInt32
    /// Changes of that foreign source passed on to the sender's ``StationRecord/foreignSources``
    /// (at most ``StationRecord/foreignSourceLimit`` per record, so a router costs the station
    /// table a few updates per destination, not one per frame).
    public internal(set) var foreignSourceNotes: UInt8
    /// Latest frame sent with that destination MAC.
    public internal(set) var lastFrame: FrameReference?
    /// The sender's own address (the source of its latest frame, when that address is known
    /// to belong to the sender's MAC).
    public internal(set) var senderAddress: NeighborAddress?
    /// The source address of the sender's latest frame for the address that it does not own
    /// (nil while every frame came from its own address).
    public internal(set) var foreignSource: NeighborAddress?
    /// The sending host (VLAN, MAC) and the address it sends to.
    public let key: SenderKey
    /// First frame sent with that destination MAC.
    public internal(set) var firstFrame: FrameReference?
    /// The destination MAC used before the latest switch (zero if none).
    public internal(set) var previousMAC: MACAddress
    /// First and latest frame, and frame count, with the previous MAC.
    public internal(set) var previousFirstFrame: FrameReference?
    public internal(set) var previousLastFrame: FrameReference?
    public internal(set) var previousFrames: UInt32
    /// How many times the destination MAC changed.
    public internal(set) var switches: UInt32
    /// The latest ARP request or NS from the sender for the address.
    public internal(set) var lastResolution: FrameReference?
    /// Where that request went (broadcast, or a unicast re-validation to a cached MAC).
    public internal(set) var lastResolutionDestination: MACAddress
    /// ARP requests / NSs from the sender for the address.
    public internal(set) var resolutions: UInt32
    /// The latest ARP reply / solicited NA for the address sent to the sender.
    public internal(set) var lastAnswer: FrameReference?
    /// The MAC that answer gave.
    public internal(set) var lastAnswerMAC: MACAddress

    init(key: SenderKey) {
        self.key = key
        senderAddress = nil
        destinationMAC = .zero
        firstFrame = nil
        lastFrame = nil
        frames = 0
        previousMAC = .zero
        previousFirstFrame = nil
        previousLastFrame = nil
        previousFrames = 0
        switches = 0
        lastResolution = nil
        lastResolutionDestination = .zero
        resolutions = 0
        lastAnswer = nil
        lastAnswerMAC = .zero
        foreignSource = nil
        foreignSourceNotes = 0
    }
}

/// A notable data-plane fact about the current observation's destination: the sender used a
/// MAC that owned the address before (not the current owner), or the owner while another MAC
/// is taking the address over from the data plane (``challenger``), or changed the MAC it uses.
public struct DestinationEvent: Sendable {
    /// The sender, VLAN and destination address.
    public var sender: SenderKey
    /// The frame.
    public var reference: FrameReference
    /// The destination MAC of the frame.
    public var destinationMAC: MACAddress
    /// The address's current owner.
    public var owner: MACAddress
    /// The destination MAC owned the address before the current owner took it over.
    public var isFormerOwner: Bool
    /// The MAC the sender used before this frame, when this frame switched to a new one.
    public var switchedFrom: MACAddress?
    /// The frame went to the current owner while this MAC was sending from the address (a
    /// pending data-plane claim, ``AddressRecord/challenger``): stale if the claim is confirmed.
    public var challenger: MACAddress?
    /// The challenger's first frame from the address (its tenure's start if confirmed).
    public var challengeStart: FrameReference?
}

/// A data-plane frame sent from an address by a MAC that owned the address before, while
/// another MAC owns it now: both MACs are using the address.
public struct FormerOwnerSource: Sendable {
    /// The address (the frame's source).
    public var key: NeighborKey
    /// The former owner that sent the frame.
    public var mac: MACAddress
    /// The current owner.
    public var owner: MACAddress
    /// The frame.
    public var reference: FrameReference
}

/// An ARP/NDP claim (or probe) in the current observation, after the table took it in.
public struct NeighborClaim: Sendable {
    /// The claimed (or probed) address.
    public var key: NeighborKey
    /// The claiming (or probing) MAC.
    public var mac: MACAddress
    /// How.
    public var kind: ClaimKind
    /// The frame.
    public var reference: FrameReference
    /// The address had no owner before this claim.
    public var isFirstOwner: Bool
    /// The claim made `mac` the owner in place of another MAC.
    public var changedOwner: Bool
    /// For a change of owner: the previous owner's tenure as it stood when it ended. For a
    /// probe: the current owner's tenure when another MAC owns the address.
    public var previous: OwnershipInterval?
    /// An ARP reply to a probe (TPA 0.0.0.0): the owner defending the address.
    public var answersProbe: Bool
}
