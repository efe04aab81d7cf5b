import Synchronization

/// Decodes a captured frame to its deepest known layer with closed switches:
/// link type → EtherType → IP protocol → port.
///
/// Never traps; allocates nothing per frame. A failing layer keeps the outer layers and is
/// recorded in ``DecodedPacket/stop``. Checksums that are cheap (IPv4 header, VRRP, CARP,
/// Neighbor Discovery) are always verified; TCP/UDP/ICMP payload checksums only when
/// ``verifyTransportChecksums`` is set, because captures taken on a sending host carry
/// offloaded (unfilled) checksums and summing every payload costs a pass over all bytes.
public struct PacketDecoder: Sendable {
    /// TCP ports whose payload is decoded as the start of an HTTP message.
    public var httpPorts: PortSet
    /// Verify TCP, UDP, ICMP and ICMPv6 checksums over the whole segment.
    public var verifyTransportChecksums: Bool

    /// VLAN tags walked at most (deeper stacks stop decoding as malformed).
    public static let maximumVLANTags = 8
    /// HSRP's UDP ports: 1985 (v1, v2 over IPv4) and 2029 (v2 over IPv6).
    public static let hsrpPorts: (UInt16, UInt16) = (1985, 2029)

    /// A decoder with the given HTTP ports.
    public init(httpPorts: [UInt16] = [80, 8000, 8008, 8080, 8888], verifyTransportChecksums: Bool = false) {
        self.httpPorts = PortSet(httpPorts)
        self.verifyTransportChecksums = verifyTransportChecksums
    }

    /// Decodes `frame`, captured with `linkType`, whose last `fcsLength` bytes are a frame check
    /// sequence (not part of the packet).
    public func decode(_ frame: Span<UInt8>, linkType: LinkType, fcsLength: Int = 0) -> DecodedPacket {
        var packet = DecodedPacket()
        decode(frame, linkType: linkType, fcsLength: fcsLength, into: &packet)
        return packet
    }

    /// Decodes into `packet`, overwriting it: the hot path, which lets a caller reuse one
    /// packet value instead of copying a fresh one out for every frame. Returns which case
    /// each layer now holds (the same as `packet.shape`, without reading the layers back).
    @discardableResult
    public func decode(
        _ frame: Span<UInt8>, linkType: LinkType, fcsLength: Int = 0, into packet: inout DecodedPacket
    ) -> DecodedShape {
        // Layers this frame does not assign are cleared at the end, and only if they hold
        // something: storing `.none` into a layer that is about to be overwritten is not free.
        let possiblySet = packet.layersSet
        packet.layersSet = 0
        packet.resetScalars()
        packet.decodedShape = DecodedShape()
        let bytes = fcsLength > 0 && fcsLength <= frame.count
            ? frame.extracting(0..<(frame.count - fcsLength)) : frame
        do throws(DecodeError) {
            try decodeLink(bytes, linkType: linkType, into: &packet)
        } catch {
            packet.stop = error
            packet.decodedShape.stop = error.isTruncation ? .truncated : .malformed
        }
        let stale = possiblySet & ~packet.layersSet
        if stale != 0 { packet.clearLayers(stale) }
        return packet.decodedShape
    }

    // MARK: - Link

