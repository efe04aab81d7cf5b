/// Why one vantage point stopped contributing packets to a merge.
public struct VantageStop: Sendable, Hashable, CustomStringConvertible {
    /// Index of the vantage point in the merge.
    public var vantage: Int
    /// Its name.
    public var name: String
    /// What went wrong (the error names the file, offset and reason).
    public var error: CaptureError

    public var description: String { "\(name): \(error)" }
}

/// Streams the packets of several captures in timestamp order (a k-way merge).
///
/// ```swift
/// var merge = MergedCapture(opening: VantagePoint.parse(arguments))
/// while let vantage = merge.next() {
///     let record = merge.current          // as written in its file
///     let time = merge.currentTimestamp   // shifted by the vantage's clock offset
///     merge.withCurrentBytes { bytes in ... }
/// }
/// for stop in merge.stops { print(stop) }
/// ```
///
/// Order: by timestamp plus the vantage's `offsetNanoseconds`; ties by vantage index (the
/// one reader's records are never re-ordered: each file is read in file order, so a file whose
/// own timestamps go backwards yields them as written). Memory does not grow with the files:
/// each reader holds one buffer (a ring of three, read ahead on a background thread, when at
/// most ``readAheadMaximumFiles`` large files are merged) and the merge holds one current
/// record per reader.
///
/// A file that fails (cannot be opened, truncated, corrupt) is dropped from the merge with its
/// error recorded in `stops`; the other files go on.
public struct MergedCapture: Sendable {
    /// The merged vantage points, in index order.
    public let vantagePoints: [VantagePoint]
    /// The readers (nil where the file could not be opened), indexed by vantage.
    public var readers: [CaptureReader?] {
        if hasSolo { return [solo] }
        return slots.map { $0 < 0 ? nil : live[$0] }
    }
    /// The opened readers; stored without optionals so the per-frame paths borrow them in place
    /// (reading through an optional array element copies and retains the whole reader).
    private var live: [CaptureReader]
    /// The reader of a merge of one opened file, kept out of `live`: mutating an array element
    /// checks the array's uniqueness first, a runtime call per access, several per frame.
    private var solo: CaptureReader?
    /// Whether `solo` holds the reader (tested instead of `solo`: reading an optional reader
    /// in a getter copies it, with a retain of every reference it holds).
    private let hasSolo: Bool
    /// The solo reader's current record, copied out in `next()` for the `current` getter.
    private var soloRecord = PacketRecord.empty
    /// Index into `live` of each vantage's reader, or -1 when its file could not be opened.
    private let slots: [Int]
    /// Nanoseconds added to each vantage's timestamps before ordering.
    public private(set) var offsetNanoseconds: [Int64]
    /// Per vantage: clock drift to undo, in ns of correction per ns of the vantage's own time
    /// (1e-6 = 1 ppm), and the vantage time (ns) at which the correction is `offsetNanoseconds`.
    /// Applied in merges of two or more files only (one file has nothing to line up with).
    public private(set) var drifts: [(rate: Double, origin: Int64)]
    /// Whether any vantage has a drift to undo (keeps the common path to one add).
    private var hasDrift = false
    /// Vantage points dropped because of an error, in the order they failed.
    public private(set) var stops: [VantageStop] = []
    /// The vantage whose record `next()` returned last.
    public private(set) var currentVantage: Int?

    /// Min-heap of vantage indices whose current record is waiting, keyed by `keys`.
    private var heap: [Int] = []
    /// Shifted timestamp of each vantage's waiting record.
    private var keys: [Int64]
    private var started = false

    /// Merges already opened readers; `names` default to the readers' paths.
    public init(readers: [CaptureReader], names: [String]? = nil, offsetNanoseconds: [Int64]? = nil)
    {
        let names = names ?? readers.map(\.path)
        self.vantagePoints = readers.indices.map { index in
            VantagePoint(
                name: index < names.count ? names[index] : readers[index].path,
                path: readers[index].path)
        }
        if readers.count == 1 {
            self.solo = readers[0]
            self.live = []
        } else {
            self.live = readers
        }
        self.hasSolo = readers.count == 1
        self.slots = Array(readers.indices)
        self.offsetNanoseconds = readers.indices.map { index in
            guard let offsetNanoseconds, index < offsetNanoseconds.count else { return 0 }
            return offsetNanoseconds[index]
        }
        self.keys = Array(repeating: 0, count: readers.count)
        self.drifts = Array(repeating: (0, 0), count: readers.count)
    }

