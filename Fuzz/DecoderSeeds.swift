// Writes the seed corpus of the packet decoder fuzz target (Fuzz/corpus/decoder) from
// FrameBuilder frames: one file per frame kind, each a selector octet (see
// PacketDecoderFuzz.swift) followed by the frame. Build and run: see Fuzz/DECODER.md.

#if !VANTAGE_FUZZ_SINGLE_MODULE
    import VantageWire
#endif
#if canImport(Glibc)
    import Glibc
#endif

@main
struct DecoderSeeds {
    /// Selector octets: the link type index of PacketDecoderFuzz, plus its option bits.
    enum Link: UInt8 {
        case ethernet = 0
        case sll, sll2, null, loop, raw
    }
    static let checking: UInt8 = 0x40
    static let fcs: UInt8 = 0x80

    static func main() {
        let directory = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "Fuzz/corpus/decoder"
        var written = 0
        for (name, selector, frame) in seeds() {
            let path = "\(directory)/\(name)"
            guard let file = fopen(path, "wb") else {
                print("cannot write \(path)")
                exit(1)
            }
            let bytes = [selector] + frame
            _ = fwrite(bytes, 1, bytes.count, file)
            fclose(file)
            written += 1
        }
        print("wrote \(written) seeds to \(directory)")
    }

