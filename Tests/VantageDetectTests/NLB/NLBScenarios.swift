import VantageCapture
import VantageDetect
import VantageState
import VantageWire

/// Scripted Windows NLB clusters built from the layouts in protocols.md §6: two hosts
/// (host IDs 1 and 2, dedicated IPs 10.0.0.11 / .12) in cluster 10.0.0.100, a router/client
/// 10.0.0.1 and a bystander 10.0.0.50 that is no member.
enum NLBScenarios {
    static let cluster = IPv4Address(10, 0, 0, 100)
    static let host1 = IPv4Address(10, 0, 0, 11)
    static let host2 = IPv4Address(10, 0, 0, 12)
    static let client = IPv4Address(10, 0, 0, 1)
    static let clientMAC = MACAddress(rawValue: 0x02AA_0000_0001)
    static let bystander = IPv4Address(10, 0, 0, 50)
    static let bystanderMAC = MACAddress(rawValue: 0x02AA_0000_0050)
    /// Host 1's own (burned-in) NIC MAC, as seen after a live migration breaks NLB.
    static let host1NIC = MACAddress(rawValue: 0x0215_5D00_0011)
    static let host2NIC = MACAddress(rawValue: 0x0215_5D00_0012)

    static var unicastMAC: MACAddress { NLBClusterMAC.unicastMAC(clusterIP: cluster) }
    static var multicastMAC: MACAddress { NLBClusterMAC.multicastMAC(clusterIP: cluster) }
    static func masked(_ hostID: UInt8) -> MACAddress { NLBClusterMAC.maskedSourceMAC(hostID: hostID, clusterIP: cluster) }

    /// Vantage points: 0 = host 1's port, 1 = the client's port, 2 = the bystander's port.
    static let vantages = ["nlb1", "client", "bystander"]

    /// A healthy unicast-mode cluster for `seconds`: heartbeats every second from both hosts
    /// (flooded: seen at every vantage point), the client resolving the cluster IP (both hosts
    /// answer with the cluster MAC from their masked sources), TCP to the cluster answered by
    /// host 1, and each host's dedicated-IP traffic from its masked source.
    /// With `flooding`, the client's frames to the cluster MAC also reach the bystander (and
    /// `bystanders - 1` more bystanders' ports, vantage points "bystander2", ...).
    static func unicast(seconds: Int = 10, flooding: Bool = false, bystanders: Int = 1) -> Timeline {
        var timeline = Timeline(vantages: vantages + (bystanders > 1 ? (2...bystanders).map { "bystander\($0)" } : []))
        let all = Array(0..<(2 + max(1, bystanders)))
        for second in 0..<seconds {
            let t = Double(second)
            for vantage in all {
                timeline.add(FrameBuilder.nlbHeartbeat(hostID: 1, clusterIP: cluster, dedicatedIP: host1), at: t, vantage: vantage)
                timeline.add(FrameBuilder.nlbHeartbeat(hostID: 2, clusterIP: cluster, dedicatedIP: host2), at: t + 0.01, vantage: vantage)
            }
        }
        // The client resolves the cluster IP: both hosts answer with the cluster MAC.
        for vantage in all {
            timeline.add(FrameBuilder.arpRequest(from: clientMAC, ip: client, asking: cluster), at: 0.2, vantage: vantage)
        }
        for (hostID, delay) in [(UInt8(1), 0.201), (UInt8(2), 0.202)] {
            let reply = FrameBuilder.arpReply(
                from: unicastMAC, ip: cluster, to: clientMAC, targetIP: client, ethernetSource: masked(hostID))
            timeline.add(reply, at: delay, vantage: 1)
            if hostID == 1 { timeline.add(reply, at: delay, vantage: 0) }
        }
        // Dedicated IPs: resolved to the cluster MAC too (unicast mode replaces the NIC MAC).
        for (hostID, ip) in [(UInt8(1), host1), (UInt8(2), host2)] {
            let at = 0.3 + Double(hostID) / 100
            for vantage in all {
                timeline.add(FrameBuilder.arpRequest(from: clientMAC, ip: client, asking: ip), at: at, vantage: vantage)
            }
            let reply = FrameBuilder.arpReply(from: unicastMAC, ip: ip, to: clientMAC, targetIP: client, ethernetSource: masked(hostID))
            timeline.add(reply, at: at + 0.001, vantage: 1)
            if hostID == 1 { timeline.add(reply, at: at + 0.001, vantage: 0) }
            let ping = FrameBuilder.tcp(from: (masked(hostID), ip, 3389), to: (clientMAC, client, 50000 + UInt16(hostID)), flags: [.ack], seq: 1, ack: 1)
            timeline.add(ping, at: at + 0.5, vantage: 1)
            if hostID == 1 { timeline.add(ping, at: at + 0.5, vantage: 0) }
        }
        // Client connections to the cluster IP every 0.5 s, answered by host 1.
        var port: UInt16 = 40000
        var t = 1.0
        while t < Double(seconds) {
            let syn = FrameBuilder.tcp(from: (clientMAC, client, port), to: (unicastMAC, cluster, 80), flags: [.syn], seq: 100)
            let synAck = FrameBuilder.tcp(from: (masked(1), cluster, 80), to: (clientMAC, client, port), flags: [.syn, .ack], seq: 500, ack: 101)
            let ack = FrameBuilder.tcp(from: (clientMAC, client, port), to: (unicastMAC, cluster, 80), flags: [.ack], seq: 101, ack: 501, payload: Array(repeating: 0x41, count: 400))
            for vantage in flooding ? all : [0, 1] {
                timeline.add(syn, at: t, vantage: vantage)
                timeline.add(ack, at: t + 0.002, vantage: vantage)
            }
            timeline.add(synAck, at: t + 0.001, vantage: 0)
            timeline.add(synAck, at: t + 0.001, vantage: 1)
            port += 1
            t += 0.5
        }
        // The bystander's own traffic with the client.
        for vantage in [1, 2] {
            timeline.add(FrameBuilder.tcp(from: (bystanderMAC, bystander, 22), to: (clientMAC, client, 41000), flags: [.ack], seq: 1, ack: 1), at: 2.5, vantage: vantage)
        }
        return timeline
    }