    /// Merges of at most this many files read each one ahead on its own thread (about 4 MB of
    /// buffers per file); larger merges read synchronously.
    public static let readAheadMaximumFiles = 4

    /// Opens every vantage point's file; files that cannot be opened are recorded in `stops`.
    /// `readAhead: false` reads every file synchronously.
    public init(opening vantagePoints: [VantagePoint], chunkSize: Int = 1 << 20, readAhead: Bool = true) {
        self.vantagePoints = vantagePoints
        self.offsetNanoseconds = Array(repeating: 0, count: vantagePoints.count)
        self.keys = Array(repeating: 0, count: vantagePoints.count)
        self.drifts = Array(repeating: (0, 0), count: vantagePoints.count)
        var live: [CaptureReader] = []
        var slots: [Int] = []
        var stops: [VantageStop] = []
        for (index, point) in vantagePoints.enumerated() {
            do {
                live.append(
                    try CaptureReader(
                        path: point.path, chunkSize: chunkSize,
                        readAhead: readAhead && vantagePoints.count <= Self.readAheadMaximumFiles))
                slots.append(live.count - 1)
            } catch {
                slots.append(-1)
                stops.append(VantageStop(vantage: index, name: point.name, error: error))
            }
        }
        if slots.count == 1 && live.count == 1 {
            self.solo = live[0]
            self.live = []
        } else {
            self.live = live
        }
        self.hasSolo = slots.count == 1 && live.count == 1
        self.slots = slots
        self.stops = stops
    }

    /// Sets the clock shift of one vantage (may be called at any time; the order of records
    /// already returned is not revisited).
    public mutating func setOffset(_ nanoseconds: Int64, forVantage vantage: Int) {
        guard offsetNanoseconds.indices.contains(vantage) else { return }
        let change = Timestamp.saturatingAdd(nanoseconds, -offsetNanoseconds[vantage])
        offsetNanoseconds[vantage] = nanoseconds
        if let position = heap.firstIndex(of: vantage) {
            keys[vantage] = Timestamp.saturatingAdd(keys[vantage], change)
            heap.remove(at: position)
            push(vantage)
        }
    }

    /// Sets the clock correction of one vantage: `offset + drift × (t − origin)` nanoseconds are
    /// added to each of its timestamps `t` (ns). Call before the first `next()`; a merge of one
    /// file applies the offset only.
    public mutating func setClockCorrection(offset: Int64, drift: Double, origin: Int64, forVantage vantage: Int) {
        guard drifts.indices.contains(vantage) else { return }
        drifts[vantage] = (drift.isFinite ? drift : 0, origin)
        hasDrift = drifts.contains { $0.rate != 0 }
        setOffset(offset, forVantage: vantage)
    }

    /// A timestamp of `vantage` on the merged timeline.
    @inline(__always)
    private func shifted(_ nanoseconds: Int64, vantage: Int) -> Int64 {
        let key = Timestamp.saturatingAdd(nanoseconds, offsetNanoseconds[vantage])
        guard hasDrift else { return key }
        let drift = drifts[vantage]
        guard drift.rate != 0 else { return key }
        return Timestamp.saturatingAdd(key, Int64((drift.rate * Double(nanoseconds &- drift.origin)).rounded()))
    }

    /// Moves to the next record of the merged timeline and returns its vantage index; nil when
    /// every file has ended or stopped.
    public mutating func next() -> Int? {
        if slots.count == 1 { return nextOfOne() }
        if !started {
            started = true
            for vantage in slots.indices { step(vantage) }
        } else if let vantage = currentVantage {
            step(vantage)
        }
        currentVantage = pop()
        return currentVantage
    }

