//  ARP / RARP / InARP packet (RFC 826, RFC 903, RFC 2390), EtherType 0x0806 (RARP 0x8035).
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     hardware type (htype)     |     protocol type (ptype)     |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  hlen (h)     |  plen (p)     |        operation (oper)       |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  sender hardware address (SHA, h octets) ...                  |
//  |  sender protocol address (SPA, p octets) ...                  |
//  |  target hardware address (THA, h octets) ...                  |
//  |  target protocol address (TPA, p octets) ...                  |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//  Length = 8 + 2h + 2p: 28 octets for Ethernet/IPv4 (h = 6, p = 4). Octets beyond that are
//  padding (Ethernet minimum frame, or tools such as arping that pad the ARP payload itself):
//  never assume a 42-octet frame. The variants of protocols.md §1.2 are told apart by
//  operation, SPA/TPA equality and THA (zero, broadcast or equal to SHA).

/// An ARP operation code (open: unknown values round-trip).
public struct ARPOperation: RawRepresentable, Hashable, Sendable, CustomStringConvertible, Codable {
    /// The 16-bit operation value.
    public var rawValue: UInt16
    /// An operation from its value.
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// ARP request (1).
    public static let request = ARPOperation(rawValue: 1)
    /// ARP reply (2).
    public static let reply = ARPOperation(rawValue: 2)
    /// RARP request, "reverse request" (3).
    public static let rarpRequest = ARPOperation(rawValue: 3)
    /// RARP reply, "reverse reply" (4).
    public static let rarpReply = ARPOperation(rawValue: 4)
    /// Inverse ARP request (8).
    public static let inARPRequest = ARPOperation(rawValue: 8)
    /// Inverse ARP reply (9).
    public static let inARPReply = ARPOperation(rawValue: 9)

    /// tcpdump's operation names.
    public var description: String {
        switch self {
        case .request: "Request"
        case .reply: "Reply"
        case .rarpRequest: "Reverse Request"
        case .rarpReply: "Reverse Reply"
        case .inARPRequest: "InARP Request"
        case .inARPReply: "InARP Reply"
        default: "Unknown (\(rawValue))"
        }
    }
}

/// The kind of ARP packet, per the table of protocols.md §1.2 (RFC 5227, RFC 5944 §4.6).
public enum ARPVariant: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// An ordinary request (who-has).
    case request
    /// An ordinary reply (is-at).
    case reply
    /// RFC 5227 probe: request, SPA 0.0.0.0, THA zero.
    case probe
    /// RFC 5227 announcement: request, SPA = TPA, THA zero.
    case announcement
    /// Gratuitous request: SPA = TPA, THA broadcast (keepalived) or THA = SHA (ucarp).
    case gratuitousRequest
    /// Gratuitous reply: SPA = TPA, THA = SHA (`arping -A`).
    case gratuitousReply
    /// RARP request (operation 3).
    case rarpRequest
    /// RARP reply (operation 4).
    case rarpReply
    /// Any other operation (InARP, unknown).
    case other

    /// The variant name (its raw value).
    public var description: String { rawValue }

    /// Whether this variant is a gratuitous ARP, request or reply.
    public var isGratuitous: Bool { self == .gratuitousRequest || self == .gratuitousReply }
}

