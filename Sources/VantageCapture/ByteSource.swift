import Glibc

/// Where a reader's bytes come from: a regular file (read with `pread` at explicit offsets, so
/// reader copies stay independent), a pipe or other stream (read with `read`; copies of a reader
/// on a stream share it), or an in-memory array.
enum ByteSource: Sendable {
    case file(FileDescriptor)
    case stream(FileDescriptor)
    case memory([UInt8])

    /// Opens `path` for reading; returns the source and the file size for regular files.
    static func open(path: String) throws(CaptureError) -> (ByteSource, Int64?) {
        var descriptor: Int32
        repeat {
            descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else {
            throw .io(path: path, message: "cannot open: \(systemErrorMessage(errno))")
        }
        let file = FileDescriptor(descriptor)
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw .io(path: path, message: "cannot stat: \(systemErrorMessage(errno))")
        }
        let type = info.st_mode & S_IFMT
        if type == S_IFDIR {
            throw .io(path: path, message: "is a directory")
        }
        if type == S_IFREG {
            // Captures are read front to back: ask for the larger sequential readahead window
            // (helps when the file is not in the page cache; a no-op when it is).
            _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
            return (.file(file), Int64(info.st_size))
        }
        return (.stream(file), nil)
    }

    /// Reads up to `count` bytes at file offset `offset` into `target`; 0 means end of input.
    func read(
        into target: UnsafeMutableRawBufferPointer, at offset: Int64, path: String
    ) throws(CaptureError) -> Int {
        switch self {
        case .file(let file):
            while true {
                let result = unsafe pread(
                    file.descriptor, target.baseAddress, target.count, off_t(offset))
                if result >= 0 { return result }
                if errno == EINTR { continue }
                throw .io(
                    path: path,
                    message: "read failed at byte \(offset): \(systemErrorMessage(errno))")
            }
        case .stream(let file):
            while true {
                let result = unsafe Glibc.read(file.descriptor, target.baseAddress, target.count)
                if result >= 0 { return result }
                if errno == EINTR { continue }
                throw .io(
                    path: path,
                    message: "read failed at byte \(offset): \(systemErrorMessage(errno))")
            }
        case .memory(let bytes):
            guard offset >= 0, offset < Int64(bytes.count) else { return 0 }
            let from = Int(offset)
            let count = min(target.count, bytes.count - from)
            unsafe bytes.withUnsafeBytes { source in
                unsafe target.baseAddress!.copyMemory(
                    from: source.baseAddress!.advanced(by: from), byteCount: count)
            }
            return count
        }
    }
}

/// An open file descriptor, closed when the last reader copy that uses it goes away.
final class FileDescriptor: Sendable {
    let descriptor: Int32
    init(_ descriptor: Int32) { self.descriptor = descriptor }
    deinit { _ = Glibc.close(descriptor) }
}

/// The text of a C `errno` value.
func systemErrorMessage(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text) + " (errno \(code))"
}
