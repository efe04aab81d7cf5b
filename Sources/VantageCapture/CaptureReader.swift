import VantageWire

/// Reads the packets of one pcap or pcapng capture, one record at a time, without copying them.
///
/// ```swift
/// var reader = try CaptureReader(path: "edge.pcapng")
/// while try reader.advance() {
///     let record = reader.current
///     reader.withCurrentBytes { bytes in decode(bytes, record.linkType) }
/// }
/// ```
///
/// The file is read with large `read()`s into one reused buffer; a record's bytes are lent out
/// in place as a `Span` that is valid until the next `advance()`. No heap allocation happens per
/// packet, and packet bytes are copied only when a record straddles two reads.
///
/// After an error, `advance()` throws the same error again on every call; it never traps and
/// never loops without consuming input. Copies of a reader are independent (copy-on-write).
public struct CaptureReader: Sendable {
    /// The file's path, or the name given to an in-memory capture.
    public let path: String
    /// The size of the file in bytes; nil for pipes and other non-regular files.
    public let fileSize: Int64?
    /// Container format, byte order (of the current pcapng section) and timestamp unit.
    public internal(set) var format: CaptureFormat
    /// Every interface seen so far, over all sections; `PacketRecord.interfaceID` indexes this.
    public internal(set) var interfaces: [CaptureInterface] = []
    /// The current record; before the first successful `advance()` an empty record with
    /// frame number 0.
    public internal(set) var current: PacketRecord = .empty

    /// The reader's buffer and position.
    var buffer: ChunkBuffer
    /// Bytes of the current record or block still to consume at the next `advance()`.
    var pendingConsume = 0
    /// Offset of the current record's bytes from the buffer's first unconsumed byte.
    var dataOffset = 0
    /// The error that stopped the reader, thrown again by every later `advance()`.
    var failure: CaptureError?
    /// Whether the reader reached a clean end of file.
    var finished = false
    /// Packet records returned so far.
    var frameCount = 0
    /// Per-interface values the hot path needs, parallel to `interfaces` (no ARC traffic).
    var interfaceParameters: [InterfaceParameters] = []

    // Classic pcap state.
    /// Record header size: 16, or 24 for the Kuznetzov format.
    var pcapRecordHeaderLength = 16
    /// How to treat the caplen and len fields of old (< 2.4) files.
    var pcapLengthOrder = PcapLengthOrder.normal

    // pcapng state.
    /// 0-based index of the current section; -1 before the first SHB.
    var sectionIndex = -1
    /// Index in `interfaces` of the current section's interface 0.
    var sectionInterfaceBase = 0

    /// Opens and identifies the capture at `path`; reads the pcap file header or the first
    /// pcapng section header. `chunkSize` (at least 64) is the size of each read and of the
    /// initial buffer, which is smaller for a file smaller than that. Pipes and other
    /// non-regular files are read sequentially (`fileSize` is then nil).
    ///
    /// A regular file of at least four chunks is read ahead on a background thread (`readAhead`,
    /// on by default; chunk sizes of at least 4 KiB): the kernel's copy out of the page cache
    /// then overlaps the caller's work on the records. Results are the same either way.
    public init(path: String, chunkSize: Int = 1 << 20, readAhead: Bool = true) throws(CaptureError) {
        let (source, size) = try ByteSource.open(path: path)
        try self.init(source: source, fileSize: size, path: path, chunkSize: chunkSize, readAhead: readAhead)
    }

    /// Reads an in-memory capture (tests, fuzzing); `name` stands for the path in errors.
    public init(bytes: [UInt8], name: String = "<memory>", chunkSize: Int = 1 << 20)
        throws(CaptureError)
    {
        try self.init(
            source: .memory(bytes), fileSize: Int64(bytes.count), path: name, chunkSize: chunkSize)
    }

    init(source: ByteSource, fileSize: Int64?, path: String, chunkSize: Int, readAhead: Bool = false)
        throws(CaptureError)
    {
        self.path = path
        self.fileSize = fileSize
        self.buffer = ChunkBuffer(
            source: source, path: path, chunkSize: chunkSize, sizeHint: fileSize, readAhead: readAhead)
        self.format = CaptureFormat(
            container: .pcap, byteOrder: .littleEndian, nanosecondTimestamps: false,
            pcapVariant: .standard, versionMajor: 0, versionMinor: 0)
        _ = try buffer.fill(CaptureSniffer.prefixLength)
        let kind = buffer.withBytes(
            at: 0, count: min(buffer.available, CaptureSniffer.prefixLength)
        ) {
            CaptureSniffer.identify($0)
        }
        switch kind {
        case .pcap(let bigEndian, let nanoseconds, let variant):
            try readPcapFileHeader(bigEndian: bigEndian, nanoseconds: nanoseconds, variant: variant)
        case .pcapng:
            format.container = .pcapng
            try readFirstSectionHeader()
        case .truncatedMagic:
            throw .truncated(
                path: path, offset: 0,
                reason: "file ends inside the magic number (\(buffer.available) of 4 bytes)")
        case .other(let found):
            throw .notACapture(path: path, found: found)
        }
    }

