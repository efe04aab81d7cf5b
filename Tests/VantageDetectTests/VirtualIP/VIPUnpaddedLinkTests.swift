import Testing
import VantageCapture
import VantageDetect
import VantageState
import VantageWire

/// Scenario 001-synack-to-backup on veth links, where short frames are not padded to 60 octets:
/// at an Ethernet vantage every host's adverts look like the capture host's own, so only a
/// cooked (`-i any`) capture says which node it was taken on.
@Suite struct VIPUnpaddedLinkTests {
    typealias F = VIPFixture
    static let server: FrameBuilder.Host = (MACAddress(0x02, 0xAA, 0, 0, 0, 0x20), IPv4Address(10, 0, 0, 20))

    /// B master until A (higher priority) preempts it at 10.5 s; vantage 0 = A's eth0 (Ethernet,
    /// unpadded), vantage 1 = B's `any` (cooked v2). From 20 s the server's SYN-ACKs through the
    /// VIP reach A; `strays` of them are also handed to B's port (marked "other host" there).
    static func timeline(strays: Int) -> Timeline {
        var timeline = Timeline(vantages: ["gw1", "gw2"])
        func advert(_ node: FrameBuilder.Host, at time: Double) {
            let frame = FrameBuilder.vrrpAdvert(
                vrid: F.vrid, priority: node.mac == F.nodeA.mac ? 150 : 100, addresses: [F.vip], from: node.ip,
                sourceMAC: node.mac, padTo: 0)
            timeline.add(frame, at: time, vantage: 0)
            let direction: LinuxPacketType = node.mac == F.nodeB.mac ? .outgoing : .multicast
            timeline.add(
                FrameBuilder.linuxSLL2(wrapping: frame, packetType: direction), at: time + 0.00001, vantage: 1,
                linkType: .linuxSLL2)
        }
        for second in 0...10 { advert(F.nodeB, at: Double(second)) }
        for second in 0...30 { advert(F.nodeA, at: 10.5 + Double(second)) }
        F.keepalivedGARPs(&timeline, F.nodeA, at: 10.5, vantage: 0)
        for index in 0..<40 {
            let time = 20 + Double(index) * 0.05
            let frame = FrameBuilder.tcp(
                from: (server.mac, server.ip, 7000), to: (F.nodeA.mac, F.remote, UInt16(40_000 + index)),
                flags: [.syn, .ack])
            timeline.add(frame, at: time, vantage: 0)
            if index < strays {
                timeline.add(
                    FrameBuilder.linuxSLL2(wrapping: frame, packetType: .otherHost), at: time + 0.00001, vantage: 1,
                    linkType: .linuxSLL2)
            }
        }
        return timeline
    }

    @Test func anEthernetVantageSeeingBothNodesIsNoRouterOfTheGroup() {
        let groups = F.engine(Self.timeline(strays: 0))
        #expect(groups.routers(atVantage: 0).isEmpty)
        let atBackup = groups.routers(atVantage: 1)
        #expect(atBackup.count == 1)
        if let pair = atBackup.first {
            #expect(groups.groups[pair.group].routers[pair.router].address == .v4(F.nodeB.ip))
        }
    }

    @Test func firesOnStraysMarkedForAnotherHostAtTheBackup() throws {
        let findings = F.run(Self.timeline(strays: 6), VIPTrafficToBackupDetector(configuration: .init()))
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(finding.summary.contains("backup 10.0.0.3 (captured at gw2)"))
        #expect(finding.details["frames"] == .int(6))
        #expect(finding.details["paths"] == .object(["at_backup_vantage": .int(6)]))
        // Every stray at the backup's vantage; copies at the primary's are its journey, not strays.
        #expect(finding.evidence.filter { $0.reference.vantage == 1 }.count == 6)
    }

    /// The primary's own traffic (to its MAC, at its unpadded Ethernet vantage) is no stray.
    @Test func quietWithoutStrays() {
        #expect(F.run(Self.timeline(strays: 0), VIPTrafficToBackupDetector(configuration: .init())).isEmpty)
        #expect(Self.timeline(strays: 0).findings().atLeast(.warning).isEmpty)
    }
}
