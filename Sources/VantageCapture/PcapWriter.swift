import Glibc
import VantageWire

/// Writes a classic pcap file (little-endian, µs or ns timestamps) through a large buffer.
///
/// ```swift
/// let writer = try PcapWriter(path: "evidence.pcap", linkType: .ethernet)
/// try reader.withCurrentBytes { bytes throws(CaptureError) in
///     try writer.write(timestamp: record.timestamp, originalLength: record.originalLength, bytes: bytes)
/// }
/// try writer.close()
/// ```
///
/// Records longer than the snap length are cut to it (the original length is kept). Timestamps
/// before 1970 or after 2106 are clamped to what the 32-bit seconds field can hold.
/// `deinit` flushes and closes a writer that was not closed, ignoring errors: call `close()`.
public final class PcapWriter {
    public let path: String
    public let linkType: LinkType
    public let snapLength: Int
    public let nanosecondTimestamps: Bool
    /// Number of records written so far.
    public private(set) var recordsWritten = 0

    private var descriptor: Int32
    private let buffer: UnsafeMutableRawBufferPointer
    private var used = 0

    /// Creates (or truncates) `path` and writes the 24-byte file header.
    ///
    /// `fcsLength` (bytes, even, ≤ 30) sets the header's FCS bits when the frames end in an FCS.
    public init(
        path: String, linkType: LinkType, snapLength: Int = 262_144,
        nanosecondTimestamps: Bool = false, fcsLength: Int = 0, bufferSize: Int = 1 << 20
    ) throws(CaptureError) {
        self.path = path
        self.linkType = linkType
        self.snapLength = min(max(snapLength, 1), maximumRecordLength)
        self.nanosecondTimestamps = nanosecondTimestamps
        self.buffer = UnsafeMutableRawBufferPointer.allocate(
            byteCount: max(bufferSize, 4096), alignment: 16)
        var opened: Int32
        repeat {
            opened = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        } while opened < 0 && errno == EINTR
        self.descriptor = opened
        guard opened >= 0 else {
            throw .io(path: path, message: "cannot create: \(systemErrorMessage(errno))")
        }
        var linkWord = linkType.rawValue & 0x03FF_FFFF
        if fcsLength > 0 {
            linkWord |= 0x0400_0000 | UInt32(min(fcsLength / 2, 15)) << 28
        }
        append32(nanosecondTimestamps ? 0xA1B2_3C4D : 0xA1B2_C3D4)
        append16(2)
        append16(4)
        append32(0)
        append32(0)
        append32(UInt32(self.snapLength))
        append32(linkWord)
    }

    deinit {
        if descriptor >= 0 {
            try? flush()
            _ = Glibc.close(descriptor)
        }
        unsafe buffer.deallocate()
    }

    /// Appends one record; `bytes` longer than the snap length are cut to it.
    public func write(timestamp: Timestamp, originalLength: Int, bytes: Span<UInt8>)
        throws(CaptureError)
    {
        guard descriptor >= 0 else { throw .io(path: path, message: "write after close") }
        let captured = min(bytes.count, snapLength)
        let original = max(originalLength, captured)
        let seconds = min(max(timestamp.wholeSeconds, 0), Int64(UInt32.max))
        var fraction = timestamp.nanoseconds < 0 ? 0 : timestamp.fractionNanoseconds
        if !nanosecondTimestamps { fraction /= 1000 }
        if buffer.count - used < 16 { try flush() }
        append32(UInt32(seconds))
        append32(UInt32(fraction))
        append32(UInt32(captured))
        append32(UInt32(min(original, Int(UInt32.max))))
        var offset = 0
        while offset < captured {
            if used == buffer.count { try flush() }
            let count = min(captured - offset, buffer.count - used)
            unsafe bytes.withUnsafeBytes { source in
                unsafe buffer.baseAddress!.advanced(by: used).copyMemory(
                    from: source.baseAddress!.advanced(by: offset), byteCount: count)
            }
            used += count
            offset += count
        }
        if used == buffer.count { try flush() }
        recordsWritten += 1
    }

    /// Appends one record with the timestamp and original length of `record`.
    public func write(record: PacketRecord, bytes: Span<UInt8>) throws(CaptureError) {
        try write(timestamp: record.timestamp, originalLength: record.originalLength, bytes: bytes)
    }

    /// Writes buffered bytes to the file.
    public func flush() throws(CaptureError) {
        guard descriptor >= 0 else { return }
        var offset = 0
        while offset < used {
            let written = unsafe Glibc.write(
                descriptor, buffer.baseAddress!.advanced(by: offset), used - offset)
            if written < 0 {
                if errno == EINTR { continue }
                let message = systemErrorMessage(errno)
                used = 0
                throw .io(path: path, message: "write failed: \(message)")
            }
            offset += written
        }
        used = 0
    }

    /// Flushes and closes the file. Later writes throw; closing again does nothing.
    public func close() throws(CaptureError) {
        guard descriptor >= 0 else { return }
        defer {
            _ = Glibc.close(descriptor)
            descriptor = -1
        }
        try flush()
    }

    private func append16(_ value: UInt16) {
        unsafe buffer.storeBytes(of: value.littleEndian, toByteOffset: used, as: UInt16.self)
        used += 2
    }

    private func append32(_ value: UInt32) {
        unsafe buffer.storeBytes(of: value.littleEndian, toByteOffset: used, as: UInt32.self)
        used += 4
    }
}
