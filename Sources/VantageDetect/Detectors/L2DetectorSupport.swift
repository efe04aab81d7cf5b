//  Small building blocks shared by the ARP/NDP resolution detectors (arp.unanswered,
//  ndp.unanswered, arp.mac_mismatch, arp.storm): a capped map that evicts the least recently
//  touched entries, an IPv4-or-IPv6 address value, and duration text for summaries.
//  Deliberately independent of NeighborTable: each detector keeps the little state it needs.

import VantageCapture
import VantageWire

/// A dictionary with a capacity: when full, the least recently touched entries are evicted.
///
/// Recency is kept in an append-only queue of (key, touch stamp) with lazy deletion: a touch
/// appends, eviction pops stale stamps until it finds the oldest live entry, and the queue is
/// compacted once it holds twice as many stamps as live entries. Every operation is amortised
/// O(1). Every evicted entry is counted and handed back to the caller, who may still report it.
struct BoundedRecencyMap<Key: Hashable, Value> {
    private struct Entry {
        var value: Value
        var touched: UInt64
    }

    private var storage: [Key: Entry] = [:]
    private var order: [(key: Key, stamp: UInt64)] = []
    private var head = 0
    private var clock: UInt64 = 0
    /// Most entries kept.
    let capacity: Int
    /// Entries evicted so far because the map was full.
    private(set) var evictions = 0

    /// An empty map holding at most `capacity` entries (at least 1).
    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Number of entries.
    var count: Int { storage.count }
    /// Whether the map is empty.
    var isEmpty: Bool { storage.isEmpty }
    /// The keys, in no particular order.
    var keys: [Key] { Array(storage.keys) }
    /// The key/value pairs, in no particular order.
    var entries: [(key: Key, value: Value)] { storage.map { ($0.key, $0.value.value) } }

    /// The value for `key`, without touching it.
    subscript(key: Key) -> Value? { storage[key]?.value }

    /// The first entry satisfying `predicate`, in no particular order (no copy of the map).
    func first(where predicate: (Key, Value) -> Bool) -> (key: Key, value: Value)? {
        for (key, entry) in storage where predicate(key, entry.value) { return (key, entry.value) }
        return nil
    }

    /// Calls `body` with every entry, in no particular order (no copy of the map).
    func forEach(_ body: (Key, Value) -> Void) {
        for (key, entry) in storage { body(key, entry.value) }
    }

    /// Whether `key` is present.
    func contains(_ key: Key) -> Bool { storage[key] != nil }

    /// Sets `key` to `value`, touching it; returns the entries evicted to make room.
    @discardableResult
    mutating func set(_ key: Key, _ value: Value) -> [(key: Key, value: Value)] {
        let stamp = touch(key)
        storage[key] = Entry(value: value, touched: stamp)
        return evictIfNeeded(keeping: key)
    }

    /// Changes the value of `key` in place (inserting `make()` first when absent), touching it;
    /// returns `body`'s result and the entries evicted to make room.
    mutating func update<Result>(
        _ key: Key, default make: () -> Value, _ body: (inout Value) -> Result
    ) -> (result: Result, evicted: [(key: Key, value: Value)]) {
        let stamp = touch(key)
        let result: Result
        if storage[key] != nil {
            result = body(&storage[key]!.value)
            storage[key]!.touched = stamp
        } else {
            var value = make()
            result = body(&value)
            storage[key] = Entry(value: value, touched: stamp)
        }
        return (result, evictIfNeeded(keeping: key))
    }

    /// Changes the value of an existing `key` in place without touching it; false when absent.
    @discardableResult
    mutating func modifyExisting(_ key: Key, _ body: (inout Value) -> Void) -> Bool {
        guard storage[key] != nil else { return false }
        body(&storage[key]!.value)
        return true
    }

    /// Removes `key`, returning its value.
    @discardableResult
    mutating func remove(_ key: Key) -> Value? { storage.removeValue(forKey: key)?.value }

    private mutating func touch(_ key: Key) -> UInt64 {
        clock &+= 1
        order.append((key, clock))
        if order.count - head > 2 * storage.count + 64 {
            order = order[head...].filter { storage[$0.key]?.touched == $0.stamp || $0.stamp == clock }
            head = 0
        }
        return clock
    }

    private mutating func evictIfNeeded(keeping kept: Key) -> [(key: Key, value: Value)] {
        guard storage.count > capacity else { return [] }
        var evicted: [(key: Key, value: Value)] = []
        while storage.count > capacity, head < order.count {
            let (key, stamp) = order[head]
            head += 1
            guard key != kept, let entry = storage[key], entry.touched == stamp else { continue }
            storage.removeValue(forKey: key)
            evicted.append((key, entry.value))
        }
        evictions += evicted.count
        return evicted
    }
}

/// An IPv4 or IPv6 address whose link-layer address is being resolved (ARP or NDP).
enum ResolvedAddress: Hashable, Comparable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    var description: String {
        switch self {
        case .v4(let address): address.description
        case .v6(let address): address.description
        }
    }

    static func < (lhs: ResolvedAddress, rhs: ResolvedAddress) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): a < b
        case (.v6(let a), .v6(let b)): a < b
        case (.v4, .v6): true
        case (.v6, .v4): false
        }
    }
}

/// Duration and count text for summaries, without Foundation.
enum DurationText {
    /// `2.0 s`, `0.35 s`, `12 ms`, `95 s` from nanoseconds.
    static func seconds(_ nanoseconds: Int64) -> String {
        let value = Double(nanoseconds) / 1e9
        if value < 0.1 { return "\(Int((value * 1000).rounded())) ms" }
        if value < 1 { return "\(fixed(value, digits: 2)) s" }
        if value < 60 { return "\(fixed(value, digits: 1)) s" }
        return "\(Int(value.rounded())) s"
    }

    /// `value` rounded to `digits` decimals, always printed with them (`1.0`, `0.25`).
    static func fixed(_ value: Double, digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        let whole = scaled / Int(scale)
        let fraction = abs(scaled % Int(scale))
        guard digits > 0 else { return String(whole) }
        var fractionText = String(fraction)
        while fractionText.count < digits { fractionText = "0" + fractionText }
        return (scaled < 0 && whole == 0 ? "-" : "") + "\(whole).\(fractionText)"
    }

    /// `once`, `twice`, `3 times`.
    static func times(_ count: Int) -> String {
        switch count {
        case 1: "once"
        case 2: "twice"
        default: "\(count) times"
        }
    }

    /// `a`, `a and b`, `a, b and c`.
    static func list(_ items: [String]) -> String {
        switch items.count {
        case 0: ""
        case 1: items[0]
        default: items.dropLast().joined(separator: ", ") + " and " + items[items.count - 1]
        }
    }

    /// The median of `values` (0 when empty).
    static func median(_ values: [Int64]) -> Int64 {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
