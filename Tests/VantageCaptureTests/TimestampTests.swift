import Testing
import VantageCapture

@Suite("Timestamp")
struct TimestampTests {
    @Test func textForms() {
        let t = Timestamp(nanoseconds: 1_795_316_465_123_456_789)
        #expect(t.description == "2026-11-22T03:01:05.123456789Z")
        #expect(t.timeOfDay == "03:01:05.123456")
        #expect(t.epochMicroseconds == "1795316465.123456")
        #expect(Timestamp.zero.description == "1970-01-01T00:00:00.000000000Z")
        #expect(Timestamp(nanoseconds: -1).description == "1969-12-31T23:59:59.999999999Z")
        #expect(Timestamp(seconds: 951_782_400).description == "2000-02-29T00:00:00.000000000Z")
    }

    @Test func arithmeticSaturates() {
        let t = Timestamp(nanoseconds: 10)
        #expect((t + 5).nanoseconds == 15)
        #expect((t - 5).nanoseconds == 5)
        #expect(Timestamp(nanoseconds: 20) - t == 10)
        #expect((Timestamp(nanoseconds: .max) + 1).nanoseconds == .max)
        #expect((Timestamp(nanoseconds: .min) - 1).nanoseconds == .min)
        #expect(Timestamp(nanoseconds: .min) - Timestamp(nanoseconds: .max) == .min)
        #expect(Timestamp(seconds: .max).nanoseconds == .max)
        #expect(Timestamp(nanoseconds: .min).description.hasSuffix("Z"))
        #expect(abs(Timestamp(nanoseconds: 1_500_000_000).seconds - 1.5) < 1e-12)
        #expect(t < t + 1)
    }

    @Test func codableAsNanoseconds() throws {
        let t = Timestamp(nanoseconds: 42)
        let encoded = try JSONRoundTrip.encode(t)
        #expect(encoded == "42")
        #expect(try JSONRoundTrip.decode(Timestamp.self, encoded) == t)
    }
}