    /// Moves to the next packet record. Returns false at a clean end of file.
    ///
    /// Throws when the file ends inside a record (`.truncated`), contradicts its format
    /// (`.corrupt`) or cannot be read (`.io`); every later call throws the same error.
    public mutating func advance() throws(CaptureError) -> Bool {
        if let failure { throw failure }
        if finished { return false }
        do {
            let found =
                format.container == .pcap ? try nextPcapRecord() : try nextPcapNGRecord()
            if !found {
                finished = true
                current = .empty
                dataOffset = 0
            }
            return found
        } catch {
            failure = error
            current = .empty
            dataOffset = 0
            pendingConsume = 0
            throw error
        }
    }

    /// Calls `body` with the current record's captured bytes, valid until the next `advance()`.
    @inline(__always)
    public func withCurrentBytes<R, E: Error>(_ body: (Span<UInt8>) throws(E) -> R) throws(E) -> R {
        try buffer.withBytes(at: dataOffset, count: current.capturedLength, body)
    }

    /// ``withCurrentBytes(_:)`` for callers that hold the reader in an array: a `mutating`
    /// call reaches the element through the array's in-place accessor instead of copying it.
    @inline(__always)
    mutating func withCurrentBytesInPlace<R, E: Error>(_ body: (Span<UInt8>) throws(E) -> R) throws(E) -> R {
        try buffer.withBytes(at: dataOffset, count: current.capturedLength, body)
    }

    /// ``current``, read through a `mutating` call so that a reader held in an optional or an
    /// array is accessed in place rather than copied first.
    @inline(__always)
    mutating func currentInPlace() -> PacketRecord { current }

    /// ``isAtEnd``, in place (see ``currentInPlace()``).
    @inline(__always)
    mutating func isAtEndInPlace() -> Bool { finished || failure != nil }

    /// File offset just past the current record (or the last header read): progress so far.
    public var bytesRead: Int64 { buffer.position + Int64(pendingConsume) }

    /// The error that stopped this reader, if any.
    public var error: CaptureError? { failure }

    /// Whether the reader has reached the end of the file or an error.
    public var isAtEnd: Bool { finished || failure != nil }

    /// Size of the reader's buffer in bytes (grows only for a record larger than the chunk size).
    public var bufferCapacity: Int { buffer.capacity }

    /// A `.truncated` error at `offset` for this file.
    func truncated(_ offset: Int64, _ reason: String) -> CaptureError {
        .truncated(path: path, offset: offset, reason: reason)
    }

    /// A `.corrupt` error at `offset` for this file.
    func corrupt(_ offset: Int64, _ reason: String) -> CaptureError {
        .corrupt(path: path, offset: offset, reason: reason)
    }
}

/// Values of one interface that every packet needs; trivially copyable.
struct InterfaceParameters: Sendable {
    var linkType: LinkType
    var snapLength: Int
    var fcsLength: Int
    var scale: TimeScale
    var offsetNanoseconds: Int64
}

/// Largest captured length accepted for one packet (and, plus room for options, one block).
let maximumRecordLength = 256 << 20
let maximumBlockLength = maximumRecordLength + (1 << 20)

/// Order of the caplen and len fields in classic pcap record headers.
enum PcapLengthOrder: Sendable {
    /// Version 2.4 and later: caplen, then len.
    case normal
    /// Versions before 2.3 wrote len before caplen.
    case swapped
    /// Version 2.3 files may be either; swap when caplen > len (as libpcap does).
    case maybeSwapped
}

extension Span where Element == UInt8 {
    /// A 16-bit value in the given byte order.
    @inline(__always)
    func u16(_ offset: Int, bigEndian: Bool) -> UInt16 { bigEndian ? u16(offset) : u16LE(offset) }

    /// A 32-bit value in the given byte order.
    @inline(__always)
    func u32(_ offset: Int, bigEndian: Bool) -> UInt32 { bigEndian ? u32(offset) : u32LE(offset) }

    /// A 64-bit value in the given byte order.
    @inline(__always)
    func u64(_ offset: Int, bigEndian: Bool) -> UInt64 {
        bigEndian
            ? u64(offset) : UInt64(u32LE(offset)) | UInt64(u32LE(offset &+ 4)) << 32
    }
}
