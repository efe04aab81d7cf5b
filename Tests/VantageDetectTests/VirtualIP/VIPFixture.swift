import VantageCapture
import VantageDetect
import VantageState
import VantageWire

/// A two-node cluster on one LAN, and scripts of what keepalived, ucarp, BSD CARP and HSRP put
/// on the wire (protocols.md §3–§5), for the virtual-IP tests.
enum VIPFixture {
    static let vip = IPv4Address(10, 0, 0, 100)
    static let vip2 = IPv4Address(10, 0, 0, 101)
    static let nodeA: FrameBuilder.Host = (MACAddress(0x02, 0xAA, 0, 0, 0, 0x01), IPv4Address(10, 0, 0, 2))
    static let nodeB: FrameBuilder.Host = (MACAddress(0x02, 0xAA, 0, 0, 0, 0x02), IPv4Address(10, 0, 0, 3))
    static let client: FrameBuilder.Host = (MACAddress(0x02, 0xCC, 0, 0, 0, 0x01), IPv4Address(10, 0, 0, 50))
    static let client2: FrameBuilder.Host = (MACAddress(0x02, 0xCC, 0, 0, 0, 0x02), IPv4Address(10, 0, 0, 51))
    static let remote = IPv4Address(192, 168, 50, 7)
    static let vrid: UInt8 = 51

    /// keepalived adverts (real MAC as source, no use_vmac) every `interval` s in [from, to].
    static func keepalived(
        _ timeline: inout Timeline, _ node: FrameBuilder.Host, priority: UInt8, from: Double, to: Double,
        interval: Double = 1, vips: [IPv4Address] = [vip], vantage: Int = 0, version: UInt8 = 2, ttl: UInt8 = 255,
        password: String? = nil
    ) {
        var time = from
        while time <= to + 1e-9 {
            timeline.add(
                FrameBuilder.vrrpAdvert(
                    vrid: vrid, priority: priority, addresses: vips, from: node.ip, version: version,
                    intervalCentiseconds: UInt16(interval * 100), password: password, sourceMAC: node.mac, ttl: ttl),
                at: time, vantage: vantage)
            time += interval
        }
    }

    /// keepalived's resignation: one advert with priority 0.
    static func resign(_ timeline: inout Timeline, _ node: FrameBuilder.Host, at time: Double, vantage: Int = 0) {
        timeline.add(
            FrameBuilder.vrrpAdvert(vrid: vrid, priority: 0, addresses: [vip], from: node.ip, sourceMAC: node.mac),
            at: time, vantage: vantage)
    }

    /// A burst of `count` back-to-back gratuitous ARPs for `ip` from `mac`.
    static func garps(
        _ timeline: inout Timeline, mac: MACAddress, ip: IPv4Address = vip, at time: Double, count: Int = 5,
        style: FrameBuilder.GratuitousARPStyle = .keepalived, vantage: Int = 0
    ) {
        for index in 0..<count {
            timeline.add(
                FrameBuilder.gratuitousARP(from: mac, ip: ip, style: style), at: time + Double(index) * 0.0001,
                vantage: vantage)
        }
    }

    /// keepalived's takeover: advert, then 5 GARPs at once and 5 more 5 s later.
    static func keepalivedGARPs(_ timeline: inout Timeline, _ node: FrameBuilder.Host, at time: Double, vantage: Int = 0) {
        garps(&timeline, mac: node.mac, at: time + 0.001, vantage: vantage)
        garps(&timeline, mac: node.mac, at: time + 5.001, vantage: vantage)
    }

    /// ucarp adverts (source 00:00:5e:00:00:vhid) every advbase + advskew/256 s in [from, to].
    static func ucarp(
        _ timeline: inout Timeline, _ node: FrameBuilder.Host, vhid: UInt8 = 7, advskew: UInt8 = 0, from: Double,
        to: Double, vantage: Int = 0
    ) {
        let period = 1 + Double(advskew) / 256
        var time = from
        while time <= to + 1e-9 {
            timeline.add(FrameBuilder.carpAdvert(vhid: vhid, advskew: advskew, from: node.ip), at: time, vantage: vantage)
            time += period
        }
    }

    /// Kernel CARP adverts (source 00:00:5e:00:01:vhid).
    static func kernelCARP(
        _ timeline: inout Timeline, _ node: FrameBuilder.Host, vhid: UInt8, advskew: UInt8 = 0, from: Double,
        to: Double, vantages: [Int] = [0]
    ) {
        var time = from
        while time <= to + 1e-9 {
            for vantage in vantages {
                timeline.add(
                    FrameBuilder.carpAdvert(
                        vhid: vhid, advskew: advskew, from: node.ip, sourceMAC: CARPAdvertisement.virtualMAC(vhid: vhid)),
                    at: time + 0.00002 * Double(vantage), vantage: vantage)
            }
            time += 1 + Double(advskew) / 256
        }
    }

    /// A client's ping to `destination` (IP) sent to `mac`, every `every` s in [from, to].
    static func pings(
        _ timeline: inout Timeline, from host: FrameBuilder.Host = client, to destination: IPv4Address = vip,
        mac: MACAddress, start: Double, end: Double, every: Double = 0.25, vantage: Int = 0
    ) {
        var time = start
        var sequence: UInt16 = 1
        while time <= end + 1e-9 {
            timeline.add(
                FrameBuilder.icmpEchoRequest(from: host, to: (mac, destination), sequence: sequence), at: time,
                vantage: vantage)
            sequence &+= 1
            time += every
        }
    }

    /// Runs only the virtual-IP engine over `timeline`'s frames and returns it.
    static func engine(_ timeline: Timeline) -> VirtualIPGroups {
        let probe = StateProbe()
        _ = timeline.findings(detectors: [probe])
        return probe.state!.virtualIPs
    }

    /// Runs `detector` (alone) over `timeline`.
    static func run(_ timeline: Timeline, _ detector: any Detector, configuration: AnalysisConfiguration = .init())
        -> [Finding]
    {
        timeline.findings(configuration: configuration, detectors: [detector])
    }
}

/// A detector that only keeps a reference to the shared state, for state-engine tests.
final class StateProbe: Detector {
    static var descriptions: [KindDescription] { [] }
    var interest: ObservationInterest { [] }
    var state: AnalysisState?
    func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {}
    func finish(at time: Timestamp, state: AnalysisState, sink: FindingSink) { self.state = state }
}
