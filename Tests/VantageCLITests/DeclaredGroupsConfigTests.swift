import Foundation
import Testing
import VantageCapture
import VantageWire

/// The config file's `groups:`: declared VRRP/CARP/HSRP members name a silent backup.
@Suite struct DeclaredGroupsConfigTests {
    private static let master = (MACAddress("02:aa:00:00:00:01")!, IPv4Address("10.0.0.2")!)
    private static let backup = (MACAddress("02:aa:00:00:00:02")!, IPv4Address("10.0.0.3")!)
    private static let client = (MACAddress("02:cc:00:00:00:01")!, IPv4Address("10.0.0.50")!)
    private static let vip = IPv4Address("10.0.0.100")!

    /// The master advertises vrid 51 every second for 20 s; from 5 s to 10 s the client pings the
    /// VIP at the (silent) backup's MAC.
    private func capture(in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("silent-backup.pcap").path
        let writer = try PcapWriter(path: path, linkType: .ethernet)
        let start = Timestamp(seconds: 1_795_300_000)
        var frames: [(Int64, [UInt8])] = (0...20).map { second in
            (Int64(second) * 1_000_000_000,
             FrameBuilder.vrrpAdvert(vrid: 51, priority: 150, addresses: [Self.vip], from: Self.master.1, sourceMAC: Self.master.0))
        }
        for index in 0..<25 {
            let ping = FrameBuilder.icmpEchoRequest(from: Self.client, to: (Self.backup.0, Self.vip), sequence: UInt16(index + 1))
            frames.append((5_000_000_000 + Int64(index) * 200_000_000, ping))
        }
        for (time, frame) in frames.sorted(by: { $0.0 < $1.0 }) {
            try writer.write(timestamp: start + time, originalLength: frame.count, bytes: frame.span)
        }
        try writer.close()
        return path
    }

    @Test func declaredMembersNameTheSilentBackup() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try capture(in: directory)
        let config = directory.appendingPathComponent("vantage.yaml")
        try Data("""
            groups:
              - protocol: vrrp
                id: 51
                routers:
                  - {ip: 10.0.0.2, mac: "02:aa:00:00:00:01"}
                  - {ip: 10.0.0.3, mac: "02:aa:00:00:00:02"}

            """.utf8).write(to: config)
        let result = try CommandRunner.vantage(["analyze", "--format", "json", "--config", config.path, path])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("vip.traffic_to_backup"))
        #expect(result.stdout.contains("backup 10.0.0.3"), "\(result.stdout)")
    }

    @Test func aBadGroupIsAUsageError() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try capture(in: directory)
        let config = directory.appendingPathComponent("vantage.yaml")
        for bad in [
            "groups: [{protocol: glbp, id: 1, routers: [{ip: 10.0.0.2, mac: \"02:aa:00:00:00:01\"}]}]",
            "groups: [{protocol: vrrp, id: 1, routers: [{ip: 10.0.0, mac: \"02:aa:00:00:00:01\"}]}]",
            "groups: [{protocol: vrrp, id: 1, routers: [{ip: 10.0.0.2, mac: \"02:aa\"}]}]",
        ] {
            try Data((bad + "\n").utf8).write(to: config)
            let result = try CommandRunner.vantage(["analyze", "--config", config.path, path])
            #expect(result.status == 2, "\(bad)")
            #expect(result.stderr.contains("groups"), "\(bad): \(result.stderr)")
        }
    }
}
