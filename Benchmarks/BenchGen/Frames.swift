import VantageWire

// Frame writers. Each writes one complete frame at `p` and returns its length. Checksums are
// computed from the field values (no read-back), except for rare frames (UDP, VRRP, NDP) that
// sum their bytes. Frames shorter than 60 octets are zero-padded as a switch SPAN port shows them.

enum Wire {
    static let broadcast: UInt64 = 0xFFFF_FFFF_FFFF
    static let vrrpGroupMAC: UInt64 = 0x0100_5E00_0012
    static let vrrpGroup: UInt32 = IPv4Address(224, 0, 0, 18).rawValue
    static let etherIPv4 = EtherType.ipv4.rawValue
    static let etherARP = EtherType.arp.rawValue
    static let etherIPv6 = EtherType.ipv6.rawValue
    static let etherVLAN = EtherType.vlan.rawValue
    static let minimumFrame = 60
}

/// TCP flag bits.
enum TCPFlags {
    static let fin: UInt8 = 0x01
    static let syn: UInt8 = 0x02
    static let psh: UInt8 = 0x08
    static let ack: UInt8 = 0x10
}

@inline(__always)
func writeEthernet(_ p: UnsafeMutableRawPointer, dst: UInt64, src: UInt64, vlan: UInt16, type: UInt16) -> Int {
    p.putMAC(dst, 0)
    p.putMAC(src, 6)
    if vlan != 0 {
        p.put16(Wire.etherVLAN, 12)
        p.put16(vlan, 14)  // PCP 0, DEI 0
        p.put16(type, 16)
        return 18
    }
    p.put16(type, 12)
    return 14
}

/// Writes a 20-byte IPv4 header with a correct checksum.
@inline(__always)
func writeIPv4(
    _ p: UnsafeMutableRawPointer, totalLength: Int, id: UInt16, dontFragment: Bool, ttl: UInt8,
    proto: UInt8, tos: UInt8 = 0, src: UInt32, dst: UInt32
) {
    let w0 = 0x4500 | UInt16(tos)
    let length = UInt16(truncatingIfNeeded: totalLength)
    let flags: UInt16 = dontFragment ? 0x4000 : 0
    let w4 = UInt16(ttl) << 8 | UInt16(proto)
    p.put16(w0, 0)
    p.put16(length, 2)
    p.put16(id, 4)
    p.put16(flags, 6)
    p.put16(w4, 8)
    p.put32(src, 12)
    p.put32(dst, 16)
    let sum = UInt64(w0) &+ UInt64(length) &+ UInt64(id) &+ UInt64(flags) &+ UInt64(w4) &+ words(src) &+ words(dst)
    p.put16(checksumValue(sum), 10)
}

/// The TCP segment fields that vary per frame.
struct TCPSegment {
    var src: UInt32
    var dst: UInt32
    var sourcePort: UInt16
    var destinationPort: UInt16
    var seq: UInt32
    var ack: UInt32
    var flags: UInt8
    var window: UInt16
    var tsval: UInt32
    var tsecr: UInt32
}

/// Writes a TCP header (SYN options when the SYN flag is set, else NOP NOP timestamps) whose
/// checksum covers `payloadLength` bytes summing to `payloadSum`. Returns the header length.
@inline(__always)
func writeTCP(_ p: UnsafeMutableRawPointer, _ s: TCPSegment, payloadLength: Int, payloadSum: UInt64) -> Int {
    let syn = s.flags & TCPFlags.syn != 0
    let headerLength = syn ? 40 : 32
    let offsetFlags = UInt16(headerLength / 4) << 12 | UInt16(s.flags)
    p.put16(s.sourcePort, 0)
    p.put16(s.destinationPort, 2)
    p.put32(s.seq, 4)
    p.put32(s.ack, 8)
    p.put16(offsetFlags, 12)
    p.put16(s.window, 14)
    p.put16(0, 16)
    p.put16(0, 18)
    var options: UInt64
    if syn {
        // MSS 1460, SACK permitted, timestamps, NOP, window scale 7 (Linux order).
        p.put32(0x0204_05B4, 20)
        p.put32(0x0402_080A, 24)
        p.put32(s.tsval, 28)
        p.put32(s.tsecr, 32)
        p.put32(0x0103_0307, 36)
        options = 0x0204 &+ 0x05B4 &+ 0x0402 &+ 0x080A &+ 0x0103 &+ 0x0307
    } else {
        p.put32(0x0101_080A, 20)
        p.put32(s.tsval, 24)
        p.put32(s.tsecr, 28)
        options = 0x0101 &+ 0x080A
    }
    options &+= words(s.tsval) &+ words(s.tsecr)
    let segmentLength = UInt64(headerLength &+ payloadLength)
    let sum =
        words(s.src) &+ words(s.dst) &+ 6 &+ segmentLength
        &+ UInt64(s.sourcePort) &+ UInt64(s.destinationPort) &+ words(s.seq) &+ words(s.ack)
        &+ UInt64(offsetFlags) &+ UInt64(s.window) &+ options &+ payloadSum
    p.put16(checksumValue(sum), 16)
    return headerLength
}

