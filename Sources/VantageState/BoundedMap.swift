/// A hash map with a fixed capacity that evicts its least recently used entry when full, and
/// counts its evictions so saturation can be reported.
///
/// Entries live in slots (stable `Int` handles until the entry is removed or evicted), so a
/// caller looks an entry up once and then reads and mutates the value in place through
/// ``subscript(slot:)``: no copy, no allocation. Recency is a doubly linked list threaded
/// through the slots; ``find(_:)`` and ``insert(_:_:)`` mark an entry used, ``slot(of:)`` and
/// ``subscript(key:)`` only look. Storage grows with use up to `capacity`, then slots are reused.
public struct BoundedMap<Key: Hashable, Value> {
    /// The most entries the map holds.
    public let capacity: Int
    private var index: [Key: Int32] = [:]
    private var keys: [Key] = []
    private var values: [Value?] = []
    private var older: [Int32] = []
    private var newer: [Int32] = []
    private var free: [Int32] = []
    private var newest: Int32 = -1
    private var oldest: Int32 = -1
    /// How many entries were evicted to make room.
    public private(set) var evictions = 0
    /// The most entries the map has held at once.
    public private(set) var peakCount = 0

    /// An empty map holding at most `capacity` (at least 1) entries.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// The number of entries.
    public var count: Int { index.count }

    /// Whether the map is empty.
    public var isEmpty: Bool { index.isEmpty }

    /// The slot of `key`, without marking it used.
    public func slot(of key: Key) -> Int? {
        guard let slot = index[key] else { return nil }
        return Int(slot)
    }

    /// The slot of `key`, marking the entry as the most recently used.
    public mutating func find(_ key: Key) -> Int? {
        guard let slot = index[key] else { return nil }
        moveToNewest(slot)
        return Int(slot)
    }

    /// The value of `key`, without marking it used.
    public subscript(key key: Key) -> Value? {
        guard let slot = index[key] else { return nil }
        return values[Int(slot)]
    }

    /// The value in `slot` (a slot returned by ``find(_:)``, ``slot(of:)`` or ``insert(_:_:)``).
    public subscript(slot slot: Int) -> Value {
        get { values[slot]! }
        _modify { yield &values[slot]! }
        set { values[slot] = newValue }
    }

    /// The key in `slot`.
    public func key(at slot: Int) -> Key { keys[slot] }

    /// Marks the entry in `slot` as the most recently used.
    public mutating func touch(_ slot: Int) { moveToNewest(Int32(slot)) }

    /// Adds `value` for `key` (which must not be present) as the most recently used entry.
    /// When the map is full, the least recently used entry is removed first and returned.
    @discardableResult
    public mutating func insert(_ key: Key, _ value: Value) -> (slot: Int, evicted: (key: Key, value: Value)?) {
        precondition(index[key] == nil, "BoundedMap.insert: key already present")
        var evicted: (key: Key, value: Value)?
        if index.count >= capacity, oldest >= 0 {
            let victim = oldest
            evicted = (keys[Int(victim)], values[Int(victim)]!)
            removeSlot(victim)
            evictions += 1
        }
        let slot: Int32
        if let reused = free.popLast() {
            slot = reused
            keys[Int(slot)] = key
            values[Int(slot)] = value
        } else {
            slot = Int32(keys.count)
            keys.append(key)
            values.append(value)
            older.append(-1)
            newer.append(-1)
        }
        index[key] = slot
        link(slot)
        peakCount = max(peakCount, index.count)
        return (Int(slot), evicted)
    }

    /// Removes `key` and returns its value.
    @discardableResult
    public mutating func remove(_ key: Key) -> Value? {
        guard let slot = index[key] else { return nil }
        let value = values[Int(slot)]
        removeSlot(slot)
        return value
    }

    /// The slots from the least to the most recently used; `body` returns false to stop.
    public func forEachOldestFirst(_ body: (Int) throws -> Bool) rethrows {
        var slot = oldest
        while slot >= 0 {
            let next = newer[Int(slot)]
            if try !body(Int(slot)) { return }
            slot = next
        }
    }

    /// The keys from the least to the most recently used.
    public var keysOldestFirst: [Key] {
        var result: [Key] = []
        result.reserveCapacity(count)
        forEachOldestFirst { slot in
            result.append(keys[slot])
            return true
        }
        return result
    }

    private mutating func removeSlot(_ slot: Int32) {
        unlink(slot)
        index[keys[Int(slot)]] = nil
        values[Int(slot)] = nil
        free.append(slot)
    }

    private mutating func moveToNewest(_ slot: Int32) {
        guard slot != newest else { return }
        unlink(slot)
        link(slot)
    }

    private mutating func link(_ slot: Int32) {
        older[Int(slot)] = newest
        newer[Int(slot)] = -1
        if newest >= 0 { newer[Int(newest)] = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }

    private mutating func unlink(_ slot: Int32) {
        let before = older[Int(slot)]
        let after = newer[Int(slot)]
        if before >= 0 { newer[Int(before)] = after } else { oldest = after }
        if after >= 0 { older[Int(after)] = before } else { newest = before }
        older[Int(slot)] = -1
        newer[Int(slot)] = -1
    }
}
