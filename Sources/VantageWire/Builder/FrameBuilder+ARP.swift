//  FrameBuilder: ARP in the variants of protocols.md §1.2 (RFC 826, RFC 5227).
//
//  Every ARP builder takes `ethernetSource:` to make the Ethernet source differ from the ARP
//  sender hardware address (NLB unicast masking, proxies, spoofing); by default they agree.

extension FrameBuilder {
    /// How a gratuitous ARP is written (protocols.md §1.2).
    public enum GratuitousARPStyle: Sendable, Hashable, CaseIterable {
        /// A request with THA ff:ff:ff:ff:ff:ff (keepalived, `arping -U`).
        case keepalived
        /// A request with THA = SHA (ucarp).
        case ucarp
        /// A reply with THA = SHA (`arping -A`).
        case reply
    }

    /// An Ethernet frame carrying `packet`, from `ethernetSource` (default: the ARP sender MAC)
    /// to `dst` (default: broadcast).
    public static func arp(
        _ packet: ARPPacket, dst: MACAddress = .broadcast, ethernetSource: MACAddress? = nil, vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        var body: [UInt8] = []
        packet.emit(into: &body)
        return ethernet(
            src: ethernetSource ?? packet.senderMAC, dst: dst, type: .arp, payload: body, vlans: vlans,
            padTo: minimumLength)
    }

    /// A who-has request from `mac`/`ip` asking for `target`, broadcast, THA zero (as Linux sends
    /// it). Give `dst` a unicast MAC for a unicast re-validation request (Linux NUD probe).
    public static func arpRequest(
        from mac: MACAddress, ip: IPv4Address, asking target: IPv4Address, dst: MACAddress = .broadcast,
        ethernetSource: MACAddress? = nil, vlans: [VLAN] = [], padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        arp(
            .request(from: mac, ip: ip, whoHas: target), dst: dst, ethernetSource: ethernetSource, vlans: vlans,
            padTo: minimumLength)
    }

    /// An is-at reply from `mac`/`ip` to `targetMAC`/`targetIP`, sent unicast to `targetMAC`.
    public static func arpReply(
        from mac: MACAddress, ip: IPv4Address, to targetMAC: MACAddress, targetIP: IPv4Address,
        ethernetSource: MACAddress? = nil, vlans: [VLAN] = [], padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        arp(
            .reply(from: mac, ip: ip, to: targetMAC, targetIP: targetIP), dst: targetMAC,
            ethernetSource: ethernetSource, vlans: vlans, padTo: minimumLength)
    }

    /// A gratuitous ARP for `ip` from `mac`, broadcast, in the given style (SPA = TPA = `ip`).
    public static func gratuitousARP(
        from mac: MACAddress, ip: IPv4Address, style: GratuitousARPStyle = .keepalived,
        ethernetSource: MACAddress? = nil, vlans: [VLAN] = [], padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        let packet: ARPPacket =
            switch style {
            case .keepalived: .gratuitousRequest(from: mac, address: ip, targetMAC: .broadcast)
            case .ucarp: .gratuitousRequest(from: mac, address: ip, targetMAC: mac)
            case .reply: .gratuitousReply(from: mac, address: ip)
            }
        return arp(packet, ethernetSource: ethernetSource, vlans: vlans, padTo: minimumLength)
    }

    /// An RFC 5227 probe for `candidate`: request, SPA 0.0.0.0, THA zero, broadcast.
    public static func arpProbe(
        from mac: MACAddress, candidate: IPv4Address, ethernetSource: MACAddress? = nil, vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        arp(.probe(from: mac, candidate: candidate), ethernetSource: ethernetSource, vlans: vlans, padTo: minimumLength)
    }

    /// An RFC 5227 announcement of `ip`: request, SPA = TPA = `ip`, THA zero, broadcast.
    public static func arpAnnouncement(
        from mac: MACAddress, ip: IPv4Address, ethernetSource: MACAddress? = nil, vlans: [VLAN] = [],
        padTo minimumLength: Int = minimumFrameLength
    ) -> [UInt8] {
        arp(
            .announcement(from: mac, address: ip), ethernetSource: ethernetSource, vlans: vlans,
            padTo: minimumLength)
    }
}
