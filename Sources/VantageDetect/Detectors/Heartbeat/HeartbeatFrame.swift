//  Which frames are heartbeats, and of which stream: UDP to a watched port (bitmap test first)
//  over IPv4 or IPv6 (a Windows failover cluster with IPv6 on its networks sends its UDP 3343
//  heartbeats over IPv6), VRRP / CARP adverts (over IPv6 too), HSRP hellos (IPv4), Windows NLB
//  heartbeats.

import VantageCapture
import VantageState
import VantageWire

/// One heartbeat frame: its stream, the interval it declares, and whether it ends the stream.
struct HeartbeatFrame {
    /// The stream it belongs to.
    var key: HeartbeatStreamKey
    /// The sender's Ethernet address.
    var mac: MACAddress?
    /// The interval the frame itself carries (VRRP, CARP, HSRP), in ns.
    var interval: Int64?
    /// A resignation (VRRP priority 0, HSRP resign): the stream ends on purpose.
    var resigns = false
    /// Sent by the group's master (VRRP/CARP: only the master advertises).
    var fromMaster = false
    /// Captured leaving the capturing host (a Linux cooked capture's "outgoing" packet type):
    /// this vantage point is the sender's own.
    var outgoing = false

    /// The heartbeat in `packet`, or nil (cheap checks first: the UDP port before anything else).
    init?(_ packet: DecodedPacket, table: HeartbeatStreamTable) {
        switch packet.transport {
        case .udp(let udp):
            let port = udp.destinationPort
            if table.watches(port: port) {
                guard let addresses = Self.addresses(packet) else { return nil }
                key = HeartbeatStreamKey(source: addresses.source, destination: addresses.destination, port: port, kind: .udp, vlan: 0)
            } else if port == PacketDecoder.hsrpPorts.0, case .hsrp(let hello) = packet.application, let ip = packet.ipv4 {
                key = HeartbeatStreamKey(source: ip.source, destination: ip.destination, port: hello.group, kind: .hsrp, vlan: 0)
                interval = hello.helloTimeMilliseconds > 0 ? Int64(hello.helloTimeMilliseconds) * 1_000_000 : nil
                resigns = hello.opcode == .resign
            } else {
                return nil
            }
        case .vrrp(let advert):
            guard let addresses = Self.addresses(packet) else { return nil }
            key = HeartbeatStreamKey(
                source: addresses.source, destination: addresses.destination, port: UInt16(advert.vrid), kind: .vrrp, vlan: 0)
            interval = advert.advertisementIntervalCentiseconds > 0 ? Int64(advert.advertisementIntervalCentiseconds) * 10_000_000 : nil
            resigns = advert.isResigning
            fromMaster = !advert.isResigning
        case .carp(let advert):
            guard let addresses = Self.addresses(packet) else { return nil }
            key = HeartbeatStreamKey(
                source: addresses.source, destination: addresses.destination, port: UInt16(advert.vhid), kind: .carp, vlan: 0)
            let period = Int64(advert.advbase) * 1_000_000_000 + Int64(advert.advskew) * 1_000_000_000 / 256
            interval = period > 0 ? period : nil
            fromMaster = true
        default:
            guard case .nlbHeartbeat(let heartbeat) = packet.network else { return nil }
            key = HeartbeatStreamKey(
                source: heartbeat.dedicatedIP, destination: heartbeat.clusterIP, port: UInt16(truncatingIfNeeded: heartbeat.uniqueHostID),
                kind: .nlb, vlan: 0)
        }
        mac = packet.sourceMAC
        if let vlan = packet.vlanID { key.vlan = vlan }
        switch packet.link {
        case .linuxSLL(let header): outgoing = header.packetType == .outgoing
        case .linuxSLL2(let header): outgoing = header.packetType == .outgoing
        default: break
        }
    }

    /// The IPv4 or IPv6 source and destination of `packet`.
    private static func addresses(_ packet: DecodedPacket) -> (source: NeighborAddress, destination: NeighborAddress)? {
        if let ip = packet.ipv4 { return (NeighborAddress(ip.source), NeighborAddress(ip.destination)) }
        if let ip = packet.ipv6 { return (NeighborAddress(ip.source), NeighborAddress(ip.destination)) }
        return nil
    }
}
