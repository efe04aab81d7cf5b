// NeighborTable.observe cost on synthetic decoded frames (run with Benchmarks/neighbor-table.sh).
// "loop" is the cost of materialising each Observation and handing it to a non-inlined
// function; the table and engine figures are per frame beyond that loop.
import VantageCapture
import VantageDetect
import VantageState
import VantageWire
#if canImport(Glibc)
import Glibc
#endif

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

// 200 hosts on VLAN 0 and 20, a router with off-link traffic.
let decoder = PacketDecoder()
func decode(_ bytes: [UInt8]) -> DecodedPacket { decoder.decode(bytes.span, linkType: .ethernet) }
var setup: [DecodedPacket] = []
var pool: [DecodedPacket] = []
let router = (mac: MACAddress(0x02, 0, 0, 0, 0xFF, 0xFE), ip: IPv4Address(10, 1, 0, 1))
var hosts: [(mac: MACAddress, ip: IPv4Address, vlan: UInt16)] = []
for index in 0..<200 {
    let vlan: UInt16 = index < 100 ? 0 : 20
    hosts.append((MACAddress(0x02, 0, 0, 0, UInt8(index / 256), UInt8(index % 256)), IPv4Address(10, vlan == 0 ? 1 : 20, 0, UInt8(10 + index % 100)), vlan))
}
for host in hosts {
    let vlans: [FrameBuilder.VLAN] = host.vlan == 0 ? [] : [FrameBuilder.VLAN(host.vlan)]
    setup.append(decode(FrameBuilder.gratuitousARP(from: host.mac, ip: host.ip, vlans: vlans)))
}
var seed: UInt64 = 1
@MainActor func next() -> UInt64 { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return seed >> 33 }
for _ in 0..<8192 {
    let a = hosts[Int(next() % 200)]
    let vlans: [FrameBuilder.VLAN] = a.vlan == 0 ? [] : [FrameBuilder.VLAN(a.vlan)]
    let kind = next() % 10
    if kind < 8 {
        // host to host in the same VLAN
        let peers = hosts.filter { $0.vlan == a.vlan }
        let b = peers[Int(next() % UInt64(peers.count))]
        pool.append(decode(FrameBuilder.tcp(from: (a.mac, a.ip, 40000), to: (b.mac, b.ip, 443), flags: [.ack], payload: Array(repeating: 0, count: 100), vlans: vlans)))
    } else {
        // off-link via the router
        let remote = IPv4Address(203, 0, 113, UInt8(next() % 250))
        if kind == 8 {
            pool.append(decode(FrameBuilder.tcp(from: (router.mac, remote, 443), to: (a.mac, a.ip, 40000), flags: [.ack], vlans: vlans)))
        } else {
            pool.append(decode(FrameBuilder.tcp(from: (a.mac, a.ip, 40000), to: (router.mac, remote, 443), flags: [.ack], vlans: vlans)))
        }
    }
}
print("DecodedPacket size \(MemoryLayout<DecodedPacket>.size) B, Observation \(MemoryLayout<Observation>.size) B")

let arguments = CommandLine.arguments
let frames = arguments.count > 1 ? Int(arguments[1])! : 1_000_000
let rounds = arguments.count > 2 ? Int(arguments[2])! : 3
let tableOnly = arguments.count > 3
nonisolated func observations(_ setup: [DecodedPacket], _ pool: [DecodedPacket], _ frames: Int, _ body: (Observation) -> Void) {
    var time = Timestamp(seconds: 1_700_000_000)
    var frame = 0
    for packet in setup {
        frame += 1
        body(Observation(reference: FrameReference(vantage: 0, frame: frame, time: time), packet: packet, originalLength: 60))
    }
    for index in 0..<frames {
        frame += 1
        time += 90_000
        body(Observation(reference: FrameReference(vantage: 0, frame: frame, time: time), packet: pool[index & 8191], originalLength: 154))
    }
}

final class Sink { var total = 0 }
@inline(never) func consume(_ observation: Observation, _ sink: Sink) {
    if case .ipv4(let header) = observation.packet.network { sink.total &+= Int(header.ttl) }
}
for round in 0..<rounds {
    let sink = Sink()
    var checksum = 0
    var start = now()
    observations(setup, pool, frames) { observation in consume(observation, sink) }
    checksum = sink.total
    let baseline = now() - start
    let table = NeighborTable()
    start = now()
    observations(setup, pool, frames) { observation in table.observe(observation) }
    let elapsed = now() - start
    var full = 0.0
    var findings: [Finding] = []
    if !tableOnly {
        let engine = AnalysisEngine(configuration: AnalysisConfiguration(), vantageNames: ["bench"])
        start = now()
        observations(setup, pool, frames) { observation in engine.observe(observation) }
        findings = engine.finish()
        full = now() - start
    }
    let engineText = tableOnly ? "" : "; engine with the standard detectors \(Int((full - baseline) / Double(frames) * 1e9)) ns/frame, \(findings.count) findings"
    print("round \(round): loop \(Int(baseline / Double(frames) * 1e9)) ns/frame; NeighborTable.observe \(Int((elapsed - baseline) / Double(frames) * 1e9)) ns/frame (\(Int(elapsed * 1000)) ms total)\(engineText); addresses \(table.addressCount) senders \(table.senderCount) [\(checksum)]")
}
