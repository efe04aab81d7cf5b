// libFuzzer target for PacketDecoder (see Fuzz/DECODER.md for the build and run commands).
//
// Input: one selector octet, then the frame.
//
//    selector bits 0-2  link type: (value % 6) -> Ethernet, SLL, SLL2, NULL, LOOP, RAW
//    selector bit 6     verify transport checksums, HTTP on every port 1-1024 too
//    selector bit 7     the frame's last 4 octets are an FCS (fcsLength: 4)
//
// Besides traps and ASan reports, the harness checks what a caller relies on and calls
// `fatalError` (so libFuzzer keeps the input) when it does not hold:
//  - every offset and payload range of the result lies inside the frame;
//  - an inner layer is never present without the outer one;
//  - decoding with `fcsLength: 4` equals decoding the frame without its last 4 octets;
//  - decoding into a reused, fully populated packet equals decoding into a fresh one;
//  - every layer's `description` (and the byte-reading descriptions) can be produced;
//  - FrameIdentity (the cross-vantage key) reads the same bytes without trapping, and a clock
//    anchor, when there is one, is the frame's identity.

#if !VANTAGE_FUZZ_SINGLE_MODULE
    import VantageWire
#endif

private let fuzzLinkTypes: [LinkType] = [.ethernet, .linuxSLL, .linuxSLL2, .null, .loop, .raw]
private let plainDecoder = PacketDecoder()
/// A frame that fills every layer (VLANs, IPv4, TCP, HTTP), decoded before each reuse check.
private let populatedFrame = FrameBuilder.httpRequest(
    from: (MACAddress(rawValue: 0x0200_5E10_0001), IPv4Address(10, 0, 0, 1), 40000),
    to: (MACAddress(rawValue: 0x0200_5E10_0002), IPv4Address(10, 0, 0, 2), 80), target: "/health", host: "vip",
    vlans: [100, 200])
private let checkingDecoder = PacketDecoder(
    httpPorts: Array(1...1024) + [8000, 8008, 8080, 8888], verifyTransportChecksums: true)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let selector = data[0]
    let frame = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let linkType = fuzzLinkTypes[Int(selector & 0x07) % fuzzLinkTypes.count]
    let decoder = selector & 0x40 != 0 ? checkingDecoder : plainDecoder
    let withFCS = selector & 0x80 != 0

    let packet = decoder.decode(frame.span, linkType: linkType, fcsLength: withFCS ? 4 : 0)
    let captured = withFCS && frame.count >= 4 ? frame.count - 4 : frame.count
    let text = fuzzCheck(packet, frame: frame, count: captured)
    var reused = plainDecoder.decode(populatedFrame.span, linkType: .ethernet)
    decoder.decode(frame.span, linkType: linkType, fcsLength: withFCS ? 4 : 0, into: &reused)
    let reusedText = fuzzCheck(reused, frame: frame, count: captured)
    let identity = FrameIdentity.of(frame.span, linkType: linkType)
    if let anchor = FrameIdentity.anchor(frame.span, linkType: linkType), anchor != identity {
        fatalError("clock anchor \(anchor) differs from the identity \(String(describing: identity))")
    }
    if reusedText != text { fatalError("decoding into a reused packet differs:\n\(text)\n\(reusedText)") }
    if withFCS && frame.count >= 4 {
        let trimmed = Array(frame[0..<captured])
        let again = decoder.decode(trimmed.span, linkType: linkType)
        let againText = fuzzCheck(again, frame: trimmed, count: captured)
        if againText != text { fatalError("fcsLength 4 differs from trimming:\n\(text)\n\(againText)") }
    }
    return 0
}