    /// A healthy multicast-mode (or IGMP-mode) cluster: hosts keep their NIC MACs, heartbeats
    /// and client frames go to the multicast cluster MAC, ARP maps the cluster IP to it.
    static func multicast(mode: NLBMode = .multicast, seconds: Int = 10) -> Timeline {
        var timeline = Timeline(vantages: vantages)
        let clusterMAC = NLBClusterMAC.mac(for: mode, clusterIP: cluster)
        for second in 0..<seconds {
            for vantage in [0, 1, 2] {
                timeline.add(FrameBuilder.nlbHeartbeat(hostID: 1, clusterIP: cluster, dedicatedIP: host1, mode: mode, sourceMAC: host1NIC), at: Double(second), vantage: vantage)
                timeline.add(FrameBuilder.nlbHeartbeat(hostID: 2, clusterIP: cluster, dedicatedIP: host2, mode: mode, sourceMAC: host2NIC), at: Double(second) + 0.01, vantage: vantage)
            }
        }
        for vantage in [0, 1, 2] {
            timeline.add(FrameBuilder.arpRequest(from: clientMAC, ip: client, asking: cluster), at: 0.2, vantage: vantage)
        }
        timeline.add(FrameBuilder.arpReply(from: clusterMAC, ip: cluster, to: clientMAC, targetIP: client, ethernetSource: host1NIC), at: 0.201, vantage: 1)
        timeline.add(FrameBuilder.arpReply(from: clusterMAC, ip: cluster, to: clientMAC, targetIP: client, ethernetSource: host2NIC), at: 0.202, vantage: 1)
        for (mac, ip, at) in [(host1NIC, host1, 0.3), (host2NIC, host2, 0.4)] {
            for vantage in [0, 1, 2] {
                timeline.add(FrameBuilder.arpRequest(from: clientMAC, ip: client, asking: ip), at: at, vantage: vantage)
            }
            timeline.add(FrameBuilder.arpReply(from: mac, ip: ip, to: clientMAC, targetIP: client), at: at + 0.001, vantage: 1)
        }
        var port: UInt16 = 40000
        var t = 1.0
        while t < Double(seconds) {
            for vantage in [0, 1, 2] {
                timeline.add(FrameBuilder.tcp(from: (clientMAC, client, port), to: (clusterMAC, cluster, 80), flags: [.syn], seq: 100), at: t, vantage: vantage)
            }
            timeline.add(FrameBuilder.tcp(from: (host1NIC, cluster, 80), to: (clientMAC, client, port), flags: [.syn, .ack], seq: 500, ack: 101), at: t + 0.001, vantage: 1)
            port += 1
            t += 0.5
        }
        return timeline
    }
}