    static func seeds() -> [(String, UInt8, [UInt8])] {
        let a = MACAddress(0x02, 0x00, 0x5E, 0x10, 0x00, 0x01)
        let b = MACAddress(0x02, 0x00, 0x5E, 0x10, 0x00, 0x02)
        let ipA = IPv4Address(10, 0, 0, 1)
        let ipB = IPv4Address(10, 0, 0, 2)
        let vip = IPv4Address(10, 0, 0, 100)
        let a6 = IPv6Address(high: 0xFE80_0000_0000_0000, low: 1)
        let b6 = IPv6Address(high: 0xFE80_0000_0000_0000, low: 2)
        let global6 = IPv6Address(high: 0x2001_0DB8_0000_0000, low: 0x100)
        let syn = FrameBuilder.tcp(
            from: (a, ipA, 40000), to: (b, ipB, 80), flags: [.syn], seq: 1000, options: FrameBuilder.linuxSYNOptions)
        let synAck = FrameBuilder.tcp(
            from: (b, ipB, 80), to: (a, ipA, 40000), flags: [.syn, .ack], seq: 5000, ack: 1001,
            options: TCPOptions(mss: 1460, sackPermitted: true, sackBlockCount: 1))
        let http = FrameBuilder.httpRequest(
            from: (a, ipA, 40000), to: (b, ipB, 80), target: "/health", host: "10.0.0.100")
        let response = FrameBuilder.httpResponse(
            from: (b, ipB, 8080), to: (a, ipA, 40000), status: 503, reason: "Service Unavailable")
        let tcp6 = FrameBuilder.tcp6(from: (a, a6, 40000), to: (b, b6, 443), flags: [.syn], seq: 7)
        let vrrp = FrameBuilder.vrrpAdvert(vrid: 51, priority: 150, addresses: [vip], from: ipB)
        let dad = FrameBuilder.dadProbe(mac: a, target: global6)
        var fragmentChain: [UInt8] = []
        IPv6ExtensionWalk.emitOptionsHeader(nextHeader: .fragment, into: &fragmentChain)
        IPv6ExtensionWalk.emitFragmentHeader(
            nextHeader: .udp, offset: 0, moreFragments: true, identification: 0x1234, into: &fragmentChain)
        fragmentChain += FrameBuilder.udpDatagram(sourcePort: 1, destinationPort: 2, payload: [1, 2, 3], pseudo: nil)
        let e = Link.ethernet.rawValue
        return [
            ("arp-request", e, FrameBuilder.arpRequest(from: a, ip: ipA, asking: ipB)),
            (
                "arp-reply-nlb-masked", e,
                FrameBuilder.arpReply(
                    from: NLBClusterMAC.unicastMAC(clusterIP: vip), ip: vip, to: a, targetIP: ipA,
                    ethernetSource: NLBClusterMAC.maskedSourceMAC(hostID: 2, clusterIP: vip))
            ),
            ("garp-ucarp-vlan", e, FrameBuilder.gratuitousARP(from: b, ip: vip, style: .ucarp, vlans: [100])),
            ("arp-probe", e, FrameBuilder.arpProbe(from: a, candidate: vip, padTo: 0)),
            ("tcp-syn", e | checking, syn),
            ("tcp-synack-sack", e, synAck),
            (
                "tcp-syn-qinq", e,
                FrameBuilder.tcp(from: (a, ipA, 1), to: (b, ipB, 2), flags: [.syn], vlans: [100, 200])
            ),
            (
                "udp-three-tags", e,
                FrameBuilder.udp(from: (a, ipA, 1), to: (b, ipB, 2), payload: [7], vlans: [1, 2, 3])
            ),
            ("icmp-echo", e | checking, FrameBuilder.icmpEchoRequest(from: (a, ipA), to: (b, ipB))),
            (
                "igmp-v3-query", e,
                FrameBuilder.igmp(
                    IGMPMessage(type: .membershipQuery, version: 3, maxResponseCode: 100), from: (b, ipB),
                    sources: [ipA])
            ),
            ("igmp-v3-report", e, FrameBuilder.igmp(.v3Report(group: IPv4Address(239, 1, 2, 3)), from: (a, ipA))),
            ("vrrp-v2", e, vrrp),
            (
                "vrrp-v2-five", e,
                FrameBuilder.vrrpAdvert(vrid: 52, addresses: (1...5).map { IPv4Address(10, 0, 1, $0) }, from: ipB)
            ),
            ("vrrp-v3", e, FrameBuilder.vrrpAdvert(vrid: 51, addresses: [vip], from: ipB, version: 3)),
            ("vrrp-v3-ipv6", e, FrameBuilder.vrrpV6Advert(vrid: 51, addresses: [global6], from: b6)),
            ("carp-ucarp", e, FrameBuilder.carpAdvert(vhid: 7, advskew: 100, from: ipB)),
            (
                "hsrp-v1", e,
                FrameBuilder.hsrpHello(group: 1, virtualIP: vip, from: (HSRPMessage.virtualMACv1(group: 1), ipB))
            ),
            ("hsrp-v2", e, FrameBuilder.hsrpHello(version: 2, group: 300, virtualIP: vip, from: (b, ipB))),
            ("nlb-heartbeat", e, FrameBuilder.nlbHeartbeat(hostID: 2, clusterIP: vip, dedicatedIP: ipB, length: 48)),
            ("http-request", e, http),
            ("http-response", e | checking, response),
            ("nd-ns", e, FrameBuilder.neighborSolicitation(from: (a, a6), target: b6)),
            ("nd-na", e, FrameBuilder.neighborAdvertisement(from: (b, b6), target: global6)),
            ("nd-ra", e, FrameBuilder.routerAdvertisement(from: (b, b6), prefix: global6, mtu: 1500)),
            ("nd-dad", e, dad),
            ("icmpv6-echo", e | checking, FrameBuilder.icmpv6EchoRequest(from: (a, a6), to: (b, b6))),
            (
                "ipv6-fragment-chain", e,
                FrameBuilder.ipv6(from: (a, a6), to: (b, b6), nextHeader: .hopByHop, payload: fragmentChain)
            ),
            (
                "stp-llc", e,
                FrameBuilder.ieee8023(
                    src: b, dst: MACAddress(0x01, 0x80, 0xC2, 0, 0, 0), llc: LLCHeader(dsap: 0x42, ssap: 0x42),
                    payload: [UInt8](repeating: 0, count: 35))
            ),
            ("tcp-syn-fcs", e | fcs, FrameBuilder.appendingFCS(syn)),
            (
                "sll-arp", Link.sll.rawValue,
                FrameBuilder.linuxSLL(wrapping: FrameBuilder.arpRequest(from: a, ip: ipA, asking: vip))
            ),
            (
                "sll-stp", Link.sll.rawValue,
                FrameBuilder.linuxSLL(
                    wrapping: FrameBuilder.ieee8023(
                        src: b, dst: MACAddress(0x01, 0x80, 0xC2, 0, 0, 0), llc: .snap(.ipv4), payload: [0x45]))
            ),
            ("sll2-http", Link.sll2.rawValue, FrameBuilder.linuxSLL2(wrapping: http, packetType: .outgoing)),
            (
                "sll2-vlan-vrrp", Link.sll2.rawValue,
                FrameBuilder.linuxSLL2(
                    wrapping: FrameBuilder.vrrpAdvert(vrid: 9, addresses: [vip], from: ipB, vlans: [42]))
            ),
            ("null-tcp6", Link.null.rawValue, FrameBuilder.null(wrapping: tcp6)),
            ("loop-vrrp", Link.loop.rawValue, FrameBuilder.loop(wrapping: vrrp)),
            ("raw-dad", Link.raw.rawValue, FrameBuilder.rawIP(wrapping: dad)),
            ("raw-tcp-synack", Link.raw.rawValue | checking, FrameBuilder.rawIP(wrapping: synAck)),
        ]
    }
}
