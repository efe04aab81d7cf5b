import CPrefetch

/// A window onto a byte source, refilled with large reads into one reused allocation.
///
/// Bytes `start ..< end` of the allocation are valid and unconsumed; the allocation's byte 0
/// sits at file offset `bufferFileOffset`. `fill(_:)` makes a number of bytes contiguous at
/// `start`: when they are not all there yet it moves the unconsumed tail to the front (to its
/// file offset modulo 4 KiB in a large buffer; the only copy of packet bytes, for records that
/// straddle two reads), grows the allocation only when one record is larger than it, and reads
/// more. A large regular file is read ahead on a background thread instead (``ReadAhead``): the
/// tail then moves into the headroom of the next slot. This file, ``ByteSource`` and
/// ``ReadAhead`` hold all of the module's `unsafe` code apart from the `Span` bridge in
/// `withBytes`.
///
/// Copies of a `ChunkBuffer` share the allocation until one of them refills: the refill then
/// copies the window into a fresh allocation first (copy-on-write), so copies stay independent
/// (a copy sharing a read-ahead makes both read by themselves with `pread` from then on).
struct ChunkBuffer: Sendable {
    private var storage: BufferStorage
    private let source: ByteSource
    /// Name for error messages.
    let path: String
    /// Offset of the first unconsumed byte in the allocation.
    private(set) var start = 0
    /// Offset just past the last valid byte in the allocation.
    private(set) var end = 0
    /// File offset of allocation byte 0.
    private(set) var bufferFileOffset: Int64 = 0
    /// Whether the source has reported its end.
    private(set) var atEnd = false
    /// The background reader of a large regular file (see ``ReadAhead``); nil before the first
    /// refill, for other sources, and for good once this buffer has fallen back to reading
    /// itself (a copy of the buffer shares it, or a record did not fit a slot's headroom).
    private var ahead: ReadAhead?
    /// The read size of the read-ahead, or 0 when this buffer does not (or no longer) use one.
    private var readAheadChunk = 0
    /// A read error met while reading ahead, thrown by the next refill.
    private var aheadError: CaptureError?
    /// The read-ahead consumer's own buffer, for the chunks it reads by itself.
    private var ownStorage: BufferStorage?
    /// Chunks taken from the read-ahead, and chunks read by the consumer itself because the
    /// producer was behind: a producer that rarely gets a CPU is dropped (see `refillAhead`).
    private var aheadUsed = 0
    private var aheadMissed = 0
    /// Misses tolerated before a read-ahead that delivers less than four chunks in five is
    /// dropped: on a machine whose cores are all busy, its thread only duplicates reads.
    static let aheadMissesTolerated = 32

    /// `sizeHint` (the file size, when known) keeps the buffer of a small file small. A regular
    /// file of at least four chunks is read ahead on a background thread when `readAhead` is
    /// set and the chunk size is at least 4 KiB.
    init(source: ByteSource, path: String, chunkSize: Int, sizeHint: Int64? = nil, readAhead: Bool = true) {
        self.source = source
        self.path = path
        var capacity = max(chunkSize, 64)
        if let sizeHint, sizeHint >= 0, sizeHint < Int64(capacity) {
            capacity = max(Int(sizeHint), 64)
        }
        self.storage = BufferStorage(capacity: capacity)
        if readAhead, case .file = source, chunkSize >= Self.pageSize, let sizeHint,
            sizeHint >= 4 * Int64(chunkSize)
        {
            readAheadChunk = (chunkSize + Self.pageSize - 1) & ~(Self.pageSize - 1)
        }
    }

    /// File offset of the first unconsumed byte.
    @inline(__always) var position: Int64 { bufferFileOffset &+ Int64(start) }
    /// Number of unconsumed bytes in the window.
    @inline(__always) var available: Int { end &- start }
    /// Bytes read from the source so far.
    var bytesReadFromSource: Int64 { bufferFileOffset &+ Int64(end) }
    /// The allocation size (for tests: it grows only for records larger than the chunk size).
    var capacity: Int { storage.bytes.count }

    /// Makes at least `count` unconsumed bytes available; false if the source ends first.
    @inline(__always)
    mutating func fill(_ count: Int) throws(CaptureError) -> Bool {
        if end &- start >= count { return true }
        return try refill(count)
    }

    /// Marks `count` bytes (at most `available`) as consumed.
    @inline(__always)
    mutating func consume(_ count: Int) {
        start &+= min(max(count, 0), end &- start)
        if start == end {
            bufferFileOffset &+= Int64(start)
            start = 0
            end = 0
        }
    }

    /// Buffers at least this large keep each byte at an allocation offset congruent to its file
    /// offset modulo ``pageSize`` (see `refill`).
    static let congruentMinimumCapacity = 64 << 10
    /// The page size the congruence uses.
    static let pageSize = 4096

