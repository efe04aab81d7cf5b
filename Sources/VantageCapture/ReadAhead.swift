import Dispatch
import Glibc
import Synchronization

/// Reads a regular file ahead of its consumer on a background thread, into a small ring of
/// large buffers, so that the kernel's copy out of the page cache runs on another core while
/// the consumer decodes.
///
/// Measured on the 2-core benchmark VMs: that copy is a third to a half of `decode --stats`
/// on a warm 6.7 GB capture, and overlapping it with the decoding cuts the wall time by about
/// the same amount. Nothing changes for the consumer but where the bytes come from:
///
/// - Each slot holds ``headroom`` free bytes, then up to ``chunkSize`` bytes read from file
///   offset `fileOffset` at slot offset `dataStart` (congruent to the file offset modulo 4 KiB,
///   like ``ChunkBuffer``'s own reads). The consumer copies the unconsumed tail of its previous
///   slot (a record straddling two reads) into the headroom just before `dataStart`, so the
///   record is contiguous: the same single copy as a synchronous refill. A tail larger than the
///   headroom makes ``ChunkBuffer`` fall back to synchronous reads for good.
/// - Slots are handed over strictly in order with two semaphores (single producer, single
///   consumer): the producer fills a slot and signals `full`; the consumer takes it, and
///   signals `empty` when it has moved on to the next one.
/// - Errors and the end of the file travel in the slot: the consumer throws the same error at
///   the same offset a synchronous read would have.
///
/// Dropping the last reference cancels the producer without waiting for it: it stops before its
/// next read (it only ever writes slots the consumer has given back), so an abandoned reader
/// costs at most one more read in the background.
///
/// On a busy machine the producer thread can wait for a CPU for milliseconds while the
/// consumer, a fraction of a millisecond per slot, runs dry. The consumer then never sleeps on
/// it: ``tryTake()`` finds no slot, ``ChunkBuffer`` reads that chunk by itself (the work a
/// synchronous reader does) and ``skip(to:)`` moves the producer past it; a slot the producer
/// filled meanwhile with those same bytes is skipped. (Sleeping would hand the CPU to another
/// process for a time slice on every chunk.)
final class ReadAhead: @unchecked Sendable {
    // @unchecked: `shared` is the only state, see `Shared`.
    /// Bytes kept free before each slot's data: a tail up to this size is joined to the next
    /// slot in place. Covers a record of the largest usual snap length (262144) plus its header.
    static let headroom = 264 << 10
    /// How many slots the ring holds: one being decoded, two being read or ready.
    static let slotCount = 3

    /// One buffer of the ring, with what the producer put in it.
    final class Slot: @unchecked Sendable {
        // @unchecked: the producer writes the fields before signalling `full` and the consumer
        // reads them after waiting on it; the semaphore orders the accesses, and a slot is
        // written again only after the consumer has signalled `empty` for it.
        let storage: BufferStorage
        /// File offset of the byte at `dataStart`.
        var fileOffset: Int64 = 0
        /// Offset of the first byte read into the slot.
        var dataStart = 0
        /// Bytes read (0 at the end of the file).
        var length = 0
        /// The read error, if the read failed.
        var error: CaptureError?

        init(capacity: Int) { storage = BufferStorage(capacity: capacity) }
    }

    /// What the producer and the consumer share.
    final class Shared: @unchecked Sendable {
        // @unchecked: the slots are handed over through `empty` and `full` (see `Slot`);
        // `cancelled` is atomic.
        let slots: [Slot]
        let empty = DispatchSemaphore(value: 0)
        let full = DispatchSemaphore(value: 0)
        let cancelled = Atomic<Bool>(false)
        /// The consumer has read everything before this file offset by itself: the producer
        /// reads from here on.
        let frontier = Atomic<Int64>(0)

        init(capacity: Int) {
            slots = (0..<ReadAhead.slotCount).map { _ in Slot(capacity: capacity) }
            // Semaphores start at 0 and are signalled up: libdispatch traps when one is freed
            // with a value below its initial value.
            for _ in slots { empty.signal() }
        }
    }

    private let shared: Shared
    /// Index of the next slot the consumer takes.
    private var next = 0
    /// Whether the consumer holds a slot taken before the last one, not given back yet.
    private var holdingPrevious = false

    /// Starts reading `source` from `offset` in reads of `chunkSize` bytes (a multiple of 4 KiB).
    ///
    /// For tests, `VANTAGE_READ_AHEAD_DELAY_US` makes the producer sleep that long before each
    /// read, as a producer starved of CPU would.
    init(source: ByteSource, path: String, from offset: Int64, chunkSize: Int) {
        shared = Shared(capacity: Self.headroom + chunkSize)
        let shared = shared
        let delay = getenv("VANTAGE_READ_AHEAD_DELAY_US").flatMap { UInt32(String(cString: $0)) } ?? 0
        DispatchQueue(label: "vantage.read-ahead").async {
            Self.produce(shared, source: source, path: path, from: offset, chunkSize: chunkSize, delay: delay)
        }
    }

    deinit {
        shared.cancelled.store(true, ordering: .releasing)
        shared.empty.signal()  // wake the producer if it waits for a free slot, so that it ends
    }

    /// The next slot in ring order if the producer has filled it, else nil (without waiting).
    /// The slot taken before stays the caller's until ``releasePrevious()``: the caller copies
    /// the tail of its window out of it first.
    func tryTake() -> Slot? {
        guard shared.full.wait(timeout: .now()) == .success else { return nil }
        let slot = shared.slots[next]
        next = (next + 1) % shared.slots.count
        return slot
    }

    /// Tells the producer that the consumer has read everything before `offset` by itself.
    func skip(to offset: Int64) {
        shared.frontier.store(offset, ordering: .releasing)
    }

    /// Gives the slot taken before the last ``take()`` back to the producer (the last one taken
    /// becomes the one held).
    func releasePrevious() {
        if holdingPrevious { shared.empty.signal() }
        holdingPrevious = true
    }

    private static func produce(
        _ shared: Shared, source: ByteSource, path: String, from start: Int64, chunkSize: Int, delay: UInt32
    ) {
        var offset = start
        var index = 0
        while true {
            shared.empty.wait()
            if delay > 0 { usleep(delay) }
            if shared.cancelled.load(ordering: .acquiring) { return }
            let slot = shared.slots[index]
            index = (index + 1) % shared.slots.count
            offset = max(offset, shared.frontier.load(ordering: .acquiring))
            let lead = Int(offset & Int64(ChunkBuffer.pageSize - 1))
            slot.fileOffset = offset
            slot.dataStart = headroom + lead
            slot.length = 0
            slot.error = nil
            let wanted = chunkSize - lead
            do {
                while slot.length < wanted {
                    let target = unsafe UnsafeMutableRawBufferPointer(
                        rebasing: slot.storage.bytes[(slot.dataStart + slot.length)..<(slot.dataStart + wanted)])
                    let got = try source.read(into: target, at: offset + Int64(slot.length), path: path)
                    if got <= 0 { break }
                    slot.length += got
                }
            } catch {
                slot.error = error
            }
            let stop = slot.length == 0 || slot.error != nil
            offset += Int64(slot.length)
            shared.full.signal()
            if stop { return }
        }
    }
}
