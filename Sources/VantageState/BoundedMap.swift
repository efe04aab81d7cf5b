import CPrefetch
import VantageWire

/// A key of a ``BoundedMap``: hashable, with a cheap 64-bit hash word. Fixed-size keys fold
/// their fields into one word (``NeighborKey/bucketHash``); the default uses `hashValue`.
public protocol BoundedMapKey: Hashable {
    /// A 64-bit hash of the key; the map mixes it further, so it only has to be injective-ish.
    var bucketHash: UInt64 { get }
}

extension BoundedMapKey {
    /// `hashValue` as the hash word (SipHash: good for any key, slower than a folded word).
    public var bucketHash: UInt64 { UInt64(bitPattern: Int64(hashValue)) }
}

extension Int: BoundedMapKey {}
extension String: BoundedMapKey {}

extension MACAddress: BoundedMapKey {
    /// The 48-bit address itself.
    public var bucketHash: UInt64 { rawValue }
}

/// A hash map with a fixed capacity that evicts its least recently used entry when full, and
/// counts its evictions so saturation can be reported.
///
/// Entries live in slots (stable `Int` handles until the entry is removed or evicted), so a
/// caller looks an entry up once and then reads and mutates the value in place through
/// ``subscript(slot:)``: no copy, no allocation. The index is open addressing with linear
/// probing over the keys' ``BoundedMapKey/bucketHash`` (finalised with murmur's fmix64) and
/// backward-shift deletion, so lookups cost no SipHash and leave no tombstones. Recency is a
/// doubly linked list threaded through the slots; ``find(_:)`` and ``insert(_:_:)`` mark an
/// entry used, ``slot(of:)`` and ``subscript(key:)`` only look. Storage grows with use up to
/// `capacity`, then slots are reused: a full map allocates nothing.
public struct BoundedMap<Key: BoundedMapKey, Value> {
    /// The most entries the map holds.
    public let capacity: Int
    /// An entry moved to the newest end within this many recency operations is not moved
    /// again (0: exact LRU order).
    private let slack: UInt64
    /// Counts insertions and moves to the newest end.
    private var clock: UInt64 = 0
    /// One slot: the key, the value and the recency links. A freed slot keeps its last key and
    /// value until it is reused (an Optional here would make every read copy the value out).
    ///
    /// The key and the bookkeeping come first, so that a lookup (key compare, recency check)
    /// touches the entry's first cache line only; the value follows.
    private struct Entry {
        var key: Key
        var older: Int32
        var newer: Int32
        /// The map's clock when the entry was last moved to the newest end.
        var moved: UInt64
        var value: Value
    }

    private var buckets: [Int32] = []
    private var mask = 0
    private var entries: [Entry] = []
    private var free: [Int32] = []
    private var newest: Int32 = -1
    private var oldest: Int32 = -1
    /// The number of entries.
    public private(set) var count = 0
    /// How many entries were evicted to make room.
    public private(set) var evictions = 0
    /// The most entries the map has held at once.
    public private(set) var peakCount = 0

    /// An empty map holding at most `capacity` (at least 1) entries.
    ///
    /// With `approximateRecency`, ``find(_:)`` does not move an entry that was moved within the
    /// last `capacity / 4` recency operations: an entry seen at least that often is never
    /// evicted, the list order is least-recently-*moved*, and a hot lookup costs a compare
    /// instead of relinking. Keep it off where ``forEachOldestFirst(_:)`` must be exact.
    public init(capacity: Int, approximateRecency: Bool = false) {
        self.capacity = max(1, min(capacity, Int(Int32.max / 4)))
        slack = approximateRecency ? UInt64(self.capacity / 4) : 0
    }

    /// Whether the map is empty.
    public var isEmpty: Bool { count == 0 }

    @inline(__always)
    private func home(_ key: Key) -> Int {
        var hash = key.bucketHash
        hash ^= hash >> 33
        hash &*= 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 33
        return Int(truncatingIfNeeded: hash) & mask
    }

    /// The bucket holding `key`, if present.
    @inline(__always)
    private func bucket(of key: Key) -> Int? {
        guard count > 0 else { return nil }
        var index = home(key)
        while true {
            let slot = buckets[index]
            if slot < 0 { return nil }
            if entries[Int(slot)].key == key { return index }
            index = (index + 1) & mask
        }
    }

    /// The slot of `key`, without marking it used.
    public func slot(of key: Key) -> Int? {
        guard let bucket = bucket(of: key) else { return nil }
        return Int(buckets[bucket])
    }

    /// The slot of `key`, marking the entry as the most recently used.
    public mutating func find(_ key: Key) -> Int? {
        guard let bucket = bucket(of: key) else { return nil }
        let slot = buckets[bucket]
        if slot != newest, slack == 0 || clock &- entries[Int(slot)].moved >= slack { moveToNewest(slot) }
        return Int(slot)
    }

    /// Asks the CPU to fetch the index word where a lookup of `key` starts (a hint, for a lookup
    /// a few frames later; ``prefetchEntry(_:)`` is the next step).
    @inline(__always)
    public func prefetchBucket(_ key: Key) {
        guard count > 0 else { return }
        buckets.withUnsafeBufferPointer { vantage_prefetch($0.baseAddress! + home(key), 4) }
    }