    @inline(never)
    private mutating func refill(_ count: Int) throws(CaptureError) -> Bool {
        if atEnd { return false }
        if readAheadChunk > 0, let filled = try refillAhead(count) { return filled }
        let unconsumed = end - start
        let tailFileOffset = bufferFileOffset + Int64(start)
        if count > storage.bytes.count || !isKnownUniquelyReferenced(&storage) {
            // Grow to the record's size (rounded to 64 bytes): each growth costs at most one
            // copy of a record that has to be read anyway.
            let grown = count > storage.bytes.count ? (count + 63) & ~63 : 0
            let fresh = BufferStorage(capacity: max(grown, storage.bytes.count))
            if unconsumed > 0 {
                unsafe fresh.bytes.baseAddress!.copyMemory(
                    from: storage.bytes.baseAddress!.advanced(by: start), byteCount: unconsumed)
            }
            storage = fresh
            start = 0
        }
        // Put the unconsumed tail where its file offset modulo the page size says, so that each
        // read() copies from page-cache pages into a destination with the same page offset. The
        // kernel's copy is up to 4.5x slower when the destination sits a few bytes after the
        // source modulo 4 KiB (4K aliasing between its loads and stores); the allocation itself
        // starts 16 bytes into a page. Small buffers (tests, tiny files) start at 0.
        let capacity = storage.bytes.count
        var lead = 0
        if capacity >= Self.congruentMinimumCapacity {
            lead = Int(tailFileOffset & Int64(Self.pageSize - 1))
            if lead + count > capacity { lead = 0 }
        }
        if start != lead && unconsumed > 0 {
            unsafe storage.bytes.baseAddress!.advanced(by: lead).copyMemory(
                from: storage.bytes.baseAddress!.advanced(by: start), byteCount: unconsumed)
        }
        bufferFileOffset = tailFileOffset - Int64(lead)
        start = lead
        end = lead + unconsumed
        while end - start < count {
            let target = unsafe UnsafeMutableRawBufferPointer(rebasing: storage.bytes[end...])
            let got = try source.read(into: target, at: bufferFileOffset + Int64(end), path: path)
            if got <= 0 {
                atEnd = true
                break
            }
            end += got
        }
        return end - start >= count
    }

    /// `refill` from the read-ahead's slots; nil when this buffer must read by itself instead
    /// (from then on: the read-ahead is dropped and `readAheadChunk` cleared).
    ///
    /// The consumer never sleeps on the producer: when the next slot is not ready it reads that
    /// chunk itself into its own buffer (and moves the producer's start past it), so a producer
    /// thread that waits for a CPU on a busy machine costs nothing but the one read it may
    /// duplicate. Slots that turn out to hold bytes the consumer already read are skipped.
    private mutating func refillAhead(_ count: Int) throws(CaptureError) -> Bool? {
        if ahead == nil {
            ahead = ReadAhead(
                source: source, path: path, from: bufferFileOffset + Int64(end), chunkSize: readAheadChunk)
        }
        guard isKnownUniquelyReferenced(&ahead) else {
            // A copy of this buffer shares the read-ahead: each copy reads by itself with
            // `pread` at its own offsets from here on, so copies stay independent.
            return stopReadingAhead()
        }
        while true {
            if let aheadError { throw aheadError }
            let tail = end - start
            guard tail <= ReadAhead.headroom else { return stopReadingAhead() }
            let expected = bufferFileOffset + Int64(end)
            guard let slot = ahead!.tryTake() else {
                try readOwnChunk(at: expected)
                aheadMissed += 1
                if atEnd {
                    ahead = nil
                } else if aheadMissed >= Self.aheadMissesTolerated && aheadMissed * 4 > aheadUsed {
                    _ = stopReadingAhead()  // it is not getting a CPU: read by ourselves only
                }
                if end - start >= count { return true }
                if atEnd { return false }
                if ahead == nil { return nil }  // dropped: the synchronous path reads the rest
                continue
            }
            if slot.error != nil {
                // Read again by ourselves: the synchronous path meets the same error at the
                // same offset, or reads on if it has gone.
                return stopReadingAhead()
            }
            if slot.fileOffset != expected || slot.length == 0 {
                if slot.fileOffset < expected && slot.length > 0
                    && slot.fileOffset + Int64(slot.length) <= expected
                {
                    // Bytes this buffer has already read by itself: give the slot back in ring
                    // order, after moving the window out of the slot given back with it.
                    moveWindowToOwnBuffer()
                    ahead!.releasePrevious()
                    continue
                }
                if slot.length == 0 && slot.fileOffset == expected {
                    atEnd = true
                    ahead = nil
                    return end - start >= count
                }
                return stopReadingAhead()  // not expected to happen: read by ourselves
            }
            // Join the unconsumed tail to the slot's data, in the headroom before it: the only
            // copy of packet bytes, for a record straddling two reads.
            let joined = slot.dataStart - tail
            if tail > 0 {
                unsafe slot.storage.bytes.baseAddress!.advanced(by: joined).copyMemory(
                    from: storage.bytes.baseAddress!.advanced(by: start), byteCount: tail)
            }
            ahead!.releasePrevious()  // only now may the producer overwrite the old window
            aheadUsed += 1
            storage = slot.storage
            bufferFileOffset = slot.fileOffset - Int64(slot.dataStart)
            start = joined
            end = slot.dataStart + slot.length
            if end - start >= count { return true }
        }
    }

