import VantageCapture
import VantageDetect
import VantageWire

/// Seed 004 (AWS, Redis): a client instance at 10.0.0.20 (MAC ...:01) talks to the Redis
/// server 10.0.0.5, then is terminated. Two minutes later a new instance gets the same private
/// IP with MAC ...:02 and sends no gratuitous ARP (it only ARPs for its gateway). Its SYNs reach
/// the server; the server's SYN-ACKs go to the old MAC, and its unicast re-validation probes to
/// the old MAC go unanswered.
struct Seed004 {
    let server = Station("02:00:00:00:00:05", "10.0.0.5")
    let oldClient = Station("02:00:00:00:00:01", "10.0.0.20")
    let newClient = Station("02:00:00:00:00:02", "10.0.0.20")
    let gateway = Station("02:00:00:00:00:fe", "10.0.0.1")

    var script = Script()
    /// The new instance's first claim of 10.0.0.20 (its ARP request for the gateway).
    var moveFrame = 0
    /// The server's SYN-ACKs to the old MAC.
    var staleSynAcks: [Int] = []
    /// The server's unicast ARP probes to the old MAC.
    var reARPs: [Int] = []
    /// The server's first frame to the new MAC, when it converges.
    var convergedFrame: Int?

    /// The scenario; with `converge` the server's entry fails, it broadcasts, the new instance
    /// answers and the handshake completes; with `oldClientSilence` the old instance stops that
    /// many seconds before the new one appears.
    init(converge: Bool = false, oldClientSilence: Double = 120) {
        let start = 125.0 - oldClientSilence
        let redis = server.port(6379)
        let old = oldClient.port(40_000)
        script.add(FrameBuilder.arpRequest(from: oldClient.mac, ip: oldClient.ip, asking: server.ip), at: 0)
        script.add(FrameBuilder.arpReply(from: server.mac, ip: server.ip, to: oldClient.mac, targetIP: oldClient.ip), at: 0.0002)
        script.add(FrameBuilder.tcp(from: old, to: redis, flags: .syn, seq: 1000), at: 0.001)
        script.add(FrameBuilder.tcp(from: redis, to: old, flags: [.syn, .ack], seq: 5000, ack: 1001), at: 0.0011)
        script.add(FrameBuilder.tcp(from: old, to: redis, flags: .ack, seq: 1001, ack: 5001), at: 0.0012)
        // Requests every second until the old instance is terminated.
        var time = 1.0
        var seq: UInt32 = 1001
        while time < start {
            script.add(FrameBuilder.tcp(from: old, to: redis, flags: [.psh, .ack], seq: seq, ack: 5001, payload: Array("PING\r\n".utf8)), at: time)
            script.add(FrameBuilder.tcp(from: redis, to: old, flags: [.psh, .ack], seq: 5001, ack: seq + 6, payload: Array("+PONG\r\n".utf8)), at: time + 0.0002)
            seq += 6
            time += 1
        }
        // The new instance boots with the same IP: it ARPs for its gateway, nothing else.
        moveFrame = script.add(FrameBuilder.arpRequest(from: newClient.mac, ip: newClient.ip, asking: gateway.ip), at: 125)
        script.add(FrameBuilder.arpReply(from: gateway.mac, ip: gateway.ip, to: newClient.mac, targetIP: newClient.ip), at: 125.0003)
        let new = newClient.port(41_000)
        let stale = newClient.via(oldClient.mac, port: 41_000)
        // SYN at 125, retransmitted after 1, 2 and 4 s; each answered with a SYN-ACK to the old MAC.
        for offset in [0.0, 1.0, 3.0, 7.0] {
            script.add(FrameBuilder.tcp(from: new, to: redis, flags: .syn, seq: 7000, options: FrameBuilder.linuxSYNOptions), at: 125.0005 + offset)
            staleSynAcks.append(
                script.add(FrameBuilder.tcp(from: redis, to: stale, flags: [.syn, .ack], seq: 9000, ack: 7001), at: 125.0006 + offset))
            if offset == 3.0 {
                // Linux: the STALE entry was used at 125 → DELAY 5 s → PROBE, unicast to the cached MAC.
                for probe in [130.0, 131.0] {
                    reARPs.append(
                        script.add(FrameBuilder.arpRequest(from: server.mac, ip: server.ip, asking: oldClient.ip, dst: oldClient.mac), at: probe))
                }
            }
        }
        reARPs.append(script.add(FrameBuilder.arpRequest(from: server.mac, ip: server.ip, asking: oldClient.ip, dst: oldClient.mac), at: 132.1))
        guard converge else { return }
        // The entry fails; the server broadcasts, the new instance answers, the next SYN completes.
        script.add(FrameBuilder.arpRequest(from: server.mac, ip: server.ip, asking: oldClient.ip), at: 133.1)
        script.add(FrameBuilder.arpReply(from: newClient.mac, ip: newClient.ip, to: server.mac, targetIP: server.ip), at: 133.1002)
        script.add(FrameBuilder.tcp(from: new, to: redis, flags: .syn, seq: 7000, options: FrameBuilder.linuxSYNOptions), at: 134.0005)
        convergedFrame = script.add(FrameBuilder.tcp(from: redis, to: new, flags: [.syn, .ack], seq: 9000, ack: 7001), at: 134.0006)
        script.add(FrameBuilder.tcp(from: new, to: redis, flags: .ack, seq: 7001, ack: 9001), at: 134.0008)
    }
}

/// A keepalived pair (no `use_vmac`: adverts and GARPs carry the nodes' real MACs,
/// protocols.md §3.5) with VIP 10.0.0.100, VRID 51, and a client that pings the VIP.
struct KeepalivedPair {
    let node1 = Station("02:aa:00:00:00:01", "10.0.0.11")
    let node2 = Station("02:aa:00:00:00:02", "10.0.0.12")
    let vip = IPv4Address("10.0.0.100")!
    let client = Station("02:00:00:00:00:50", "10.0.0.50")

    func advert(_ node: Station, priority: UInt8) -> [UInt8] {
        FrameBuilder.vrrpAdvert(vrid: 51, priority: priority, addresses: [vip], from: node.ip, sourceMAC: node.mac)
    }

    func garp(_ node: Station) -> [UInt8] { FrameBuilder.gratuitousARP(from: node.mac, ip: vip) }

    /// The client pings the VIP through `node` (and `node` answers unless `answered` is false).
    func ping(_ script: inout Script, via node: Station, at time: Double, sequence: UInt16, answered: Bool = true) {
        script.add(FrameBuilder.icmpEchoRequest(from: client.host, to: (node.mac, vip), sequence: sequence), at: time)
        if answered {
            script.add(FrameBuilder.icmpEchoReply(from: (node.mac, vip), to: client.host, sequence: sequence), at: time + 0.0003)
        }
    }
}