    /// Asks the CPU to fetch the first `bytes` of the entry a lookup of `key` meets first (its
    /// index word should be cached by now: ``prefetchBucket(_:)``). A hint: the entry may hold
    /// another key.
    @inline(__always)
    public func prefetchEntry(_ key: Key, bytes: Int = 128) {
        guard count > 0 else { return }
        let slot = buckets[home(key)]
        guard slot >= 0 else { return }
        entries.withUnsafeBufferPointer { vantage_prefetch($0.baseAddress! + Int(slot), bytes) }
    }

    /// The value of `key`, without marking it used.
    public subscript(key key: Key) -> Value? {
        guard let slot = slot(of: key) else { return nil }
        return entries[slot].value
    }

    /// The value in `slot` (a slot returned by ``find(_:)``, ``slot(of:)`` or ``insert(_:_:)``).
    public subscript(slot slot: Int) -> Value {
        _read { yield entries[slot].value }
        _modify { yield &entries[slot].value }
    }

    /// The key in `slot`.
    public func key(at slot: Int) -> Key { entries[slot].key }

    /// Marks the entry in `slot` as the most recently used.
    public mutating func touch(_ slot: Int) {
        if Int32(slot) != newest { moveToNewest(Int32(slot)) }
    }

    /// Adds `value` for `key` (which must not be present) as the most recently used entry.
    /// When the map is full, the least recently used entry is removed first and returned.
    @discardableResult
    public mutating func insert(_ key: Key, _ value: Value) -> (slot: Int, evicted: (key: Key, value: Value)?) {
        precondition(bucket(of: key) == nil, "BoundedMap.insert: key already present")
        var evicted: (key: Key, value: Value)?
        if count >= capacity, oldest >= 0 {
            let victim = oldest
            evicted = (entries[Int(victim)].key, entries[Int(victim)].value)
            removeSlot(victim)
            evictions += 1
        }
        if (count + 1) * 2 > buckets.count { grow() }
        let slot: Int32
        if let reused = free.popLast() {
            slot = reused
            entries[Int(slot)].key = key
            entries[Int(slot)].value = value
        } else {
            slot = Int32(entries.count)
            entries.append(Entry(key: key, older: -1, newer: -1, moved: 0, value: value))
        }
        var index = home(key)
        while buckets[index] >= 0 { index = (index + 1) & mask }
        buckets[index] = slot
        count += 1
        link(slot)
        peakCount = max(peakCount, count)
        return (Int(slot), evicted)
    }

    /// Removes `key` and returns its value.
    @discardableResult
    public mutating func remove(_ key: Key) -> Value? {
        guard let bucket = bucket(of: key) else { return nil }
        let slot = buckets[bucket]
        let value = entries[Int(slot)].value
        removeSlot(slot)
        return value
    }

    /// The slots from the least to the most recently used; `body` returns false to stop.
    public func forEachOldestFirst(_ body: (Int) throws -> Bool) rethrows {
        var slot = oldest
        while slot >= 0 {
            let next = entries[Int(slot)].newer
            if try !body(Int(slot)) { return }
            slot = next
        }
    }

    /// The keys from the least to the most recently used.
    public var keysOldestFirst: [Key] {
        var result: [Key] = []
        result.reserveCapacity(count)
        forEachOldestFirst { slot in
            result.append(entries[slot].key)
            return true
        }
        return result
    }

    private mutating func grow() {
        let wanted = max(16, (count + 1) * 2)
        var size = 16
        while size < wanted { size <<= 1 }
        size = max(size, buckets.count * 2)
        buckets = [Int32](repeating: -1, count: size)
        mask = size - 1
        var slot = oldest
        while slot >= 0 {
            var index = home(entries[Int(slot)].key)
            while buckets[index] >= 0 { index = (index + 1) & mask }
            buckets[index] = slot
            slot = entries[Int(slot)].newer
        }
    }

    /// Removes the entry in `slot` from the index (backward-shift deletion), the recency list
    /// and the value storage.
    private mutating func removeSlot(_ slot: Int32) {
        guard var hole = bucket(of: entries[Int(slot)].key) else { return }
        var index = hole
        while true {
            index = (index + 1) & mask
            let moving = buckets[index]
            if moving < 0 { break }
            let ideal = home(entries[Int(moving)].key)
            // Move the entry back into the hole unless its home lies cyclically in (hole, index].
            let stays = hole <= index ? (hole < ideal && ideal <= index) : (hole < ideal || ideal <= index)
            if !stays {
                buckets[hole] = moving
                hole = index
            }
        }
        buckets[hole] = -1
        count -= 1
        unlink(slot)
        free.append(slot)
    }

    private mutating func moveToNewest(_ slot: Int32) {
        unlink(slot)
        link(slot)
    }

    private mutating func link(_ slot: Int32) {
        clock &+= 1
        entries[Int(slot)].moved = clock
        entries[Int(slot)].older = newest
        entries[Int(slot)].newer = -1
        if newest >= 0 { entries[Int(newest)].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }

    private mutating func unlink(_ slot: Int32) {
        let before = entries[Int(slot)].older
        let after = entries[Int(slot)].newer
        if before >= 0 { entries[Int(before)].newer = after } else { oldest = after }
        if after >= 0 { entries[Int(after)].older = before } else { newest = before }
    }
}
