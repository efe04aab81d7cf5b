/// Why a capture file could not be read (further).
///
/// Each case names the file; `description` is one line suitable for a CLI error message.
/// Offsets are byte offsets from the start of the file, pointing at the start of the header,
/// record or block that could not be read.
public enum CaptureError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file is not a pcap or pcapng capture; `found` says what it is instead.
    case notACapture(path: String, found: String)
    /// The operating system refused to open or read the file.
    case io(path: String, message: String)
    /// The file ends inside a header, record or block (a capture that was cut short).
    case truncated(path: String, offset: Int64, reason: String)
    /// The bytes at `offset` contradict the format (bad lengths, unknown interface, ...).
    case corrupt(path: String, offset: Int64, reason: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .notACapture(let path, _), .io(let path, _), .truncated(let path, _, _),
            .corrupt(let path, _, _):
            path
        }
    }

    /// The byte offset of the damage, for truncated and corrupt files.
    public var offset: Int64? {
        switch self {
        case .truncated(_, let offset, _), .corrupt(_, let offset, _): offset
        case .notACapture, .io: nil
        }
    }

    /// Whether the file merely ends early (records before the cut are all valid).
    public var isTruncation: Bool {
        if case .truncated = self { true } else { false }
    }

    public var description: String {
        switch self {
        case .notACapture(let path, let found):
            "\(path): not a pcap or pcapng capture: \(found)"
        case .io(let path, let message):
            "\(path): \(message)"
        case .truncated(let path, let offset, let reason):
            "\(path): truncated at byte \(offset): \(reason)"
        case .corrupt(let path, let offset, let reason):
            "\(path): corrupt at byte \(offset): \(reason)"
        }
    }
}
