#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A classic little-endian microsecond pcap written through one large reused buffer.
///
/// Callers write a frame at ``frame`` and then ``commit(time:length:)`` it; the buffer is
/// handed to `write()` in chunks of ``chunkSize`` bytes. Nothing is allocated per frame.
struct PcapOutput {
    static let chunkSize = 4 << 20
    /// Room for one more record past the flush threshold (header + the largest frame).
    static let slack = 4096
    static let snapLength: UInt32 = 262_144

    let fd: Int32
    let base: UnsafeMutableRawPointer
    var used = 0
    private(set) var bytesWritten: UInt64 = 0
    /// Unix seconds of relative time 0.
    let epoch: UInt64

    init(fd: Int32, epoch: UInt64) {
        self.fd = fd
        self.epoch = epoch
        base = UnsafeMutableRawPointer.allocate(byteCount: Self.chunkSize + Self.slack, alignment: 64)
        base.putLE32(0xA1B2_C3D4, 0)  // µs magic, written in our (little-endian) order
        base.putLE16(2, 4)
        base.putLE16(4, 6)
        base.putLE32(0, 8)
        base.putLE32(0, 12)
        base.putLE32(Self.snapLength, 16)
        base.putLE32(1, 20)  // LINKTYPE_ETHERNET
        used = 24
    }

    /// Where the next frame's bytes go (after its 16-byte record header).
    var frame: UnsafeMutableRawPointer {
        @inline(__always) get { base + used + 16 }
    }

    /// Seals the frame written at ``frame``: `time` is µs since the capture start.
    @inline(__always) mutating func commit(time: UInt64, length: Int) {
        let header = base + used
        header.putLE32(UInt32(truncatingIfNeeded: epoch &+ time / 1_000_000), 0)
        header.putLE32(UInt32(truncatingIfNeeded: time % 1_000_000), 4)
        header.putLE32(UInt32(truncatingIfNeeded: length), 8)
        header.putLE32(UInt32(truncatingIfNeeded: length), 12)
        used &+= 16 &+ length
        if used >= Self.chunkSize { flush() }
    }

    /// Writes out everything buffered.
    mutating func flush() {
        var offset = 0
        while offset < used {
            let n = write(fd, base + offset, used - offset)
            if n < 0 {
                if errno == EINTR { continue }
                fatal("write failed: errno \(errno)")
            }
            offset += n
        }
        bytesWritten &+= UInt64(used)
        used = 0
    }

    /// Flushes and closes the file.
    mutating func finish() {
        flush()
        if fd > 2, close(fd) != 0 { fatal("close failed: errno \(errno)") }
        base.deallocate()
    }
}

/// Prints `message` to standard error and exits with status 2.
func fatal(_ message: String) -> Never {
    var text = "vantage-benchgen: \(message)\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    exit(2)
}
