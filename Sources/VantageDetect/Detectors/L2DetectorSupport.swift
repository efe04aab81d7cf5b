//  Small building blocks shared by the ARP/NDP resolution detectors (arp.unanswered,
//  ndp.unanswered, arp.mac_mismatch, arp.storm): a capped map that evicts the least recently
//  touched entry (also used by nlb.* and health_check.*), an IPv4-or-IPv6 address value, and
//  duration text for summaries.
//  Deliberately independent of NeighborTable: each detector keeps the little state it needs.

import VantageCapture
import VantageState
import VantageWire

/// A map with a capacity: when full, the least recently touched entry is evicted, counted in
/// ``evictions`` and handed back to the caller, who may still report it.
///
/// `set` and `update` touch; reads, `contains` and `modifyExisting` do not. A ``BoundedMap``
/// (open addressing on the key's hash word, exact recency order) does the work, so a lookup costs
/// no SipHash for keys with a folded ``BoundedMapKey/bucketHash``, and iteration goes from the
/// least to the most recently touched entry.
struct BoundedRecencyMap<Key: BoundedMapKey, Value> {
    private var map: BoundedMap<Key, Value>

    /// An empty map holding at most `capacity` entries (at least 1).
    init(capacity: Int) { map = BoundedMap(capacity: capacity) }

    /// Entries evicted so far because the map was full.
    var evictions: Int { map.evictions }
    /// Whether the map is empty.
    var isEmpty: Bool { map.isEmpty }
    /// The keys, least recently touched first.
    var keys: [Key] { map.keysOldestFirst }

    /// The key/value pairs, least recently touched first.
    var entries: [(key: Key, value: Value)] {
        var result: [(key: Key, value: Value)] = []
        map.forEachOldestFirst { slot in
            result.append((map.key(at: slot), map[slot: slot]))
            return true
        }
        return result
    }

    /// The value for `key`, without touching it.
    subscript(key: Key) -> Value? { map[key: key] }

    /// Whether `key` is present (no touch).
    func contains(_ key: Key) -> Bool { map.slot(of: key) != nil }

    /// The first entry (least recently touched first) satisfying `predicate`.
    func first(where predicate: (Key, Value) -> Bool) -> (key: Key, value: Value)? {
        var found: (key: Key, value: Value)?
        map.forEachOldestFirst { slot in
            let key = map.key(at: slot)
            guard predicate(key, map[slot: slot]) else { return true }
            found = (key, map[slot: slot])
            return false
        }
        return found
    }

    /// Calls `body` with every entry, least recently touched first.
    func forEach(_ body: (Key, Value) -> Void) {
        map.forEachOldestFirst { slot in
            body(map.key(at: slot), map[slot: slot])
            return true
        }
    }

    /// Sets `key` to `value`, touching it; returns the entry evicted to make room.
    @discardableResult
    mutating func set(_ key: Key, _ value: Value) -> (key: Key, value: Value)? {
        if let slot = map.find(key) {
            map[slot: slot] = value
            return nil
        }
        return map.insert(key, value).evicted
    }

    /// Changes the value of `key` in place (inserting `make()` first when absent), touching it;
    /// returns `body`'s result and the entry evicted to make room.
    @inline(__always)
    mutating func update<Result>(
        _ key: Key, default make: () -> Value, _ body: (inout Value) -> Result
    ) -> (result: Result, evicted: (key: Key, value: Value)?) {
        if let slot = map.find(key) { return (body(&map[slot: slot]), nil) }
        var value = make()
        let result = body(&value)
        return (result, map.insert(key, value).evicted)
    }

    /// Changes the value of an existing `key` in place without touching it; false when absent.
    @discardableResult
    mutating func modifyExisting(_ key: Key, _ body: (inout Value) -> Void) -> Bool {
        guard let slot = map.slot(of: key) else { return false }
        body(&map[slot: slot])
        return true
    }

    /// Removes `key`, returning its value.
    @discardableResult
    mutating func remove(_ key: Key) -> Value? { map.remove(key) }
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