/// Writes a UDP header + payload with a full checksum; returns the UDP length.
@inline(__always)
func writeUDP(
    _ p: UnsafeMutableRawPointer, src: UInt32, dst: UInt32, sourcePort: UInt16, destinationPort: UInt16,
    payloadLength: Int
) -> Int {
    let length = 8 + payloadLength
    p.put16(sourcePort, 0)
    p.put16(destinationPort, 2)
    p.put16(UInt16(length), 4)
    p.put16(0, 6)
    let sum = words(src) &+ words(dst) &+ 17 &+ UInt64(length) &+ onesSum(p, length)
    let value = checksumValue(sum)
    p.put16(value == 0 ? 0xFFFF : value, 6)
    return length
}

/// Zero-fills a short frame up to the Ethernet minimum.
@inline(__always)
func padFrame(_ p: UnsafeMutableRawPointer, _ length: Int) -> Int {
    if length >= Wire.minimumFrame { return length }
    (p + length).initializeMemory(as: UInt8.self, repeating: 0, count: Wire.minimumFrame - length)
    return Wire.minimumFrame
}

/// The ARP fields of one Ethernet/IPv4 ARP packet.
struct ARPPacket {
    var ethernetDestination: UInt64
    var vlan: UInt16
    var operation: UInt16
    var senderMAC: UInt64
    var senderIP: UInt32
    var targetMAC: UInt64
    var targetIP: UInt32
}

@inline(__always)
func writeARP(_ p: UnsafeMutableRawPointer, _ a: ARPPacket) -> Int {
    let l2 = writeEthernet(p, dst: a.ethernetDestination, src: a.senderMAC, vlan: a.vlan, type: Wire.etherARP)
    let q = p + l2
    q.put32(0x0001_0800, 0)  // htype 1, ptype IPv4
    q.put16(0x0604, 4)  // hlen 6, plen 4
    q.put16(a.operation, 6)
    q.putMAC(a.senderMAC, 8)
    q.put32(a.senderIP, 14)
    q.putMAC(a.targetMAC, 18)
    q.put32(a.targetIP, 24)
    return padFrame(p, l2 + 28)
}

/// A VRRPv2 advertisement for one virtual IP (keepalived without use_vmac: real MAC source).
func writeVRRP(
    _ p: UnsafeMutableRawPointer, sourceMAC: UInt64, vlan: UInt16, source: UInt32, id: UInt16, vrid: UInt8,
    priority: UInt8, vip: UInt32
) -> Int {
    let l2 = writeEthernet(p, dst: Wire.vrrpGroupMAC, src: sourceMAC, vlan: vlan, type: Wire.etherIPv4)
    writeIPv4(
        p + l2, totalLength: 40, id: id, dontFragment: false, ttl: 255,
        proto: IPProtocol.vrrp.rawValue, tos: 0xC0, src: source, dst: Wire.vrrpGroup)
    let v = p + l2 + 20
    v.put8(0x21, 0)  // version 2, type advertisement
    v.put8(vrid, 1)
    v.put8(priority, 2)
    v.put8(1, 3)  // one address
    v.put8(0, 4)  // no authentication
    v.put8(1, 5)  // advertisement interval 1 s
    v.put16(0, 6)
    v.put32(vip, 8)
    v.put64(0, 12)  // authentication data
    v.put16(checksumValue(onesSum(v, 20)), 6)  // no pseudo-header in v2
    return padFrame(p, l2 + 40)
}

/// An IPv6 Neighbor Solicitation (type 135, SLLA option) or Advertisement (type 136,
/// flags S|O, TLLA option), hop limit 255, correct ICMPv6 checksum.
func writeNDP(
    _ p: UnsafeMutableRawPointer, advertisement: Bool, ethernetDestination: UInt64, sourceMAC: UInt64,
    vlan: UInt16, source: (UInt64, UInt64), destination: (UInt64, UInt64), target: (UInt64, UInt64)
) -> Int {
    let l2 = writeEthernet(p, dst: ethernetDestination, src: sourceMAC, vlan: vlan, type: Wire.etherIPv6)
    let ip = p + l2
    let payloadLength = 32
    ip.put32(0x6000_0000, 0)
    ip.put16(UInt16(payloadLength), 4)
    ip.put8(IPProtocol.icmpv6.rawValue, 6)
    ip.put8(255, 7)
    ip.put64(source.0, 8)
    ip.put64(source.1, 16)
    ip.put64(destination.0, 24)
    ip.put64(destination.1, 32)
    let icmp = ip + 40
    icmp.put8(advertisement ? 136 : 135, 0)
    icmp.put8(0, 1)
    icmp.put16(0, 2)
    icmp.put32(advertisement ? 0x6000_0000 : 0, 4)
    icmp.put64(target.0, 8)
    icmp.put64(target.1, 16)
    icmp.put8(advertisement ? 2 : 1, 24)  // TLLA / SLLA
    icmp.put8(1, 25)
    icmp.putMAC(sourceMAC, 26)
    let sum =
        onesSum(ip + 8, 32) &+ UInt64(payloadLength) &+ UInt64(IPProtocol.icmpv6.rawValue)
        &+ onesSum(icmp, payloadLength)
    icmp.put16(checksumValue(sum), 2)
    return l2 + 40 + payloadLength
}

/// The solicited-node multicast group of `address` and its Ethernet address.
func solicitedNode(_ address: (UInt64, UInt64)) -> (ip: (UInt64, UInt64), mac: UInt64) {
    let low24 = address.1 & 0xFF_FFFF
    return ((0xFF02_0000_0000_0000, 0x0000_0001_FF00_0000 | low24), 0x3333_FF00_0000 | low24)
}