    private func decodeLink(
        _ bytes: Span<UInt8>, linkType: LinkType, into packet: inout DecodedPacket
    ) throws(DecodeError) {
        switch linkType {
        case .ethernet:
            let ethernet = try EthernetHeader.parse(bytes)
            packet.link = .ethernet(ethernet)
            packet.decodedShape.link = .ethernet
            if ethernet.source.isMulticast { packet.anomalies.insert(.multicastSourceMAC) }
            if ethernet.isIEEE8023 {
                packet.networkOffset = EthernetHeader.length
                packet.stopOffset = EthernetHeader.length
                let llc = try LLCHeader.parse(bytes.extracting(EthernetHeader.length...))
                packet.network = .llc(llc)
                packet.decodedShape.network = .llc
                return
            }
            try decodeEtherType(ethernet.typeOrLength, bytes, at: EthernetHeader.length, into: &packet)
        case .linuxSLL:
            let header = try LinuxSLLHeader.parse(bytes)
            packet.link = .linuxSLL(header)
            packet.decodedShape.link = .linuxSLL
            try decodeEtherType(header.protocolType, bytes, at: LinuxSLLHeader.length, into: &packet)
        case .linuxSLL2:
            let header = try LinuxSLL2Header.parse(bytes)
            packet.link = .linuxSLL2(header)
            packet.decodedShape.link = .linuxSLL2
            try decodeEtherType(header.protocolType, bytes, at: LinuxSLL2Header.length, into: &packet)
        case .null, .loop:
            let header = try NullHeader.parse(bytes, networkByteOrder: linkType == .loop)
            packet.link = .null(header)
            packet.decodedShape.link = .null
            guard let type = header.networkType else { return }
            try decodeEtherType(type, bytes, at: NullHeader.length, into: &packet)
        default:
            if linkType.isRawIP {
                packet.link = .raw
                packet.decodedShape.link = .raw
                try bytes.require(1, for: .raw)
                let type: EtherType = bytes[0] >> 4 == 6 ? .ipv6 : .ipv4
                try decodeEtherType(type, bytes, at: 0, into: &packet)
            } else {
                packet.link = .unsupported(linkType)
                packet.decodedShape.link = .unsupported
            }
        }
    }

    // MARK: - Network

    private func decodeEtherType(
        _ firstType: EtherType, _ bytes: Span<UInt8>, at start: Int, into packet: inout DecodedPacket
    ) throws(DecodeError) {
        var type = firstType
        var offset = start
        var tags = 0
        while type.isVLANTag {
            packet.stopOffset = offset
            guard tags < Self.maximumVLANTags else {
                throw .malformed(layer: .vlan, offset: 0, reason: "too many stacked VLAN tags")
            }
            let tag = try VLANTag.parse(bytes.extracting(offset...), tpid: type)
            if packet.outerVLAN == nil {
                packet.outerVLAN = tag
            } else if packet.innerVLAN == nil {
                packet.innerVLAN = tag
            } else {
                packet.extraVLANTags += 1
            }
            tags += 1
            offset += VLANTag.length
            type = tag.innerType
        }
        packet.networkOffset = offset
        packet.stopOffset = offset
        let payload = bytes.extracting(offset...)
        if !packet.link.isEthernet, type == LinuxSLLHeader.protocolLLC {
            packet.network = .llc(try LLCHeader.parse(payload))
            packet.decodedShape.network = .llc
            return
        }
        switch type {
        case .arp, .rarp:
            let arp = try ARPPacket.parse(payload)
            packet.network = .arp(arp)
            packet.decodedShape.network = .arp
            if arp.isEthernetIPv4, let source = packet.sourceMAC, source != arp.senderMAC {
                packet.anomalies.insert(.arpSenderMACMismatch)
            }
        case .ipv4:
            let header = try IPv4Header.parse(payload)
            packet.network = .ipv4(header)
            packet.decodedShape.network = .ipv4
            if !header.headerChecksumValid { packet.anomalies.insert(.ipv4BadChecksum) }
            if header.lengthExceedsCapture { packet.anomalies.insert(.ipLengthExceedsFrame) }
            guard header.isFirstFragment else {
                packet.anomalies.insert(.fragment)
                return
            }
            if header.isFragment { packet.anomalies.insert(.fragment) }
            let base = offset + header.payloadRange.lowerBound
            // Total length 0 (TSO on the sender): the payload is what was captured.
            let declared =
                header.hasZeroTotalLength ? header.payloadRange.count : header.totalLength - header.headerLength
            try decodeIP(
                header.protocol, payload.extracting(header.payloadRange), at: base, declaredLength: declared,
                hopLimit: header.ttl, into: &packet)
        case .ipv6:
            let header = try IPv6Header.parse(payload)
            packet.network = .ipv6(header, nil)
            packet.decodedShape.network = .ipv6
            if header.lengthExceedsCapture { packet.anomalies.insert(.ipLengthExceedsFrame) }
            let ipPayload = payload.extracting(header.payloadRange)
            let payloadBase = offset + header.payloadRange.lowerBound
            packet.stopOffset = payloadBase
            let walk = try IPv6ExtensionWalk.walk(ipPayload, firstHeader: header.nextHeader)
            packet.network = .ipv6(header, walk)
            if walk.isFragment { packet.anomalies.insert(.fragment) }
            guard walk.isFirstFragment else { return }
            try decodeIP(
                walk.upperProtocol, ipPayload.extracting(walk.upperOffset...),
                at: payloadBase + walk.upperOffset,
                declaredLength: header.isJumbogram ? ipPayload.count - walk.upperOffset
                    : header.payloadLength - walk.upperOffset,
                hopLimit: header.hopLimit, into: &packet)
        case .nlbHeartbeat:
            packet.network = .nlbHeartbeat(try NLBHeartbeat.parse(payload))
            packet.decodedShape.network = .nlbHeartbeat
        default:
            packet.network = .other(type)
            packet.decodedShape.network = .other
        }
    }

