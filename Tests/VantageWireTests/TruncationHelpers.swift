import Testing
import VantageWire

/// Bytes from hex text; whitespace and `|` separators are ignored.
func hexBytes(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    var high: UInt8?
    for scalar in text.unicodeScalars {
        let nibble: UInt8
        switch scalar.value {
        case 0x30...0x39: nibble = UInt8(scalar.value - 0x30)
        case 0x41...0x46: nibble = UInt8(scalar.value - 0x41 + 10)
        case 0x61...0x66: nibble = UInt8(scalar.value - 0x61 + 10)
        default: continue
        }
        if let pending = high {
            out.append(pending << 4 | nibble)
            high = nil
        } else {
            high = nibble
        }
    }
    precondition(high == nil, "odd number of hex digits")
    return out
}

/// Checks that every prefix of `bytes` shorter than `needed` throws `.truncated` for `layer`
/// (with `available` equal to the prefix length and `needed` above it) and never traps.
func expectTruncatedBelow<T>(
    _ needed: Int, of bytes: [UInt8], layer: ProtocolLayer, sourceLocation: SourceLocation = #_sourceLocation,
    _ parse: (Span<UInt8>) throws -> T
) {
    for length in 0..<min(needed, bytes.count) {
        let prefix = Array(bytes[0..<length])
        do {
            _ = try parse(prefix.span)
            Issue.record("prefix of \(length) bytes parsed; expected truncation", sourceLocation: sourceLocation)
        } catch {
            guard let error = error as? DecodeError else {
                Issue.record("prefix of \(length) bytes: unexpected \(error)", sourceLocation: sourceLocation)
                continue
            }
            switch error {
            case .truncated(let errorLayer, let errorNeeded, let available):
                #expect(errorLayer == layer, "length \(length)", sourceLocation: sourceLocation)
                #expect(available == length, "length \(length)", sourceLocation: sourceLocation)
                #expect(errorNeeded > length, "length \(length)", sourceLocation: sourceLocation)
            case .malformed:
                Issue.record("prefix of \(length) bytes: \(error); expected truncation", sourceLocation: sourceLocation)
            }
        }
    }
}

/// Checks that every prefix of `bytes` from `needed` on parses.
func expectParsesFrom<T>(
    _ needed: Int, of bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation,
    _ parse: (Span<UInt8>) throws -> T
) {
    for length in needed...bytes.count {
        let prefix = Array(bytes[0..<length])
        do {
            _ = try parse(prefix.span)
        } catch {
            Issue.record("prefix of \(length) bytes: \(error)", sourceLocation: sourceLocation)
        }
    }
}

/// A small deterministic generator (SplitMix64) for noise tests.
struct WireNoiseGenerator: RandomNumberGenerator {
    /// The running state.
    var state: UInt64

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Feeds random bytes and mutated copies of `seeds` (bytes changed, cut, extended) to `parse`.
/// A trap fails the run; `ranges` of each successful parse must lie within the input.
func expectNoTrapOnNoise<T>(
    seeds: [[UInt8]], iterations: Int = 3000, sourceLocation: SourceLocation = #_sourceLocation,
    parse: (Span<UInt8>) throws -> T, ranges: (T) -> [Range<Int>] = { _ in [] }
) {
    var random = WireNoiseGenerator(state: 0x5EED_0000 &+ UInt64(seeds.count))
    var parsed = 0
    for iteration in 0..<iterations {
        var input: [UInt8]
        if seeds.isEmpty || iteration % 4 == 0 {
            input = (0..<Int.random(in: 0...96, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        } else {
            input = seeds[Int.random(in: 0..<seeds.count, using: &random)]
            for _ in 0..<Int.random(in: 1...4, using: &random) where !input.isEmpty {
                let index = Int.random(in: 0..<input.count, using: &random)
                input[index] = [0x00, 0xFF, 0x01, 0x80, UInt8.random(in: 0...255, using: &random)][iteration % 5]
            }
            switch iteration % 3 {
            case 0: input = Array(input.prefix(Int.random(in: 0...input.count, using: &random)))
            case 1:
                input += (0..<Int.random(in: 0...8, using: &random)).map { _ in
                    UInt8.random(in: 0...255, using: &random)
                }
            default: break
            }
        }
        do {
            let value = try parse(input.span)
            parsed += 1
            for range in ranges(value) {
                #expect(
                    range.lowerBound >= 0 && range.upperBound <= input.count, "range \(range) outside \(input.count)",
                    sourceLocation: sourceLocation)
            }
        } catch {
            // Throwing is fine; trapping is not.
        }
    }
    #expect(seeds.isEmpty || parsed > 0, "no noisy input parsed at all", sourceLocation: sourceLocation)
}
