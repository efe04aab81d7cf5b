import VantageCapture
import VantageDetect
import VantageState
import VantageWire

/// Whole scripted episodes: the normal ones every vip.* detector must stay quiet on, and faults.
enum VIPScenarios {
    typealias F = VIPFixture

    /// keepalived A (prio 150) resigns at 10 s (SIGTERM: priority 0); B (100) takes over after
    /// Skew_Time 0.61 s with GARPs 5 + 5; hosts follow at once. Clients ping the VIP and route
    /// through it; ARP for the VIP is answered by whoever is master.
    static func keepalivedResign() -> Timeline {
        var timeline = Timeline()
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 0, to: 9)
        F.resign(&timeline, F.nodeA, at: 10)
        F.keepalived(&timeline, F.nodeB, priority: 100, from: 10.61, to: 40)
        F.keepalivedGARPs(&timeline, F.nodeB, at: 10.61)
        dataPlane(&timeline, switchAt: 10.62, until: 40)
        timeline.add(FrameBuilder.arpRequest(from: F.client.mac, ip: F.client.ip, asking: F.vip), at: 2)
        timeline.add(FrameBuilder.arpReply(from: F.nodeA.mac, ip: F.vip, to: F.client.mac, targetIP: F.client.ip), at: 2.0001)
        timeline.add(FrameBuilder.arpRequest(from: F.client2.mac, ip: F.client2.ip, asking: F.vip), at: 25)
        timeline.add(FrameBuilder.arpReply(from: F.nodeB.mac, ip: F.vip, to: F.client2.mac, targetIP: F.client2.ip), at: 25.0001)
        return timeline
    }

    /// keepalived A killed (SIGKILL) after its advert at 10 s; B takes over 3.61 s later.
    static func keepalivedSigkill(garps: Bool = true, hostsFollowAt: Double = 13.62) -> Timeline {
        var timeline = Timeline()
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 0, to: 10)
        F.keepalived(&timeline, F.nodeB, priority: 100, from: 13.61, to: 40)
        if garps { F.keepalivedGARPs(&timeline, F.nodeB, at: 13.61) }
        dataPlane(&timeline, switchAt: hostsFollowAt, until: 40)
        return timeline
    }

    /// keepalived cold start: both wait master-down, A (150) becomes master at 3.4 s, B (100) at
    /// 3.6 s, both send a GARP burst with their own MAC; B yields on hearing A's next advert.
    static func keepalivedColdStart() -> Timeline {
        var timeline = Timeline()
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 3.4, to: 30)
        F.keepalivedGARPs(&timeline, F.nodeA, at: 3.4)
        F.keepalived(&timeline, F.nodeB, priority: 100, from: 3.6, to: 3.6)
        F.garps(&timeline, mac: F.nodeB.mac, at: 3.601)
        F.pings(&timeline, mac: F.nodeA.mac, start: 4, end: 30)
        return timeline
    }

    /// Cold start the other way round: the lower node wins the race by 0.2 s and is preempted.
    static func keepalivedColdStartReversed() -> Timeline {
        var timeline = Timeline()
        F.keepalived(&timeline, F.nodeB, priority: 100, from: 3.4, to: 3.4)
        F.garps(&timeline, mac: F.nodeB.mac, at: 3.401)
        F.keepalived(&timeline, F.nodeA, priority: 150, from: 3.6, to: 30)
        F.keepalivedGARPs(&timeline, F.nodeA, at: 3.6)
        F.pings(&timeline, mac: F.nodeA.mac, start: 4, end: 30)
        return timeline
    }

    /// ucarp: A (advskew 0) master, killed after its advert at 10 s; B (advskew 100) takes over
    /// 4.66 s later (3.39 s plus ucarp's poll loop), with one GARP (THA = SHA) and another after
    /// two adverts. Adverts come from 00:00:5e:00:00:07; the VIP is answered by real MACs.
    static func ucarpFailover() -> Timeline {
        var timeline = Timeline()
        F.ucarp(&timeline, F.nodeA, from: 0, to: 10)
        timeline.add(FrameBuilder.gratuitousARP(from: F.nodeA.mac, ip: F.vip, style: .ucarp), at: 0.0005)
        F.ucarp(&timeline, F.nodeB, advskew: 100, from: 14.66, to: 40)
        timeline.add(FrameBuilder.gratuitousARP(from: F.nodeB.mac, ip: F.vip, style: .ucarp), at: 14.659)
        timeline.add(FrameBuilder.gratuitousARP(from: F.nodeB.mac, ip: F.vip, style: .ucarp), at: 17.45)
        timeline.add(FrameBuilder.arpReply(from: F.nodeA.mac, ip: F.vip, to: F.client.mac, targetIP: F.client.ip), at: 2)
        timeline.add(FrameBuilder.arpReply(from: F.nodeB.mac, ip: F.vip, to: F.client2.mac, targetIP: F.client2.ip), at: 25)
        F.pings(&timeline, mac: F.nodeA.mac, start: 0.5, end: 14.6)
        F.pings(&timeline, mac: F.nodeB.mac, start: 14.7, end: 40)
        return timeline
    }

    /// HSRP v1 group 1: R1 active (prio 110) hellos from the virtual MAC, R2 standby from its own
    /// MAC, every 3 s; hosts use the virtual MAC; the active router answers ARP with it.
    static func hsrpNormal() -> Timeline {
        var timeline = Timeline()
        let virtualMAC = HSRPMessage.virtualMACv1(group: 1)
        for second in stride(from: 0.0, through: 60, by: 3) {
            timeline.add(
                FrameBuilder.hsrpHello(group: 1, priority: 110, state: .active, virtualIP: F.vip, from: (virtualMAC, F.nodeA.ip)),
                at: second)
            timeline.add(
                FrameBuilder.hsrpHello(group: 1, priority: 100, state: .standby, virtualIP: F.vip, from: F.nodeB),
                at: second + 0.7)
        }
        timeline.add(FrameBuilder.arpReply(from: virtualMAC, ip: F.vip, to: F.client.mac, targetIP: F.client.ip), at: 1)
        F.pings(&timeline, mac: virtualMAC, start: 1, end: 60, every: 0.5)
        F.pings(&timeline, from: F.client2, to: F.remote, mac: virtualMAC, start: 1, end: 60, every: 0.5)
        // The standby's own traffic: a host talks to its own address.
        F.pings(&timeline, from: F.client2, to: F.nodeB.ip, mac: F.nodeB.mac, start: 2, end: 10, every: 1)
        return timeline
    }

    /// Clients ping the VIP and route through it via A's MAC, then B's MAC from `switchAt`.
    static func dataPlane(_ timeline: inout Timeline, switchAt: Double, until end: Double) {
        F.pings(&timeline, mac: F.nodeA.mac, start: 0.5, end: switchAt - 0.01)
        F.pings(&timeline, mac: F.nodeB.mac, start: switchAt, end: end)
        F.pings(&timeline, from: F.client2, to: F.remote, mac: F.nodeA.mac, start: 0.6, end: switchAt - 0.01, every: 0.5)
        F.pings(&timeline, from: F.client2, to: F.remote, mac: F.nodeB.mac, start: switchAt, end: end, every: 0.5)
    }

    /// Every normal scenario, by name.
    static var normal: [(String, Timeline)] {
        [
            ("keepalived resign", keepalivedResign()), ("keepalived SIGKILL", keepalivedSigkill()),
            ("keepalived cold start", keepalivedColdStart()),
            ("keepalived cold start, lower node first", keepalivedColdStartReversed()),
            ("ucarp failover", ucarpFailover()), ("HSRP", hsrpNormal()),
        ]
    }

    // MARK: - Seed 001: a CARP backup receiving VIP traffic

    static let carpVIP = IPv4Address(192, 168, 80, 254)
    static let carpMaster: FrameBuilder.Host = (MACAddress(0x90, 0xE2, 0xBA, 0x0D, 0x0A, 0x98), IPv4Address(192, 168, 80, 251))
    static let carpBackup: FrameBuilder.Host = (MACAddress(0x90, 0xE2, 0xBA, 0x0D, 0x0A, 0x7D), IPv4Address(192, 168, 80, 252))
    static let web: FrameBuilder.Host = (MACAddress(0x00, 0x25, 0x90, 0x00, 0x00, 0x06), IPv4Address(192, 168, 80, 6))
    static let web2: FrameBuilder.Host = (MACAddress(0x00, 0x25, 0x90, 0x00, 0x00, 0x02), IPv4Address(192, 168, 80, 2))
    static let internetClient = IPv4Address(192, 168, 0, 17)
    static let carpVirtualMAC = CARPAdvertisement.virtualMAC(vhid: 2)

    /// FreeBSD kernel CARP vhid 2 (advbase 1): the master advertises from 00:00:5e:00:01:02; both
    /// nodes send pfsync; the web servers use the VIP as their gateway. Captured at the web
    /// server (0), the master (1) and the backup (2). With `strays`, 56 of the web server's
    /// echo requests to the VIP, 11 ms apart, and one SYN-ACK routed via the VIP, go to the
    /// backup's own MAC and are captured at the web server and the backup.
    static func carpSeed(strays: Bool) -> Timeline {
        var timeline = Timeline(vantages: ["web", "fw-master", "fw-backup"])
        let pfsyncGroup = IPv4Address(224, 0, 0, 240)
        for node in [carpMaster, carpBackup] {
            for vantage in 0..<3 {
                timeline.add(
                    FrameBuilder.ipv4(
                        from: node, to: (pfsyncGroup.multicastMAC, pfsyncGroup), protocol: .pfsync,
                        payload: [UInt8](repeating: 0, count: 12), ttl: 255),
                    at: 0.2, vantage: vantage)
            }
        }
        F.kernelCARP(&timeline, carpMaster, vhid: 2, from: 0, to: 60, vantages: [0, 1, 2])
        timeline.add(FrameBuilder.arpRequest(from: web.mac, ip: web.ip, asking: carpVIP), at: 0.5, vantage: 0)
        timeline.add(
            FrameBuilder.arpReply(from: carpVirtualMAC, ip: carpVIP, to: web.mac, targetIP: web.ip), at: 0.5002, vantage: 0)
        // Flood ping: 1 ms apart in the normal case (to the virtual MAC), at the web server and the master.
        var time = 10.0
        var sequence: UInt16 = 16000
        while time < 30 {
            let frame = FrameBuilder.icmpEchoRequest(from: web, to: (carpVirtualMAC, carpVIP), identifier: 22737, sequence: sequence)
            timeline.add(frame, at: time, vantage: 0)
            timeline.add(frame, at: time + 0.00003, vantage: 1)
            sequence &+= 1
            time += 0.05
        }
        // Web traffic back to an off-link client, routed via the VIP (virtual MAC).
        for second in stride(from: 5.0, through: 55, by: 1) {
            let synAck = FrameBuilder.tcp(
                from: (web2.mac, web2.ip, 80), to: (carpVirtualMAC, internetClient, 30892), flags: [.syn, .ack])
            timeline.add(synAck, at: second, vantage: 0)
            timeline.add(synAck, at: second + 0.0003, vantage: 1)
        }
        // The backup's own traffic: a host talks to its address, it talks to an off-link host.
        for second in stride(from: 2.0, through: 50, by: 4) {
            let toBackup = FrameBuilder.icmpEchoRequest(from: web, to: carpBackup)
            timeline.add(toBackup, at: second, vantage: 0)
            timeline.add(toBackup, at: second + 0.0001, vantage: 2)
            let fromBackup = FrameBuilder.icmpEchoRequest(from: carpBackup, to: (MACAddress(0x02, 0x99, 0, 0, 0, 1), internetClient))
            timeline.add(fromBackup, at: second + 0.5, vantage: 2)
        }
        guard strays else { return timeline }
        time = 34.432811
        for index in 0..<56 {
            let frame = FrameBuilder.icmpEchoRequest(
                from: web, to: (carpBackup.mac, carpVIP), identifier: 22737, sequence: UInt16(16720 + index))
            timeline.add(frame, at: time, vantage: 0)
            timeline.add(frame, at: time + 0.00004, vantage: 2)
            time += 0.011
        }
        let stray = FrameBuilder.tcp(
            from: (web2.mac, web2.ip, 80), to: (carpBackup.mac, internetClient, 30892), flags: [.syn, .ack])
        timeline.add(stray, at: 45.263024, vantage: 2)
        return timeline
    }
}
