import CPrefetch
import Dispatch
import VantageState

/// Feeds an ``AnalysisEngine`` observations that the caller decodes in place: either inline
/// (each ``commit()`` runs the engine on the frame), or on a second thread, so that reading and
/// decoding run on one core while the state engines and detectors run on another.
///
/// The caller decodes each frame into ``slot`` and calls ``commit()``; after the last frame,
/// ``finish()`` returns the findings. Either way the engine sees exactly the committed
/// observations in the committed order, so the findings are the same.
///
/// Threaded, the observations travel in a preallocated ring of `batchCount` batches of
/// `batchSize` (single producer, single consumer): a full batch is handed over with one
/// semaphore signal and given back with another, so the hand-off costs nothing per frame and
/// allocates nothing. The producer waits when the engine is a whole ring behind, which bounds the
/// memory; the engine thread waits when it has caught up.
///
/// A pipeline abandoned without ``finish()`` (the caller threw) leaves its engine thread
/// waiting for a batch that never comes; it holds no lock and ends with the process.
public final class AnalysisPipeline: @unchecked Sendable {
    // @unchecked: a batch is written only by the producer, between taking it (`empty`) and
    // handing it over (`full`), and read only by the engine thread between `full` and giving it
    // back (`empty`); the semaphores order those accesses. `engine` is used only by the engine
    // thread until `finish()` has waited for it (`done`). The producer's cursor (`batch`,
    // `filled`) is the caller's alone.

    /// Observations per batch.
    public let batchSize: Int
    /// How many observations ahead of the engine the engine thread prefetches them, and the
    /// neighbor-table index words and entries they will look up (``AnalysisEngine/prefetch(_:stage:)``).
    static let prefetchDistance = 12
    static let indexPrefetchDistance = 6
    static let entryPrefetchDistance = 3
    /// Batches in the ring (one being filled, the rest in flight or free).
    public let batchCount: Int
    /// Finished batches the engine thread gives back at once (a quarter of the ring).
    private let releaseGroup: Int

    private let engine: AnalysisEngine
    private let threaded: Bool
    /// `batchCount × batchSize` observations (one when inline).
    private let storage: UnsafeMutablePointer<Observation>
    /// Per batch: how many observations it holds, and whether it is the last.
    private let counts: UnsafeMutablePointer<Int>
    private let lasts: UnsafeMutablePointer<Bool>
    private let capacity: Int
    private let empty = DispatchSemaphore(value: 0)
    private let full = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private var batch = 0
    private var filled = 0
    private var finished = false

    /// A pipeline into `engine`, on a second thread when `threaded`, through a ring of
    /// `batchCount` (at least 2) batches of `batchSize` observations. The defaults (32 × 512
    /// observations of 624 bytes, 10 MB) hold a few milliseconds of the engine's work, so that
    /// the engine keeps running while a descheduled producer waits for a CPU on a busy machine.
    public init(engine: AnalysisEngine, threaded: Bool, batchSize: Int = 512, batchCount: Int = 32) {
        let size = max(1, batchSize)
        let count = max(2, batchCount)
        self.engine = engine
        self.threaded = threaded
        self.batchSize = size
        self.batchCount = count
        releaseGroup = max(1, count / 4)
        let total = threaded ? count * size : 1
        capacity = total
        storage = .allocate(capacity: total)
        storage.initialize(repeating: Observation(), count: total)
        counts = .allocate(capacity: count)
        counts.initialize(repeating: 0, count: count)
        lasts = .allocate(capacity: count)
        lasts.initialize(repeating: false, count: count)
        guard threaded else { return }
        // Every batch but the first (the producer's) starts free. Semaphores start at 0 and are
        // signalled up: libdispatch traps when one is freed below its initial value.
        for _ in 1..<count { empty.signal() }
        DispatchQueue(label: "vantage.engine").async { self.runEngine() }
    }

    deinit {
        storage.deinitialize(count: capacity)
        storage.deallocate()
        counts.deallocate()
        lasts.deallocate()
    }

    /// Where to decode the next frame (valid until ``commit()``).
    @inline(__always)
    public var slot: UnsafeMutablePointer<Observation> { storage + (batch * batchSize + filled) }

    /// Hands the observation in ``slot`` to the engine.
    @inline(__always)
    public func commit() {
        guard threaded else {
            engine.observe(storage.pointee)
            return
        }
        filled += 1
        if filled == batchSize { handOver(last: false) }
    }

    /// Waits until the engine has taken in every committed observation, then closes it and
    /// returns its findings (``AnalysisEngine/finish()``).
    public func finish() -> [Finding] {
        if threaded && !finished {
            finished = true
            handOver(last: true)
            done.wait()
        }
        return engine.finish()
    }

    /// Hands the batch being filled to the engine thread and takes the next free one.
    private func handOver(last: Bool) {
        counts[batch] = filled
        lasts[batch] = last
        full.signal()
        guard !last else { return }
        batch = batch + 1 == batchCount ? 0 : batch + 1
        filled = 0
        empty.wait()
    }

    /// The engine thread: batches in ring order until the last.
    ///
    /// Finished batches go back to the producer `releaseGroup` at a time, so that a producer
    /// waiting for room (the engine is the slower side) wakes once per group instead of once per
    /// batch: on a busy machine each wake-up can wait milliseconds for a CPU. Before it would
    /// sleep on an empty ring, the engine gives back everything it holds, so neither side can
    /// wait for the other forever.
    private func runEngine() {
        var index = 0
        var held = 0
        while true {
            if full.wait(timeout: .now()) == .timedOut {
                release(&held)
                full.wait()
            }
            let start = storage + index * batchSize
            let count = counts[index]
            // The other core wrote these observations: ask for the next ones while the engine
            // works on this one, so that copying each in costs no wait for its cache lines.
            let size = MemoryLayout<Observation>.stride
            vantage_prefetch(start, size * min(count, Self.prefetchDistance))
            for offset in 0..<count {
                if offset + Self.prefetchDistance < count { vantage_prefetch(start + offset + Self.prefetchDistance, size) }
                // The state the observations after this one will look up (within the batch).
                if offset + Self.indexPrefetchDistance < count {
                    engine.prefetch(start + offset + Self.indexPrefetchDistance, stage: 0)
                }
                if offset + Self.entryPrefetchDistance < count {
                    engine.prefetch(start + offset + Self.entryPrefetchDistance, stage: 1)
                }
                engine.observe(start[offset])
            }
            if lasts[index] {
                done.signal()
                return
            }
            held += 1
            if held >= releaseGroup { release(&held) }
            index = index + 1 == batchCount ? 0 : index + 1
        }
    }

    /// Gives `held` finished batches back to the producer.
    private func release(_ held: inout Int) {
        for _ in 0..<held { empty.signal() }
        held = 0
    }
}
