#if canImport(Glibc)
    import Glibc
#endif

/// A buffered writer to a file descriptor: lines are gathered and written in 64 KiB blocks.
final class BufferedOutput {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private static let flushSize = 1 << 16

    /// A writer on `descriptor` (standard output by default).
    init(descriptor: Int32 = STDOUT_FILENO) {
        self.descriptor = descriptor
        buffer.reserveCapacity(Self.flushSize * 2)
    }

    deinit { flush() }

    /// Appends `text` and a newline.
    func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(0x0A)
        if buffer.count >= Self.flushSize { flush() }
    }

    /// Writes everything gathered so far.
    func flush() {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { raw in
                write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if written <= 0 {
                if written < 0 && errno == EINTR { continue }
                break  // the reader went away (e.g. `| head`); drop the rest quietly
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Writes one line to standard error at once (unbuffered, so it interleaves correctly).
func printError(_ text: String) {
    let line = text + "\n"
    _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
}