/// An ARP, RARP or InARP packet; typed addresses are filled for the Ethernet/IPv4 sizes.
public struct ARPPacket: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Length of the fixed part (before the addresses).
    public static let fixedLength = 8
    /// Length of an Ethernet/IPv4 ARP packet.
    public static let ethernetIPv4Length = 28

    /// Hardware type (`ar$hrd`; 1 = Ethernet).
    public var hardwareType: ARPHardwareType
    /// Protocol type (`ar$pro`; 0x0800 = IPv4).
    public var protocolType: EtherType
    /// Hardware address length `h` in octets, as read from the packet.
    public var hardwareLength: Int
    /// Protocol address length `p` in octets, as read from the packet.
    public var protocolLength: Int
    /// The operation.
    public var operation: ARPOperation
    /// Sender hardware address (SHA); zero unless ``isEthernetIPv4``.
    public var senderMAC: MACAddress
    /// Sender protocol address (SPA); zero unless ``isEthernetIPv4``.
    public var senderIP: IPv4Address
    /// Target hardware address (THA); zero unless ``isEthernetIPv4``.
    public var targetMAC: MACAddress
    /// Target protocol address (TPA); zero unless ``isEthernetIPv4``.
    public var targetIP: IPv4Address

    /// An ARP packet from its fields (Ethernet/IPv4 by default).
    public init(
        hardwareType: ARPHardwareType = .ethernet, protocolType: EtherType = .ipv4, hardwareLength: Int = 6,
        protocolLength: Int = 4, operation: ARPOperation, senderMAC: MACAddress, senderIP: IPv4Address,
        targetMAC: MACAddress = .zero, targetIP: IPv4Address
    ) {
        self.hardwareType = hardwareType
        self.protocolType = protocolType
        self.hardwareLength = hardwareLength
        self.protocolLength = protocolLength
        self.operation = operation
        self.senderMAC = senderMAC
        self.senderIP = senderIP
        self.targetMAC = targetMAC
        self.targetIP = targetIP
    }

    /// A who-has request (THA zero, as Linux sends it).
    public static func request(from mac: MACAddress, ip: IPv4Address, whoHas target: IPv4Address) -> ARPPacket {
        ARPPacket(operation: .request, senderMAC: mac, senderIP: ip, targetIP: target)
    }

    /// An is-at reply from `mac`/`ip` to `targetMAC`/`targetIP`.
    public static func reply(
        from mac: MACAddress, ip: IPv4Address, to targetMAC: MACAddress, targetIP: IPv4Address
    ) -> ARPPacket {
        ARPPacket(operation: .reply, senderMAC: mac, senderIP: ip, targetMAC: targetMAC, targetIP: targetIP)
    }

    /// An RFC 5227 probe for `candidate`.
    public static func probe(from mac: MACAddress, candidate: IPv4Address) -> ARPPacket {
        ARPPacket(operation: .request, senderMAC: mac, senderIP: IPv4Address(rawValue: 0), targetIP: candidate)
    }

    /// An RFC 5227 announcement of `address`.
    public static func announcement(from mac: MACAddress, address: IPv4Address) -> ARPPacket {
        ARPPacket(operation: .request, senderMAC: mac, senderIP: address, targetIP: address)
    }

    /// A gratuitous request for `address` with THA broadcast (keepalived) or own MAC (ucarp).
    public static func gratuitousRequest(
        from mac: MACAddress, address: IPv4Address, targetMAC: MACAddress = .broadcast
    ) -> ARPPacket {
        ARPPacket(operation: .request, senderMAC: mac, senderIP: address, targetMAC: targetMAC, targetIP: address)
    }

    /// A gratuitous reply for `address` (THA = SHA).
    public static func gratuitousReply(from mac: MACAddress, address: IPv4Address) -> ARPPacket {
        ARPPacket(operation: .reply, senderMAC: mac, senderIP: address, targetMAC: mac, targetIP: address)
    }

    /// Packet length from the header: 8 + 2h + 2p. Bytes beyond it are padding.
    public var length: Int { Self.fixedLength + 2 * hardwareLength + 2 * protocolLength }

    /// The four addresses (SHA, SPA, THA, TPA), relative to the packet start.
    public var addressesRange: Range<Int> { Self.fixedLength..<length }

    /// Whether h = 6 and p = 4, so the typed address fields hold the packet's addresses.
    public var isEthernetIPv4: Bool { hardwareLength == 6 && protocolLength == 4 }

    /// The variant per protocols.md §1.2 (Ethernet/IPv4 only beyond plain request / reply).
    public var variant: ARPVariant {
        switch operation {
        case .request:
            guard isEthernetIPv4 else { return .request }
            if senderIP.rawValue == 0 && targetMAC.isZero { return .probe }
            guard senderIP == targetIP else { return .request }
            if targetMAC.isZero { return .announcement }
            if targetMAC.isBroadcast || targetMAC == senderMAC { return .gratuitousRequest }
            return .request
        case .reply:
            if isEthernetIPv4 && senderIP == targetIP && targetMAC == senderMAC { return .gratuitousReply }
            return .reply
        case .rarpRequest: return .rarpRequest
        case .rarpReply: return .rarpReply
        default: return .other
        }
    }

    /// Whether SHA differs from the Ethernet source (NLB masking, proxies, or spoofing).
    public func senderMACDiffers(fromEthernetSource source: MACAddress) -> Bool {
        isEthernetIPv4 && senderMAC != source
    }

    /// Parses the packet at the start of `bytes`; trailing padding is ignored.
    public static func parse(_ bytes: Span<UInt8>) throws(DecodeError) -> ARPPacket {
        try bytes.require(fixedLength, for: .arp)
        let h = Int(bytes.u8(4))
        let p = Int(bytes.u8(5))
        try bytes.require(fixedLength + 2 * h + 2 * p, for: .arp)
        var packet = ARPPacket(
            hardwareType: ARPHardwareType(rawValue: bytes.u16(0)), protocolType: EtherType(rawValue: bytes.u16(2)),
            hardwareLength: h, protocolLength: p, operation: ARPOperation(rawValue: bytes.u16(6)),
            senderMAC: .zero, senderIP: IPv4Address(rawValue: 0), targetIP: IPv4Address(rawValue: 0))
        if h == 6 && p == 4 {
            packet.senderMAC = bytes.mac(8)
            packet.senderIP = bytes.ipv4(14)
            packet.targetMAC = bytes.mac(18)
            packet.targetIP = bytes.ipv4(24)
        }
        return packet
    }

    /// Appends ``length`` octets; addresses of sizes other than 6/4 are written as zeros.
    public func emit(into out: inout [UInt8]) {
        out.append16(hardwareType.rawValue)
        out.append16(protocolType.rawValue)
        out.append8(UInt8(truncatingIfNeeded: hardwareLength))
        out.append8(UInt8(truncatingIfNeeded: protocolLength))
        out.append16(operation.rawValue)
        if isEthernetIPv4 {
            out.append(senderMAC)
            out.append(senderIP)
            out.append(targetMAC)
            out.append(targetIP)
        } else {
            out.append(contentsOf: repeatElement(0, count: max(0, length - Self.fixedLength)))
        }
    }

    /// tcpdump-like: `ARP, Request who-has 10.0.0.1 tell 10.0.0.2`, `ARP, Reply 10.0.0.1 is-at 02:..`.
    public var description: String {
        let name = protocolType == .ipv4 || !isEthernetIPv4 ? "ARP" : "ARP (ptype \(protocolType))"
        guard isEthernetIPv4 else {
            return "\(name), \(hardwareType) (len \(hardwareLength)), \(protocolType) (len \(protocolLength)), "
                + "\(operation), length \(length)"
        }
        let note: String
        switch variant {
        case .probe: note = " (probe)"
        case .announcement: note = " (announcement)"
        case .gratuitousRequest, .gratuitousReply: note = " (gratuitous)"
        default: note = ""
        }
        switch operation {
        case .request:
            let tha = targetMAC.isZero ? "" : " (\(targetMAC))"
            return "\(name), Request who-has \(targetIP)\(tha) tell \(senderIP)\(note)"
        case .reply:
            return "\(name), Reply \(senderIP) is-at \(senderMAC)\(note)"
        case .rarpRequest:
            return "RARP, Reverse Request who-is \(targetMAC) tell \(senderMAC)"
        case .rarpReply:
            return "RARP, Reverse Reply \(targetMAC) at \(targetIP)"
        case .inARPRequest:
            return "\(name), InARP Request who-is \(targetMAC) tell \(senderIP)"
        case .inARPReply:
            return "\(name), InARP Reply \(senderMAC) at \(senderIP)"
        default:
            return "\(name), \(operation), sender \(senderIP) (\(senderMAC)), target \(targetIP) (\(targetMAC))"
        }
    }
}
