import Testing
import VantageWire

/// Shared helpers for the transport / redundancy / application decoder tests.
enum Upper {
    /// Bytes from hex text; spaces, `|` and newlines are ignored.
    static func bytes(_ hex: String) -> [UInt8] {
        let digits = hex.filter { $0.isHexDigit }
        precondition(digits.count % 2 == 0, "odd number of hex digits")
        var out: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            out.append(UInt8(digits[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    /// Checks that `parse` throws `.truncated` for `layer` on every prefix `0 ..< end` of `bytes`.
    static func expectTruncatedPrefixes(
        _ bytes: [UInt8], end: Int? = nil, layer: ProtocolLayer,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ parse: (Span<UInt8>) throws(DecodeError) -> Void
    ) {
        for length in 0..<(end ?? bytes.count) {
            let prefix = Array(bytes[0..<length])
            do {
                try parse(prefix.span)
                Issue.record("prefix of \(length) bytes parsed", sourceLocation: sourceLocation)
            } catch {
                #expect(error.isTruncation, "prefix \(length): \(error)", sourceLocation: sourceLocation)
                #expect(error.layer == layer, "prefix \(length): \(error)", sourceLocation: sourceLocation)
            }
        }
    }

    /// Deterministic pseudo-random bytes (xorshift64*), for never-trap tests.
    struct Noise {
        var state: UInt64
        init(seed: UInt64) { state = seed | 1 }
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
        mutating func bytes(_ count: Int) -> [UInt8] {
            (0..<count).map { _ in UInt8(truncatingIfNeeded: next() >> 56) }
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    /// Feeds `parse` random buffers and single-byte mutations of `seeds`; passing = no trap.
    static func hammer(
        seeds: [[UInt8]], rounds: Int = 3000, maxLength: Int = 96,
        _ parse: (Span<UInt8>) -> Void
    ) {
        var noise = Noise(seed: 0x5EED_1234_ABCD)
        for round in 0..<rounds {
            var buffer: [UInt8]
            if !seeds.isEmpty && round % 2 == 0 {
                buffer = seeds[round % seeds.count]
                for _ in 0..<(1 + noise.below(3)) where !buffer.isEmpty {
                    buffer[noise.below(buffer.count)] = UInt8(truncatingIfNeeded: noise.next())
                }
                if noise.below(4) == 0 { buffer = Array(buffer.prefix(noise.below(buffer.count + 1))) }
            } else {
                buffer = noise.bytes(noise.below(maxLength + 1))
            }
            parse(buffer.span)
        }
    }
}