    /// The buffer a read-ahead consumer reads into by itself (slot-sized, allocated once).
    private mutating func ownBuffer() -> BufferStorage {
        if let own = ownStorage { return own }
        let own = BufferStorage(capacity: ReadAhead.headroom + readAheadChunk)
        ownStorage = own
        return own
    }

    /// Moves the window (at most `ReadAhead.headroom` bytes) into the own buffer, just before
    /// the position where the file offset that follows it belongs.
    private mutating func moveWindowToOwnBuffer() {
        let own = ownBuffer()
        let tail = end - start
        let next = bufferFileOffset + Int64(end)
        let dataStart = ReadAhead.headroom + Int(next & Int64(Self.pageSize - 1))
        if tail > 0 && !(storage === own && start == dataStart - tail) {
            unsafe own.bytes.baseAddress!.advanced(by: dataStart - tail).copyMemory(
                from: storage.bytes.baseAddress!.advanced(by: start), byteCount: tail)
        }
        storage = own
        bufferFileOffset = next - Int64(dataStart)
        start = dataStart - tail
        end = dataStart
    }

    /// Reads the chunk at `offset` (the byte after the window) into the own buffer, after the
    /// window, as the producer would have: up to the next chunk boundary. Sets `atEnd` at the
    /// end of the file, and tells the producer to start past what was read.
    private mutating func readOwnChunk(at offset: Int64) throws(CaptureError) {
        moveWindowToOwnBuffer()
        let lead = Int(offset & Int64(Self.pageSize - 1))
        let wanted = readAheadChunk - lead
        var got = 0
        while got < wanted {
            let target = unsafe UnsafeMutableRawBufferPointer(rebasing: storage.bytes[(end + got)..<(end + wanted)])
            let read = try source.read(into: target, at: offset + Int64(got), path: path)
            if read <= 0 { break }
            got += read
        }
        end += got
        if got < wanted { atEnd = true }
        ahead?.skip(to: offset + Int64(got))
    }

    /// Drops the read-ahead for good; the caller goes on with synchronous reads.
    private mutating func stopReadingAhead() -> Bool? {
        ahead = nil
        readAheadChunk = 0
        return nil
    }

    /// Calls `body` with `count` bytes at `offset` from the first unconsumed byte, as a `Span`.
    /// The caller guarantees `offset + count <= available` (checked; an invalid range yields
    /// an empty span rather than foreign memory).
    @inline(__always)
    func withBytes<R, E: Error>(
        at offset: Int, count: Int, _ body: (Span<UInt8>) throws(E) -> R
    ) throws(E) -> R {
        let valid =
            offset >= 0 && count >= 0 && offset <= end &- start && count <= end &- start &- offset
        let base = unsafe storage.bytes.baseAddress!.advanced(by: start &+ (valid ? offset : 0))
        let elements = unsafe UnsafeBufferPointer(
            start: base.assumingMemoryBound(to: UInt8.self), count: valid ? count : 0)
        let span = unsafe Span(_unsafeElements: elements)
        return try body(span)
    }

    /// Asks the CPU to fetch the bytes `offset ..< offset + count` past the first unconsumed byte
    /// (those that are valid): a hint, for records the reader reaches a little later. The bytes
    /// were written by the read-ahead thread on another core, which the hardware's own prefetch
    /// does not see coming at page boundaries.
    @inline(__always)
    func prefetch(at offset: Int, count: Int) {
        let from = start &+ offset
        let to = min(from &+ count, end)
        guard from < to else { return }
        unsafe vantage_prefetch(storage.bytes.baseAddress!.advanced(by: from), to &- from)
    }
}

/// One allocation of bytes, bound to `UInt8`, freed with its last owner.
final class BufferStorage: @unchecked Sendable {
    // @unchecked: the memory is written only by a uniquely referenced owner (see ChunkBuffer).
    let bytes: UnsafeMutableRawBufferPointer

    init(capacity: Int) {
        // Large buffers start on a page (see ChunkBuffer.refill); malloc's own start is 16 bytes in.
        let alignment = capacity >= ChunkBuffer.congruentMinimumCapacity ? ChunkBuffer.pageSize : 16
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: alignment)
        unsafe bytes.bindMemory(to: UInt8.self)
    }

    deinit { unsafe bytes.deallocate() }
}

extension ChunkBuffer {
    /// Calls `body` with an empty span.
    static func withEmptySpan<R, E: Error>(_ body: (Span<UInt8>) throws(E) -> R) throws(E) -> R {
        let span = unsafe Span(_unsafeElements: UnsafeBufferPointer<UInt8>(start: nil, count: 0))
        return try body(span)
    }
}
