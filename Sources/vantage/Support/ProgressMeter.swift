#if canImport(Glibc)
    import Glibc
#endif

/// A progress line on standard error for long reads: shown only when standard error is a
/// terminal and the input is large, refreshed at most twice a second, erased at the end.
struct ProgressMeter {
    private let totalBytes: Int64
    private let enabled: Bool
    private var lastShown: Double = 0
    private var calls = 0
    private var shown = false

    /// A meter for reading `totalBytes` (nil when the size is unknown: no meter).
    init(totalBytes: Int64?) {
        self.totalBytes = totalBytes ?? 0
        enabled = isatty(STDERR_FILENO) == 1 && (totalBytes ?? 0) > 64 << 20
    }

    /// Counts one frame; every 16384 frames asks `bytesRead` and maybe redraws. Cheap enough
    /// to call for every frame: the common case is inlined into the caller's loop.
    @inline(__always)
    mutating func tick(_ bytesRead: () -> Int64) {
        guard enabled else { return }
        calls &+= 1
        guard calls & 0x3FFF == 0 else { return }
        redraw(bytesRead)
    }

    /// Redraws the line (at most twice a second).
    private mutating func redraw(_ bytesRead: () -> Int64) {
        let now = Self.monotonicSeconds()
        guard now - lastShown >= 0.5 else { return }
        lastShown = now
        shown = true
        let percent = Int(Double(bytesRead()) * 100 / Double(max(totalBytes, 1)))
        let text = "\r  reading: \(percent)% of \(totalBytes >> 20) MiB "
        _ = text.withCString { write(STDERR_FILENO, $0, strlen($0)) }
    }

    /// Erases the progress line, if one was shown.
    mutating func finish() {
        guard shown else { return }
        let erase = "\r\u{1B}[K"
        _ = erase.withCString { write(STDERR_FILENO, $0, strlen($0)) }
    }

    private static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
