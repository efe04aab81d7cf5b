import Testing
import VantageWire

/// PacketDecoder on every prefix of every built frame, under every link wrapping, and on
/// random noise: it never traps, keeps the layers whose headers were captured, drops the ones
/// that were cut, says `.truncated` (for the cut layer) when the cut falls inside a header,
/// and invents no checksum anomaly about bytes it did not see.
@Suite struct PacketDecoderTruncationTests {
    /// A decoder that also verifies transport checksums, so that cut segments are exercised.
    static let decoder = PacketDecoder(verifyTransportChecksums: true)

    /// One layer of a fully decoded frame: where its header lies and which layers a cut inside
    /// it may name. `strictEnd` ends the part where any cut must stop with `.truncated`; from
    /// there to `end` (ND options, between option boundaries) a cut may also decode cleanly.
    struct Extent: CustomStringConvertible {
        var name: String
        var isLayer: Bool
        var start: Int
        var strictEnd: Int
        var end: Int
        var stopLayers: Set<ProtocolLayer>
        var description: String { "\(name) \(start)..<\(end)" }
    }

    /// The name of each layer present, outermost first (ND counts as its ICMPv6 header).
    static func layerNames(_ packet: DecodedPacket) -> [String] {
        var names: [String] = []
        switch packet.link {
        case .none: break
        case .ethernet: names.append("ethernet")
        case .linuxSLL: names.append("sll")
        case .linuxSLL2: names.append("sll2")
        case .null: names.append("null")
        case .raw: names.append("raw")
        case .unsupported: names.append("unsupported")
        }
        if packet.outerVLAN != nil { names.append("vlan") }
        if packet.innerVLAN != nil { names.append("vlan") }
        switch packet.network {
        case .none: break
        case .arp: names.append("arp")
        case .ipv4: names.append("ipv4")
        case .ipv6: names.append("ipv6")
        case .nlbHeartbeat: names.append("nlb")
        case .llc: names.append("llc")
        case .other: names.append("other-ethertype")
        }
        switch packet.transport {
        case .none: break
        case .tcp: names.append("tcp")
        case .udp: names.append("udp")
        case .icmp: names.append("icmp")
        case .icmpv6, .neighborDiscovery: names.append("icmpv6")
        case .igmp: names.append("igmp")
        case .vrrp: names.append("vrrp")
        case .carp: names.append("carp")
        case .other: names.append("other-ip")
        }
        switch packet.application {
        case .none: break
        case .hsrp: names.append("hsrp")
        case .http: names.append("http")
        }
        return names
    }

