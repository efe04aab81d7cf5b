#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// vantage-benchgen --frames N --out FILE [--seed S]
//
// Writes a deterministic synthetic data-centre capture (classic little-endian µs pcap,
// Ethernet) for the benchmarks. See Benchmarks/README.md for the traffic mix.

let usage = """
    usage: vantage-benchgen --frames N --out FILE [--seed S]
      --frames N   number of frames (suffixes k and M allowed: 1M = 1000000)
      --out FILE   output pcap ('-' for standard output)
      --seed S     PRNG seed (default 1); the same seed always gives the same bytes

    """

func parseCount(_ text: String) -> Int? {
    var digits = Substring(text)
    var scale = 1
    if digits.hasSuffix("k") || digits.hasSuffix("K") {
        scale = 1_000
        digits = digits.dropLast()
    } else if digits.hasSuffix("M") || digits.hasSuffix("m") {
        scale = 1_000_000
        digits = digits.dropLast()
    }
    guard let value = Int(digits), value >= 0 else { return nil }
    let (product, overflow) = value.multipliedReportingOverflow(by: scale)
    return overflow ? nil : product
}

func monotonicSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

func usageError(_ message: String) -> Never {
    var text = "vantage-benchgen: \(message)\n\(usage)"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    exit(2)
}

var frames: Int?
var outPath: String?
var seed: UInt64 = 1
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--frames":
        guard let value = arguments.popFirst(), let count = parseCount(value) else { usageError("bad --frames") }
        frames = count
    case "--out":
        guard let value = arguments.popFirst() else { usageError("missing --out value") }
        outPath = value
    case "--seed":
        guard let value = arguments.popFirst(), let parsed = UInt64(value) else { usageError("bad --seed") }
        seed = parsed
    case "-h", "--help":
        print(usage, terminator: "")
        exit(0)
    default:
        usageError("unknown argument \(argument)")
    }
}
guard let frames, let outPath else { usageError("--frames and --out are required") }

let fd: Int32 = outPath == "-" ? 1 : open(outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
if fd < 0 { fatal("cannot open \(outPath): errno \(errno)") }

let start = monotonicSeconds()
var generator = Generator(seed: seed, fd: fd)
generator.run(frames: frames)
let elapsed = monotonicSeconds() - start
let bytes = generator.out.bytesWritten
let mb = Double(bytes) / 1e6
let summary = Generator.Category.allCases.map { "\($0)=\(generator.counts[$0.rawValue])" }.joined(separator: " ")
var report = """
    vantage-benchgen: \(frames) frames, \(bytes) bytes (mean frame \(frames > 0 ? (Int(bytes) - 24) / frames - 16 : 0) B), \
    span \(generator.now / 1_000_000) s, \(String(format3(elapsed))) s, \(Int(mb / max(elapsed, 1e-9))) MB/s
    vantage-benchgen: \(summary)

    """
report.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }

/// `value` with three decimals (no Foundation).
func format3(_ value: Double) -> String {
    let thousandths = Int((value * 1000).rounded())
    let fraction = String(thousandths % 1000)
    return "\(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
}
