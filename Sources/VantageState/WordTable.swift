/// An insert-and-update-only hash map from 64-bit keys to small values, for lookups on the
/// per-frame path: open addressing with linear probing and a multiplicative (Fibonacci) hash,
/// so a lookup is a multiply, a shift and usually one compare (no SipHash, no tombstones).
/// Keys are never removed; the table doubles at half load.
struct WordTable<Value> {
    /// Per bucket: the key plus one (0: empty; keys up to `UInt64.max - 1`).
    private var keys: [UInt64]
    private var values: [Value]
    /// The value empty buckets hold.
    private let placeholder: Value
    private var shift: UInt64
    /// Keys held.
    private(set) var count = 0

    /// An empty table; `placeholder` fills unused buckets (it is never returned).
    init(placeholder: Value) {
        self.placeholder = placeholder
        keys = [UInt64](repeating: 0, count: 16)
        values = [Value](repeating: placeholder, count: 16)
        shift = 64 - 4
    }

    @inline(__always)
    private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The bucket holding `key`, if present.
    @inline(__always)
    private func bucket(of key: UInt64) -> Int? {
        let stored = key &+ 1
        let mask = keys.count - 1
        var index = home(key)
        while true {
            let found = keys[index]
            if found == stored { return index }
            if found == 0 { return nil }
            index = (index + 1) & mask
        }
    }

    /// The value of `key`, if present.
    @inline(__always)
    subscript(key: UInt64) -> Value? {
        guard let bucket = bucket(of: key) else { return nil }
        return values[bucket]
    }

    /// Whether `key` is present.
    @inline(__always)
    func contains(_ key: UInt64) -> Bool { bucket(of: key) != nil }

    /// Sets the value of `key` to `update(current)`, where `current` is its value, or `initial`
    /// when the key is new (then it is added).
    mutating func update(_ key: UInt64, initial: Value, _ update: (inout Value) -> Void) {
        if let bucket = bucket(of: key) {
            update(&values[bucket])
            return
        }
        if (count + 1) * 2 > keys.count { grow() }
        var value = initial
        update(&value)
        place(key, value)
        count += 1
    }

    private mutating func place(_ key: UInt64, _ value: Value) {
        let mask = keys.count - 1
        var index = home(key)
        while keys[index] != 0 { index = (index + 1) & mask }
        keys[index] = key &+ 1
        values[index] = value
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        keys = [UInt64](repeating: 0, count: oldKeys.count * 2)
        values = [Value](repeating: placeholder, count: oldKeys.count * 2)
        shift -= 1
        for index in oldKeys.indices where oldKeys[index] != 0 { place(oldKeys[index] &- 1, oldValues[index]) }
    }
}