    /// The header extents of `full`, the decode of the whole `frame`.
    static func extents(of full: DecodedPacket, frame: [UInt8]) -> [Extent] {
        var list: [Extent] = []
        func add(
            _ name: String, _ start: Int, _ end: Int, _ stops: Set<ProtocolLayer>, layer: Bool = true,
            strictEnd: Int? = nil
        ) {
            list.append(
                Extent(
                    name: name, isLayer: layer, start: start, strictEnd: strictEnd ?? end, end: end, stopLayers: stops))
        }
        var linkEnd = 0
        switch full.link {
        case .ethernet:
            linkEnd = 14
            add("ethernet", 0, 14, [.ethernet])
        case .linuxSLL:
            linkEnd = 16
            add("sll", 0, 16, [.linuxSLL])
        case .linuxSLL2:
            linkEnd = 20
            add("sll2", 0, 20, [.linuxSLL2])
        case .null:
            linkEnd = 4
            add("null", 0, 4, [.null, .loop])
        case .raw:
            add("raw", 0, 0, [])
        case .none, .unsupported:
            break
        }
        var offset = linkEnd
        while offset < full.networkOffset {
            add("vlan", offset, offset + 4, [.vlan])
            offset += 4
        }
        let n = full.networkOffset
        // A raw-IP frame of zero octets stops at the link ("raw"), one of 1...19 at the IP header.
        let ipStops: Set<ProtocolLayer> = full.link.isRaw ? [.raw] : []
        switch full.network {
        case .arp(let arp): add("arp", n, n + arp.length, [.arp])
        case .ipv4(let header): add("ipv4", n, n + header.headerLength, ipStops.union([.ipv4]))
        case .ipv6(_, let walk):
            add("ipv6", n, n + 40, ipStops.union([.ipv6]))
            if let walk, walk.upperOffset > 0 {
                add("ipv6-ext", n + 40, n + 40 + walk.upperOffset, [.ipv6Extension], layer: false)
            }
        case .nlbHeartbeat: add("nlb", n, n + 20, [.nlbHeartbeat])
        case .llc(let llc): add("llc", n, n + llc.length, [.llc])
        case .other: add("other-ethertype", n, n, [])
        case .none: break
        }
        let t = full.transportOffset
        let ipEnd: Int =
            switch full.network {
            case .ipv4(let header): n + header.payloadRange.upperBound
            case .ipv6(let header, _): n + header.payloadRange.upperBound
            default: frame.count
            }
        switch full.transport {
        case .tcp: add("tcp", t, t + 20, [.tcp])
        case .udp: add("udp", t, t + 8, [.udp])
        case .icmp: add("icmp", t, t + 8, [.icmp])
        case .icmpv6: add("icmpv6", t, t + 4, [.icmpv6])
        case .neighborDiscovery(_, let nd):
            add("icmpv6", t, t + 4, [.icmpv6])
            add(
                "nd", t + 4, t + nd.optionsRange.upperBound, [.neighborDiscovery], layer: false,
                strictEnd: t + nd.kind.fixedLength)
        case .igmp: add("igmp", t, ipEnd, [.igmp])
        case .vrrp(let advert): add("vrrp", t, t + advert.length, [.vrrp])
        case .carp: add("carp", t, t + CARPAdvertisement.length, [.carp, .vrrp])
        case .other: add("other-ip", t, t, [])
        case .none: break
        }
        let a = full.applicationOffset
        switch full.application {
        case .hsrp(let message): add("hsrp", a, a + (message.version == 1 ? 20 : 42), [.hsrp])
        case .http:
            // The start line and its line end: HTTP is decoded leniently, a cut head is no stop.
            var lineEnd = a
            while lineEnd < frame.count, frame[lineEnd] != 0x0A { lineEnd += 1 }
            add("http", a, lineEnd + 1, [])
        case .none: break
        }
        return list
    }

