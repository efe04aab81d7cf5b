/// The non-TCP frames: ARP, GARP, VRRP, heartbeats, NDP.
extension Generator {
    mutating func nextIPID(_ host: Int) -> UInt16 {
        ipID[host] &+= 1
        return ipID[host]
    }

    /// A broadcast ARP request (or a unicast reachability probe) with its reply scheduled.
    mutating func arpRequest(unicast: Bool) {
        let requester = rng.below(topology.ip.count)
        let segmentIndex = topology.segmentOf[requester]
        let segment = topology.segments[segmentIndex]
        let master = vrrpNode(segmentIndex, vrrpMaster[segmentIndex])
        let forVIP = rng.below(10) == 0 && requester != segment.vrrpNodes.0 && requester != segment.vrrpNodes.1
        var replier: Int
        let targetIP: UInt32
        if forVIP {
            replier = master
            targetIP = segment.vip
        } else {
            let first = segmentIndex == 0 ? 0 : Topology.hostsPerSegment[0]
            replier = first + rng.below(Topology.hostsPerSegment[segmentIndex])
            if replier == requester { replier = replier == first ? first + 1 : first }
            targetIP = topology.ip[replier]
        }
        out.commit(
            time: now,
            length: writeARP(
                out.frame,
                ARPPacket(
                    ethernetDestination: unicast ? topology.mac[replier] : Wire.broadcast, vlan: segment.vlan,
                    operation: 1, senderMAC: topology.mac[requester], senderIP: topology.ip[requester],
                    targetMAC: 0, targetIP: targetIP)))
        events.push(now + UInt64(rng.between(20, 400)), .arpReply, a: replier, b: requester, c: forVIP ? 1 : 0)
        count(.arp)
    }

    mutating func arpReply(replier: Int, requester: Int, forVIP: Bool) {
        let segment = topology.segments[topology.segmentOf[replier]]
        out.commit(
            time: now,
            length: writeARP(
                out.frame,
                ARPPacket(
                    ethernetDestination: topology.mac[requester], vlan: segment.vlan, operation: 2,
                    senderMAC: topology.mac[replier], senderIP: forVIP ? segment.vip : topology.ip[replier],
                    targetMAC: topology.mac[requester], targetIP: topology.ip[requester])))
        count(.arp)
    }

    /// A broadcast request for an address nobody owns (retried 1 s apart by the caller).
    mutating func unansweredRequest(requester: Int, target: UInt32) {
        out.commit(
            time: now,
            length: writeARP(
                out.frame,
                ARPPacket(
                    ethernetDestination: Wire.broadcast, vlan: topology.vlan[requester], operation: 1,
                    senderMAC: topology.mac[requester], senderIP: topology.ip[requester], targetMAC: 0,
                    targetIP: target)))
        count(.unansweredARP)
    }

    /// keepalived's gratuitous ARP: request, SPA = TPA = VIP, THA = ff:ff:ff:ff:ff:ff, real MAC.
    mutating func garp(segment index: Int) {
        let segment = topology.segments[index]
        let master = vrrpNode(index, vrrpMaster[index])
        out.commit(
            time: now,
            length: writeARP(
                out.frame,
                ARPPacket(
                    ethernetDestination: Wire.broadcast, vlan: segment.vlan, operation: 1,
                    senderMAC: topology.mac[master], senderIP: segment.vip, targetMAC: Wire.broadcast,
                    targetIP: segment.vip)))
        count(.garp)
    }

    mutating func vrrpAdvert(segment index: Int, node: Int, priority: UInt8) {
        let segment = topology.segments[index]
        let id = nextIPID(node)
        out.commit(
            time: now,
            length: writeVRRP(
                out.frame, sourceMAC: topology.mac[node], vlan: segment.vlan, source: topology.ip[node], id: id,
                vrid: segment.vrid, priority: priority, vip: segment.vip))
        count(.vrrp)
    }

    mutating func heartbeat(_ index: Int) {
        let stream = topology.heartbeats[index]
        let p = out.frame
        let l2 = writeEthernet(
            p, dst: topology.mac[stream.destination], src: topology.mac[stream.source],
            vlan: topology.vlan[stream.source], type: Wire.etherIPv4)
        let ip = p + l2
        let udp = ip + 20
        let data = udp + 8
        stream.payload.withUnsafeBytes { data.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        heartbeatSequence[index] &+= 1
        let sequence = heartbeatSequence[index]
        if stream.hexSequence {
            let digits: StaticString = "0123456789abcdef"
            for digit in 0..<8 {
                let nibble = Int(sequence >> UInt32(28 - 4 * digit) & 0xF)
                data.put8(digits.utf8Start[nibble], stream.sequenceOffset + digit)
            }
        } else {
            data.put32(sequence, stream.sequenceOffset)
        }
        let src = topology.ip[stream.source]
        let dst = topology.ip[stream.destination]
        let udpLength = writeUDP(
            udp, src: src, dst: dst, sourcePort: stream.sourcePort,
            destinationPort: stream.destinationPort, payloadLength: stream.payload.count)
        writeIPv4(
            ip, totalLength: 20 + udpLength, id: nextIPID(stream.source), dontFragment: true, ttl: 64,
            proto: 17, src: src, dst: dst)
        out.commit(time: now, length: padFrame(p, l2 + 20 + udpLength))
        count(.heartbeat)
    }

    mutating func neighborSolicitation(requester: Int, target: Int) {
        let targetAddress = topology.ipv6(target)
        let group = solicitedNode(targetAddress)
        out.commit(
            time: now,
            length: writeNDP(
                out.frame, advertisement: false, ethernetDestination: group.mac, sourceMAC: topology.mac[requester],
                vlan: topology.vlan[requester], source: topology.ipv6(requester), destination: group.ip,
                target: targetAddress))
        count(.ndp)
    }

    mutating func neighborAdvertisement(responder: Int, requester: Int) {
        out.commit(
            time: now,
            length: writeNDP(
                out.frame, advertisement: true, ethernetDestination: topology.mac[requester],
                sourceMAC: topology.mac[responder], vlan: topology.vlan[responder], source: topology.ipv6(responder),
                destination: topology.ipv6(requester), target: topology.ipv6(responder)))
        count(.ndp)
    }
}