/// Checks the invariants of `packet` decoded from the first `count` octets of `frame` and
/// returns a full text rendering of it.
private func fuzzCheck(_ packet: DecodedPacket, frame: [UInt8], count: Int) -> String {
    func require(_ condition: Bool, _ what: @autoclosure () -> String) {
        if !condition { fatalError("invariant broken: \(what())") }
    }
    func inside(_ base: Int, _ range: Range<Int>, _ what: String) {
        require(range.lowerBound >= 0 && base + range.upperBound <= count, "\(what) \(range) at \(base) > \(count)")
    }
    let bytes = frame.span.extracting(0..<count)
    var text = "link \(packet.link)"
    for offset in [packet.networkOffset, packet.transportOffset, packet.applicationOffset, packet.stopOffset] {
        require(offset >= 0 && offset <= count, "offset \(offset) outside \(count)")
    }
    if let outer = packet.outerVLAN { text += " vlan \(outer)" }
    if let inner = packet.innerVLAN {
        require(packet.outerVLAN != nil, "inner VLAN without outer")
        text += " vlan \(inner)"
    }
    text += " extra \(packet.extraVLANTags)"

    switch packet.network {
    case .none:
        break
    case .arp(let arp):
        inside(packet.networkOffset, arp.addressesRange, "ARP addresses")
        text += " \(arp) \(arp.variant)"
    case .ipv4(let header):
        inside(packet.networkOffset, header.payloadRange, "IPv4 payload")
        text += " \(header)"
    case .ipv6(let header, let walk):
        inside(packet.networkOffset, header.payloadRange, "IPv6 payload")
        text += " \(header)"
        if let walk {
            require(walk.upperOffset <= header.payloadRange.count, "IPv6 upper offset \(walk.upperOffset)")
            text += " \(walk)"
        }
    case .nlbHeartbeat(let heartbeat):
        text += " \(heartbeat)"
    case .llc(let llc):
        text += " \(llc)"
    case .other(let type):
        text += " ethertype \(type)"
    }
    if case .none = packet.network {
        if case .none = packet.transport {} else { fatalError("transport without network") }
    }

    let transportBytes = bytes.extracting(packet.transportOffset...)
    switch packet.transport {
    case .none:
        break
    case .tcp(let header):
        inside(packet.transportOffset, header.payloadRange, "TCP payload")
        inside(packet.transportOffset, header.optionsRange, "TCP options")
        text += " \(header) \(header.options.layout)"
        for index in 0..<header.options.sackBlockCount {
            if let block = header.sackBlock(index, in: transportBytes) { text += " sack \(block.left)-\(block.right)" }
        }
    case .udp(let header):
        inside(packet.transportOffset, header.payloadRange, "UDP payload")
        text += " \(header)"
    case .icmp(let message):
        inside(packet.transportOffset, message.payloadRange, "ICMP data")
        text += " \(message)"
    case .icmpv6(let message):
        inside(packet.transportOffset, message.bodyRange, "ICMPv6 body")
        text += " \(message)"
    case .neighborDiscovery(let message, let nd):
        inside(packet.transportOffset, message.bodyRange, "ICMPv6 body")
        inside(packet.transportOffset, nd.optionsRange, "ND options")
        text += " \(message) \(nd)"
    case .igmp(let message):
        inside(packet.transportOffset, message.sourcesRange, "IGMP sources")
        text += " \(message)"
    case .vrrp(let advert):
        inside(packet.transportOffset, advert.addressesRange, "VRRP addresses")
        text += " \(advert) \(advert.description(in: transportBytes))"
    case .carp(let advert):
        inside(packet.transportOffset, advert.hmacRange, "CARP HMAC")
        text += " \(advert)"
    case .other(let proto):
        text += " proto \(proto)"
    }

    switch packet.application {
    case .none:
        break
    case .hsrp(let message):
        text += " \(message)"
    case .http(let message):
        let payload = bytes.extracting(packet.applicationOffset...)
        switch message {
        case .request(let head):
            for range in [head.methodRange, head.targetRange, head.versionRange] + (head.hostRange.map { [$0] } ?? []) {
                inside(packet.applicationOffset, range, "HTTP request range")
            }
        case .response(let status):
            inside(packet.applicationOffset, status.versionRange, "HTTP version")
            inside(packet.applicationOffset, status.reasonRange, "HTTP reason")
        }
        text += " \(message) \(message.description(in: payload))"
    }
    if case .none = packet.transport {
        if case .none = packet.application {} else { fatalError("application without transport") }
    }
    text += " anomalies [\(packet.anomalies)]"
    if let stop = packet.stop { text += " stop \(stop) at \(packet.stopOffset)" }
    return text
}