    // MARK: - Transport

    /// The pseudo-header of the IP header already stored in `packet.network`.
    ///
    /// Checksums are the only users, so it is built when one is verified rather than passed
    /// down for every frame: an enum built in memory and read back at once by the callee makes
    /// the read wait for the stores (failed store forwarding).
    private func pseudoHeader(_ packet: borrowing DecodedPacket) -> PseudoHeader {
        switch packet.network {
        case .ipv4(let header): header.pseudoHeader
        case .ipv6(let header, _): header.pseudoHeader
        default: .ipv4(source: IPv4Address(rawValue: 0), destination: IPv4Address(rawValue: 0))
        }
    }

    /// Decodes what IP carries; `bytes` is the captured part of the IP payload and
    /// `declaredLength` the payload length the IP header claims.
    private func decodeIP(
        _ proto: IPProtocol, _ bytes: Span<UInt8>, at offset: Int, declaredLength: Int, hopLimit: UInt8,
        into packet: inout DecodedPacket
    ) throws(DecodeError) {
        packet.transportOffset = offset
        packet.stopOffset = offset
        // A checksum over a message the snap length cut cannot be checked: no verdict then.
        let complete = bytes.count >= declaredLength
        switch proto {
        case .tcp:
            let header = try TCPHeader.parse(bytes)
            packet.transport = .tcp(header)
            packet.tcpSourcePort = header.sourcePort
            packet.tcpDestinationPort = header.destinationPort
            packet.tcpFlags = header.flags
            packet.decodedShape.transport = .tcp
            if verifyTransportChecksums, complete, !pseudoHeader(packet).verifies(bytes, protocol: .tcp) {
                packet.anomalies.insert(.transportBadChecksum)
            }
            guard !header.payloadRange.isEmpty,
                httpPorts.contains(header.sourcePort) || httpPorts.contains(header.destinationPort)
            else { return }
            decodeHTTP(bytes.extracting(header.payloadRange), at: offset + header.payloadRange.lowerBound, into: &packet)
        case .udp:
            let header = try UDPHeader.parse(bytes)
            packet.transport = .udp(header)
            packet.decodedShape.transport = .udp
            if verifyTransportChecksums, UDPHeader.checksumValid(bytes, pseudo: pseudoHeader(packet)) == false {
                packet.anomalies.insert(.transportBadChecksum)
            }
            let ports = Self.hsrpPorts
            if header.destinationPort == ports.0 || header.destinationPort == ports.1 {
                let base = offset + header.payloadRange.lowerBound
                packet.applicationOffset = base
                packet.stopOffset = base
                packet.application = .hsrp(try HSRPMessage.parse(bytes.extracting(header.payloadRange)))
                packet.decodedShape.application = .hsrp
            }
        case .icmp:
            let message = try ICMPv4Message.parse(bytes, isComplete: complete)
            packet.transport = .icmp(message)
            packet.decodedShape.transport = .icmp
            if verifyTransportChecksums, message.checksumValid == false {
                packet.anomalies.insert(.transportBadChecksum)
            }
        case .icmpv6:
            let message = try ICMPv6Message.parse(bytes)
            packet.transport = .icmpv6(message)
            packet.decodedShape.transport = .icmpv6
            let isND = message.isNeighborDiscovery
            if isND || verifyTransportChecksums, complete,
                !ICMPv6Message.checksumValid(bytes, pseudo: pseudoHeader(packet))
            {
                packet.anomalies.insert(.transportBadChecksum)
            }
            guard isND else { return }
            let nd = try NDMessage.parse(bytes)
            packet.transport = .neighborDiscovery(message, nd)
            packet.decodedShape.transport = .neighborDiscovery
            if hopLimit != 255 { packet.anomalies.insert(.ndHopLimitNot255) }
            if let source = packet.sourceMAC,
                let linkLayer = nd.sourceLinkLayerAddress ?? nd.targetLinkLayerAddress,
                linkLayer != source
            {
                packet.anomalies.insert(.ndLinkLayerMismatch)
            }
        case .igmp:
            packet.transport = .igmp(
                try IGMPMessage.parse(bytes, isComplete: complete, declaredLength: declaredLength))
            packet.decodedShape.transport = .igmp
        case .vrrp:
            try decodeProtocol112(
                bytes, declaredLength: declaredLength, pseudo: pseudoHeader(packet), hopLimit: hopLimit, into: &packet)
        default:
            packet.transport = .other(proto)
            packet.decodedShape.transport = .other
        }
    }

