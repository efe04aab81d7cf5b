import VantageWire

/// Identifies a capture format from a file's first bytes, and says what a non-capture is.
enum CaptureSniffer {
    /// How many leading bytes `identify` looks at (fewer when the file is shorter).
    static let prefixLength = 64

    enum Kind: Equatable {
        case pcap(bigEndian: Bool, nanoseconds: Bool, variant: CaptureFormat.PcapVariant)
        case pcapng
        /// Fewer than 4 bytes that begin a known magic: a capture cut inside its magic.
        case truncatedMagic
        /// Not a capture; the text says what it looks like instead.
        case other(String)
    }

    /// Known classic pcap magics as big-endian values of the first four bytes.
    private static let pcapMagics: [(UInt32, nanoseconds: Bool, CaptureFormat.PcapVariant)] = [
        (0xA1B2_C3D4, false, .standard),
        (0xA1B2_3C4D, true, .standard),
        (0xA1B2_CD34, false, .kuznetzov),
        (0xA12B_3C4D, true, .navtel),
    ]
    static let pcapngBlockType: UInt32 = 0x0A0D_0D0A

    static func identify(_ bytes: Span<UInt8>) -> Kind {
        if bytes.count == 0 { return .other("empty file") }
        if bytes.count < 4 {
            return isMagicPrefix(bytes) ? .truncatedMagic : .other(describe(bytes))
        }
        let big = bytes.u32(0)
        let little = bytes.u32LE(0)
        for (magic, nanoseconds, variant) in pcapMagics {
            if big == magic {
                return .pcap(bigEndian: true, nanoseconds: nanoseconds, variant: variant)
            }
            if little == magic {
                return .pcap(bigEndian: false, nanoseconds: nanoseconds, variant: variant)
            }
        }
        if big == pcapngBlockType { return .pcapng }
        return .other(describe(bytes))
    }

    /// Whether the 1–3 bytes are the beginning of some capture magic, in either byte order.
    private static func isMagicPrefix(_ bytes: Span<UInt8>) -> Bool {
        var magics: [UInt32] = [pcapngBlockType]
        for (magic, _, _) in pcapMagics { magics += [magic, magic.byteSwapped] }
        return magics.contains { magic in
            (0..<bytes.count).allSatisfy { index in
                UInt8(truncatingIfNeeded: magic >> (24 - 8 * index)) == bytes[index]
            }
        }
    }

    /// What a non-capture file looks like, for `CaptureError.notACapture`.
    static func describe(_ bytes: Span<UInt8>) -> String {
        func starts(with prefix: [UInt8]) -> Bool {
            bytes.count >= prefix.count && prefix.indices.allSatisfy { bytes[$0] == prefix[$0] }
        }
        if starts(with: [0x1F, 0x8B]) {
            return "gzip-compressed data (1f 8b); decompress it first"
        }
        if starts(with: [0x50, 0x4B, 0x03, 0x04]) { return "a zip archive (50 4b 03 04)" }
        if starts(with: [0x42, 0x5A, 0x68]) { return "bzip2-compressed data (42 5a 68)" }
        if starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) {
            return "xz-compressed data (fd 37 7a 58 5a)"
        }
        if starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { return "zstd-compressed data (28 b5 2f fd)" }
        if starts(with: Array("snoop".utf8) + [0, 0, 0]) { return "a Solaris snoop capture" }
        if starts(with: Array("GMBU".utf8)) || starts(with: Array("RTSS".utf8)) {
            return "a Microsoft Network Monitor capture"
        }
        if isText(bytes) {
            var text = ""
            for index in 0..<min(bytes.count, 32) {
                let byte = bytes[index]
                switch byte {
                case 0x0A: text += "\\n"
                case 0x0D: text += "\\r"
                case 0x09: text += "\\t"
                case 0x22: text += "\\\""
                case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(byte))
                default: text += "?"
                }
            }
            return "text starting \"\(text)\(bytes.count > 32 ? "..." : "")\""
        }
        return "bytes " + hex(bytes, count: 8)
    }

    /// Printable ASCII, tabs, newlines and UTF-8 continuation bytes only.
    private static func isText(_ bytes: Span<UInt8>) -> Bool {
        var letters = 0
        for index in 0..<bytes.count {
            let byte = bytes[index]
            if byte == 0x09 || byte == 0x0A || byte == 0x0D || byte >= 0x80 { continue }
            guard byte >= 0x20 && byte < 0x7F else { return false }
            if (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A { letters += 1 }
        }
        return letters > 0
    }

    /// The first `count` bytes in hex, then "..." if there are more.
    static func hex(_ bytes: Span<UInt8>, count: Int) -> String {
        let digits = Array("0123456789abcdef")
        var parts: [String] = []
        for index in 0..<min(count, bytes.count) {
            parts.append(String([digits[Int(bytes[index] >> 4)], digits[Int(bytes[index] & 0xF)]]))
        }
        return parts.joined(separator: " ") + (bytes.count > count ? " ..." : "")
    }
}
