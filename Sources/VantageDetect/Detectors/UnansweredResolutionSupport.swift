//  Small containers for UnansweredResolutionDetector's per-frame and per-episode state, built so
//  that an ARP request or reply costs no SipHash and, once an episode exists, no allocation:
//  a least-recently-touched table over ``BoundedMap`` (open addressing on a folded hash word),
//  per-vantage tallies as sorted pairs (a capture has a handful of vantage points), and a
//  vantage set as a bit mask.

import VantageCapture
import VantageState
import VantageWire

/// A capped map evicting its least recently touched entry, with the operations of
/// ``BoundedRecencyMap`` that the resolution detector uses, over a ``BoundedMap``.
///
/// Touch rules are those of ``BoundedRecencyMap``: `set` and `update` touch, reads,
/// `contains` and `modifyExisting` do not; the entry evicted when full is the least recently
/// touched one, counted in ``evictions`` and handed back.
struct RecencyTable<Key: BoundedMapKey, Value> {
    private var map: BoundedMap<Key, Value>

    /// An empty table holding at most `capacity` entries (at least 1).
    init(capacity: Int) { map = BoundedMap(capacity: capacity) }

    /// Entries evicted so far because the table was full.
    var evictions: Int { map.evictions }
    /// Whether the table is empty.
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

/// A MAC address as a ``BoundedMapKey`` (its 48-bit value is the hash word).
struct MACKey: BoundedMapKey {
    var mac: MACAddress

    init(_ mac: MACAddress) { self.mac = mac }

    var bucketHash: UInt64 { mac.rawValue }
}

extension ResolvedAddress: BoundedMapKey {
    /// The address folded into one word (IPv6 halves mixed; the family in the top bit).
    var bucketHash: UInt64 {
        switch self {
        case .v4(let address): UInt64(address.rawValue)
        case .v6(let address): (address.high &* 0x9E37_79B9_7F4A_7C15) ^ address.low ^ 1 << 63
        }
    }
}

/// A count per vantage point, as (vantage, count) pairs sorted by vantage.
struct VantageTally<Count> {
    /// The pairs, by ascending vantage.
    private(set) var pairs: [(vantage: Int, count: Count)] = []

    /// Whether no vantage point has a count.
    var isEmpty: Bool { pairs.isEmpty }
    /// The vantage points with a count, ascending.
    var vantages: [Int] { pairs.map(\.vantage) }

    /// The count of `vantage`, if any.
    subscript(vantage: Int) -> Count? {
        for pair in pairs where pair.vantage == vantage { return pair.count }
        return nil
    }

    /// Changes the count of `vantage` in place (starting from `initial` when absent).
    mutating func update(_ vantage: Int, initial: Count, _ body: (inout Count) -> Void) {
        var index = 0
        while index < pairs.count && pairs[index].vantage < vantage { index += 1 }
        if index == pairs.count || pairs[index].vantage != vantage { pairs.insert((vantage, initial), at: index) }
        body(&pairs[index].count)
    }
}

/// A set of vantage indices: a bit per index below 64, a list for the rest.
struct VantageSet {
    private var bits: UInt64 = 0
    private var others: [Int] = []

    /// The set holding `vantage`.
    init(_ vantage: Int) { insert(vantage) }

    /// Whether `vantage` is in the set.
    func contains(_ vantage: Int) -> Bool {
        (0..<64).contains(vantage) ? bits & (1 << UInt64(vantage)) != 0 : others.contains(vantage)
    }

    /// Adds `vantage` (the caller checks it is absent, as with an array append).
    mutating func insert(_ vantage: Int) {
        if (0..<64).contains(vantage) { bits |= 1 << UInt64(vantage) } else { others.append(vantage) }
    }
}