    private func decodeProtocol112(
        _ bytes: Span<UInt8>, declaredLength: Int, pseudo: PseudoHeader, hopLimit: UInt8, into packet: inout DecodedPacket
    ) throws(DecodeError) {
        if hopLimit != 255 { packet.anomalies.insert(.redundancyTTLNot255) }
        switch Protocol112.classify(bytes, declaredLength: declaredLength) {
        case .carp:
            let carp = try CARPAdvertisement.parse(bytes)
            packet.transport = .carp(carp)
            packet.decodedShape.transport = .carp
            if !CARPAdvertisement.checksumValid(bytes) { packet.anomalies.insert(.redundancyBadChecksum) }
        case .vrrpV2, .vrrpV3, .unknown:
            let isIPv6: Bool
            if case .ipv6 = pseudo { isIPv6 = true } else { isIPv6 = false }
            let vrrp = try VRRPAdvertisement.parse(bytes, isIPv6: isIPv6, declaredLength: declaredLength)
            packet.transport = .vrrp(vrrp)
            packet.decodedShape.transport = .vrrp
            if vrrp.checksumKind(bytes, pseudo: pseudo) == .invalid {
                packet.anomalies.insert(.redundancyBadChecksum)
            }
            if let source = packet.sourceMAC, source != VRRPAdvertisement.virtualMAC(vrid: vrrp.vrid, ipv6: isIPv6) {
                packet.anomalies.insert(.vrrpSourceNotVirtualMAC)
            }
        }
    }

    // MARK: - Application

    private func decodeHTTP(_ bytes: Span<UInt8>, at offset: Int, into packet: inout DecodedPacket) {
        // A segment on an HTTP port that does not start a request or response (a body, a
        // continuation) is not an error: it is simply not a message head.
        do throws(DecodeError) {
            let message = try HTTPMessage.parse(bytes)
            packet.application = .http(message)
            if case .request = message {
                packet.decodedShape.application = .httpRequest
            } else {
                packet.decodedShape.application = .httpResponse
            }
            packet.applicationOffset = offset
        } catch {}
    }
}