    /// Decodes every prefix of `frame` (captured with `linkType`) and checks each against the
    /// full decode.
    static func checkEveryCut(
        of frame: [UInt8], linkType: LinkType, name: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let full = decoder.decode(frame.span, linkType: linkType)
        #expect(
            full.stop == nil, "\(name): full frame stops: \(String(describing: full.stop))",
            sourceLocation: sourceLocation)
        let fullNames = layerNames(full)
        let extents = extents(of: full, frame: frame)
        let layers = extents.filter(\.isLayer)
        #expect(layers.map(\.name) == fullNames, "\(name): extents \(extents)", sourceLocation: sourceLocation)
        let ipEnd: Int? =
            switch full.network {
            case .ipv4(let header): full.networkOffset + header.payloadRange.upperBound
            case .ipv6(let header, _): full.networkOffset + header.payloadRange.upperBound
            default: nil
            }
        for length in 0..<frame.count {
            let prefix = Array(frame[0..<length])
            let cut = decoder.decode(prefix.span, linkType: linkType)
            let context = "\(name) cut at \(length)/\(frame.count)"
            // Exactly the layers whose headers were captured are present, with the same names.
            let names = layerNames(cut)
            #expect(
                names == layers.filter { $0.end <= length }.map(\.name), "\(context): \(names)",
                sourceLocation: sourceLocation)
            // Outer headers decode to the same values as in the full frame.
            if !names.isEmpty {
                #expect("\(cut.link)" == "\(full.link)", "\(context)", sourceLocation: sourceLocation)
            }
            if let outer = cut.outerVLAN {
                #expect(outer == full.outerVLAN, "\(context)", sourceLocation: sourceLocation)
            }
            if let inner = cut.innerVLAN {
                #expect(inner == full.innerVLAN, "\(context)", sourceLocation: sourceLocation)
            }
            if let ipv4 = cut.ipv4 {
                #expect(
                    ipv4.description == full.ipv4?.description, "\(context)", sourceLocation: sourceLocation)
            }
            if let ipv6 = cut.ipv6 {
                #expect(
                    ipv6.description == full.ipv6?.description, "\(context)", sourceLocation: sourceLocation)
            }
            // The stop reason: `.truncated`, naming the layer whose header holds the cut.
            if let extent = extents.first(where: { $0.start <= length && length < $0.end && !$0.stopLayers.isEmpty }) {
                if let stop = cut.stop {
                    #expect(stop.isTruncation, "\(context): \(stop)", sourceLocation: sourceLocation)
                    #expect(
                        extent.stopLayers.contains(stop.layer), "\(context): \(stop) in \(extent)",
                        sourceLocation: sourceLocation)
                } else {
                    // Only between the options of an ND message may a cut decode cleanly.
                    #expect(
                        length >= extent.strictEnd, "\(context): no stop inside \(extent)",
                        sourceLocation: sourceLocation)
                }
            } else {
                #expect(cut.stop == nil, "\(context): \(String(describing: cut.stop))", sourceLocation: sourceLocation)
            }
            // A cut changes no verdict it cannot check, and says the IP length exceeds the frame.
            let unverifiable: PacketAnomalies = [.transportBadChecksum, .redundancyBadChecksum, .ipv4BadChecksum]
            #expect(
                cut.anomalies.subtracting(full.anomalies).isDisjoint(with: unverifiable),
                "\(context): \(cut.anomalies)",
                sourceLocation: sourceLocation)
            if let ipEnd, cut.ipv4 != nil || cut.ipv6 != nil {
                #expect(
                    cut.anomalies.contains(.ipLengthExceedsFrame) == (length < ipEnd), "\(context): \(cut.anomalies)",
                    sourceLocation: sourceLocation)
            }
            // Offsets stay inside the captured bytes.
            for offset in [cut.networkOffset, cut.transportOffset, cut.applicationOffset, cut.stopOffset] {
                #expect(offset >= 0 && offset <= length, "\(context): offset \(offset)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test(arguments: FrameBuilder.LinkWrapping.allCases)
    func everyFrameKindCutAtEveryLength(_ wrapping: FrameBuilder.LinkWrapping) {
        for (name, frame) in BuiltFrames.catalogue where wrapping.canWrap(frame) {
            Self.checkEveryCut(of: wrapping.wrap(frame), linkType: wrapping.linkType, name: "\(name) \(wrapping)")
        }
    }

    @Test func unpaddedFramesCutAtEveryLength() {
        // Unpadded frames put the end of the IP packet at the end of the frame.
        let frames: [(String, [UInt8])] = [
            (
                "arp",
                FrameBuilder.arpRequest(
                    from: BuiltFrames.clientMAC, ip: BuiltFrames.client, asking: BuiltFrames.vip, padTo: 0)
            ),
            (
                "vrrp",
                FrameBuilder.vrrpAdvert(vrid: 1, addresses: [BuiltFrames.vip], from: BuiltFrames.server, padTo: 0)
            ),
            (
                "igmp",
                FrameBuilder.igmp(
                    .v2Report(group: IPv4Address(239, 9, 9, 9)), from: (BuiltFrames.clientMAC, BuiltFrames.client),
                    padTo: 0)
            ),
            (
                "hsrp",
                FrameBuilder.hsrpHello(
                    group: 9, virtualIP: BuiltFrames.vip, from: (BuiltFrames.serverMAC, BuiltFrames.server), padTo: 0)
            ),
        ]
        for (name, frame) in frames {
            Self.checkEveryCut(of: frame, linkType: .ethernet, name: name)
        }
    }

    // MARK: - Regressions: cut inner messages must read as cut, not as something else

    /// An IGMPv3 query cut at 8 octets is not a v2 query, and one cut at 9–11 octets is not
    /// malformed: the IP header says how long the message is.
    @Test func cutIGMPv3QueryIsTruncated() {
        for length in 8..<12 {
            let frame = Array(BuiltFrames.igmpV3Query[0..<(38 + length)])
            let packet = Self.decoder.decode(frame.span, linkType: .ethernet)
            #expect(packet.stop?.isTruncation == true && packet.stop?.layer == .igmp, "IGMP cut at \(length)")
            if case .igmp(let message) = packet.transport { Issue.record("cut query decoded as v\(message.version)") }
        }
    }

    /// `IGMPMessage.parse(_:isComplete:declaredLength:)`: the declared length decides the
    /// query version; without it the captured length does, as before.
    @Test func igmpQueryVersionFollowsTheDeclaredLength() throws {
        var bytes: [UInt8] = []
        IGMPMessage(type: .membershipQuery, version: 3, maxResponseCode: 100).emit(
            sources: [BuiltFrames.client], into: &bytes)
        #expect(bytes.count == 16)
        for length in 8..<16 {
            let prefix = Array(bytes[0..<length])
            #expect(throws: DecodeError.self) {
                try IGMPMessage.parse(prefix.span, isComplete: false, declaredLength: 16)
            }
            do {
                _ = try IGMPMessage.parse(prefix.span, isComplete: false, declaredLength: 16)
            } catch {
                #expect(error.isTruncation && error.layer == .igmp, "\(length): \(error)")
            }
        }
        #expect(try IGMPMessage.parse(bytes.span, declaredLength: 16).version == 3)
        #expect(try IGMPMessage.parse(Array(bytes[0..<8]).span).version == 2)
        var v2: [UInt8] = []
        IGMPMessage(type: .membershipQuery, maxResponseCode: 100).emit(into: &v2)
        #expect(try IGMPMessage.parse(v2.span, declaredLength: 8).version == 2)
    }

    /// With transport checksums verified, a TCP segment, an ICMP message or an ND message cut
    /// by the snap length is not reported as having a bad checksum (the sum cannot be checked).
    @Test func cutSegmentsHaveNoBadChecksum() {
        let frames = [
            (BuiltFrames.httpRequest, 60), (BuiltFrames.pingRequest, 50), (BuiltFrames.routerAdvertisement, 86),
            (BuiltFrames.udpDNS, 44),
        ]
        for (frame, length) in frames {
            let cut = Array(frame[0..<length])
            let packet = Self.decoder.decode(cut.span, linkType: .ethernet)
            #expect(packet.stop == nil)
            #expect(packet.anomalies == .ipLengthExceedsFrame, "\(packet.anomalies)")
            if case .icmp(let message) = packet.transport { #expect(message.checksumValid == nil) }
        }
    }

    // MARK: - Noise

    /// Thousands of random frames per link type, and mutations of built frames: no trap, and
    /// every offset and range inside the frame.
    @Test(arguments: [LinkType.ethernet, .linuxSLL, .linuxSLL2, .null, .loop, .raw, .ipv6])
    func randomNoiseNeverTraps(_ linkType: LinkType) {
        var random = WireNoiseGenerator(state: 0xDEC0_DE00 &+ UInt64(linkType.rawValue))
        let seeds = BuiltFrames.catalogue.map(\.frame)
        let decoders = [PacketDecoder(), PacketDecoder(httpPorts: Array(0...1024), verifyTransportChecksums: true)]
        var stops = 0
        for iteration in 0..<4000 {
            var frame: [UInt8]
            if iteration % 2 == 0 {
                frame = (0..<Int.random(in: 0...160, using: &random)).map { _ in
                    UInt8.random(in: 0...255, using: &random)
                }
            } else {
                // A built frame (under this link type when it can be wrapped) with a few octets
                // changed and a random cut: these reach the inner decoders far more often.
                let seed = seeds[Int.random(in: 0..<seeds.count, using: &random)]
                let wrapping = FrameBuilder.LinkWrapping.allCases.first { $0.linkType == linkType }
                frame =
                    wrapping.map { $0.canWrap(seed) ? $0.wrap(seed) : seed }
                    ?? FrameBuilder.rawIP(wrapping: BuiltFrames.tcp6SYN)
                for _ in 0..<Int.random(in: 1...6, using: &random) {
                    frame[Int.random(in: 0..<frame.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
                if Bool.random(using: &random) {
                    frame = Array(frame.prefix(Int.random(in: 0...frame.count, using: &random)))
                }
            }
            for decoder in decoders {
                let packet = decoder.decode(frame.span, linkType: linkType, fcsLength: iteration % 3 == 0 ? 4 : 0)
                if packet.stop != nil { stops += 1 }
                let count = iteration % 3 == 0 && frame.count >= 4 ? frame.count - 4 : frame.count
                for offset in [
                    packet.networkOffset, packet.transportOffset, packet.applicationOffset, packet.stopOffset,
                ] {
                    #expect(offset >= 0 && offset <= count, "offset \(offset) of \(count)")
                }
                if let ipv4 = packet.ipv4 { #expect(packet.networkOffset + ipv4.payloadRange.upperBound <= count) }
                if let tcp = packet.tcp { #expect(packet.transportOffset + tcp.payloadRange.upperBound <= count) }
                if let udp = packet.udp { #expect(packet.transportOffset + udp.payloadRange.upperBound <= count) }
                _ = LayerText.all(packet)
            }
        }
        #expect(stops > 0)
    }
}

extension LinkLayer {
    /// Whether this is a raw-IP link (no header).
    var isRaw: Bool { if case .raw = self { true } else { false } }
}