    /// The current record of the vantage `next()` returned, with its timestamp as written in
    /// the file; an empty record when there is none.
    public var current: PacketRecord {
        guard let vantage = currentVantage else { return .empty }
        if hasSolo { return soloRecord }
        return live[slots[vantage]].current
    }

    /// The current record's timestamp shifted by its vantage's offset: the merged timeline.
    public var currentTimestamp: Timestamp {
        guard let vantage = currentVantage else { return .zero }
        return Timestamp(nanoseconds: keys[vantage])
    }

    /// Calls `body` with the current record's bytes (empty when there is no current record).
    ///
    /// `mutating` only so that the reader is accessed in place: a non-mutating call goes
    /// through `Array`'s subscript getter, which copies the whole reader (312 bytes and a
    /// retain and release of every reference it holds) for every frame. Nothing is modified.
    public mutating func withCurrentBytes<R, E: Error>(_ body: (Span<UInt8>) throws(E) -> R) throws(E) -> R {
        if let vantage = currentVantage {
            if hasSolo { return try solo!.withCurrentBytesInPlace(body) }
            return try live[slots[vantage]].withCurrentBytesInPlace(body)
        }
        return try ChunkBuffer.withEmptySpan(body)
    }

    /// Runs `body` with the reader of a merge of exactly one opened file, in place, and returns
    /// true; returns false without running it otherwise.
    ///
    /// The fastest way through one capture: `body` loops on the reader's `advance()` and
    /// `withCurrentBytes(_:)` with no merge bookkeeping per record (the one file needs no
    /// ordering). An error `body` throws is recorded in `stops` as `next()` would record it.
    /// While `body` runs, `current` and `currentTimestamp` are not updated; afterwards the merge
    /// has no current record and `next()` goes on from where the reader stands.
    public mutating func withSoloReader(_ body: (inout CaptureReader) throws(CaptureError) -> Void) -> Bool {
        guard hasSolo else { return false }
        currentVantage = nil
        soloRecord = .empty
        do {
            try body(&solo!)
        } catch {
            stops.append(VantageStop(vantage: 0, name: vantagePoints[0].name, error: error))
        }
        return true
    }

    /// `next()` for a single vantage point: no heap, just the reader (the common case of one
    /// capture file). Same results as the merge: the record's shifted timestamp in `keys`, an
    /// error recorded in `stops` once.
    private mutating func nextOfOne() -> Int? {
        guard hasSolo, !solo!.isAtEndInPlace() else {
            currentVantage = nil
            return nil
        }
        do {
            if try solo!.advance() {
                soloRecord = solo!.currentInPlace()
                keys[0] = Timestamp.saturatingAdd(soloRecord.timestamp.nanoseconds, offsetNanoseconds[0])
                currentVantage = 0
                return 0
            }
        } catch {
            stops.append(VantageStop(vantage: 0, name: vantagePoints[0].name, error: error))
        }
        currentVantage = nil
        return nil
    }

    /// Advances one reader and puts it back in the heap, or records why it stopped.
    private mutating func step(_ vantage: Int) {
        let slot = slots[vantage]
        guard slot >= 0 else { return }
        do {
            if try live[slot].advance() {
                keys[vantage] = shifted(live[slot].current.timestamp.nanoseconds, vantage: vantage)
                push(vantage)
            }
        } catch {
            stops.append(
                VantageStop(vantage: vantage, name: vantagePoints[vantage].name, error: error))
        }
    }

    /// Whether vantage `a`'s waiting record comes before vantage `b`'s.
    @inline(__always)
    private func precedes(_ a: Int, _ b: Int) -> Bool {
        keys[a] != keys[b] ? keys[a] < keys[b] : a < b
    }

    private mutating func push(_ vantage: Int) {
        heap.append(vantage)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func pop() -> Int? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                guard left < heap.count else { break }
                var smallest = left
                if left + 1 < heap.count && precedes(heap[left + 1], heap[left]) {
                    smallest = left + 1
                }
                guard precedes(heap[smallest], heap[parent]) else { break }
                heap.swapAt(smallest, parent)
                parent = smallest
            }
        }
        return top
    }
}