/// A set of TCP/UDP ports, trivially copyable: up to 16 port ranges held inline behind a
/// 64-bit quick-reject mask. Membership usually costs one mask test, with no hashing.
///
/// It holds no reference, so passing a ``PacketDecoder`` to a per-frame call or closure costs
/// no retain, release or outlined copy. A set needing more than 16 disjoint ranges (unusual)
/// keeps its 65536-bit map in a process-wide table, found by index.
public struct PortSet: Sendable, Hashable {
    /// Bit `port & 63` is set when some member has those low six bits: a clear bit proves
    /// absence.
    private var mask: UInt64 = 0
    /// Up to 16 ranges as `first << 16 | last`, ascending, disjoint.
    private var ranges = InlineArray<16, UInt32>(repeating: 0)
    private var rangeCount = 0
    /// Index of the set's map in ``PortMaps`` when it has more than 16 ranges, else -1.
    private var mapIndex = -1

    /// How many ranges a set keeps inline.
    static let inlineRanges = 16

    /// A set holding `ports`.
    public init(_ ports: some Sequence<UInt16>) {
        let sorted = Set(ports).sorted()
        var runs: [(UInt16, UInt16)] = []
        for port in sorted {
            if let last = runs.last, last.1 &+ 1 == port, last.1 != UInt16.max {
                runs[runs.count - 1].1 = port
            } else {
                runs.append((port, port))
            }
        }
        for (first, last) in runs {
            if Int(last) - Int(first) >= 63 {
                mask = ~0
            } else {
                for port in first...last { mask |= 1 << UInt64(port & 63) }
            }
        }
        if runs.count > Self.inlineRanges {
            var words = [UInt64](repeating: 0, count: 1024)
            for port in sorted { words[Int(port >> 6)] |= 1 << UInt64(port & 63) }
            mapIndex = PortMaps.index(of: words)
            return
        }
        rangeCount = runs.count
        for (index, run) in runs.enumerated() { ranges[index] = UInt32(run.0) << 16 | UInt32(run.1) }
    }

    /// Whether `port` is in the set.
    @inline(__always)
    public func contains(_ port: UInt16) -> Bool {
        guard mask >> UInt64(port & 63) & 1 != 0 else { return false }
        return containsAfterMask(port)
    }

    private func containsAfterMask(_ port: UInt16) -> Bool {
        if mapIndex >= 0 { return PortMaps.contains(port, inMap: mapIndex) }
        for index in 0..<rangeCount {
            let range = ranges[index]
            if UInt32(port) >= range >> 16 && UInt32(port) <= range & 0xFFFF { return true }
        }
        return false
    }

    /// The ports in the set, ascending.
    public var ports: [UInt16] {
        if mapIndex >= 0 { return (0...UInt16.max).filter(contains) }
        var ports: [UInt16] = []
        for index in 0..<rangeCount {
            let range = ranges[index]
            ports += UInt16(truncatingIfNeeded: range >> 16)...UInt16(truncatingIfNeeded: range)
        }
        return ports
    }

    public static func == (lhs: PortSet, rhs: PortSet) -> Bool { lhs.ports == rhs.ports }

    public func hash(into hasher: inout Hasher) { hasher.combine(ports) }
}

/// The 65536-bit maps of port sets too fragmented to keep inline, each stored once for the
/// life of the process (a set is found again by its contents, so the table stays as small as
/// the number of distinct large sets built).
enum PortMaps {
    private static let maps = Mutex<[[UInt64]]>([])

    /// The index of `words`, added if new.
    static func index(of words: [UInt64]) -> Int {
        maps.withLock { maps in
            if let index = maps.firstIndex(of: words) { return index }
            maps.append(words)
            return maps.count - 1
        }
    }

    /// Whether map `index` holds `port`.
    static func contains(_ port: UInt16, inMap index: Int) -> Bool {
        maps.withLock { maps in
            index < maps.count && maps[index][Int(port >> 6)] >> UInt64(port & 63) & 1 != 0
        }
    }
}
