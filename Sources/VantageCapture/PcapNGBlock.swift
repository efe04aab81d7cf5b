import VantageWire

// pcapng block bodies (protocols.md 9.3). Each parser gets the whole block as a `Span`
// (type, length, body, trailing length), the section's byte order, and returns a small value.
// Every read is guarded by the block length, which the reader has already checked to be
// ≥ 12, a multiple of 4, present in full and repeated at the end.

/// pcapng block type codes.
enum PcapNGBlockType {
    static let sectionHeader: UInt32 = 0x0A0D_0D0A
    static let interfaceDescription: UInt32 = 0x0000_0001
    static let packet: UInt32 = 0x0000_0002
    static let simplePacket: UInt32 = 0x0000_0003
    static let nameResolution: UInt32 = 0x0000_0004
    static let interfaceStatistics: UInt32 = 0x0000_0005
    static let enhancedPacket: UInt32 = 0x0000_0006
    static let decryptionSecrets: UInt32 = 0x0000_000A
    static let systemdJournalExport: UInt32 = 0x0000_0009

    /// Whether Wireshark lists blocks of this type as frames of their own although they hold
    /// no packet: custom blocks, systemd journal entries and sysdig events (Wireshark's
    /// `wiretap/pcapng.c` returns them as records). The reader skips them but counts them, so
    /// that frame numbers match Wireshark's.
    static func isNumberedByWireshark(_ type: UInt32) -> Bool {
        switch type {
        case 0x0000_0BAD, 0x4000_0BAD, systemdJournalExport, 0x0000_0204, 0x0000_0208,
            0x0000_0216, 0x0000_0217, 0x0000_0221, 0x0000_0222:
            true
        default:
            false
        }
    }

    /// A short name for messages.
    static func name(_ type: UInt32) -> String {
        switch type {
        case sectionHeader: "Section Header Block"
        case interfaceDescription: "Interface Description Block"
        case packet: "Packet Block"
        case simplePacket: "Simple Packet Block"
        case nameResolution: "Name Resolution Block"
        case interfaceStatistics: "Interface Statistics Block"
        case enhancedPacket: "Enhanced Packet Block"
        case decryptionSecrets: "Decryption Secrets Block"
        case 0x0000_0BAD, 0x4000_0BAD: "Custom Block"
        default: "block of type 0x" + String(type, radix: 16)
        }
    }

    /// The smallest valid total length of a block type.
    static func minimumLength(_ type: UInt32) -> Int {
        switch type {
        case sectionHeader: 28
        case interfaceDescription: 20
        case packet, enhancedPacket: 32
        case simplePacket: 16
        case interfaceStatistics: 24
        default: 12
        }
    }
}

/// A problem inside a block, at `offset` from the block start.
struct BlockProblem: Error {
    var reason: String
}

/// Walks the options between `start` and `end` of a block: code u16, length u16, value
/// padded to 4 bytes, ending at `opt_endofopt` or when fewer than 4 bytes remain. A value
/// that runs past `end` throws.
@inline(__always)
func forEachOption(
    in block: Span<UInt8>, from start: Int, to end: Int, bigEndian: Bool,
    _ body: (_ code: UInt16, _ value: Int, _ length: Int) throws(BlockProblem) -> Void
) throws(BlockProblem) {
    var at = start
    let limit = min(end, block.count)
    while at + 4 <= limit {
        let code = block.u16(at, bigEndian: bigEndian)
        let length = Int(block.u16(at + 2, bigEndian: bigEndian))
        if code == 0 { return }
        guard length <= limit - at - 4 else {
            throw BlockProblem(
                reason:
                    "option \(code) of length \(length) at block offset \(at) runs past the end of the block"
            )
        }
        try body(code, at + 4, length)
        at += 4 + (length + 3) & ~3
    }
}

/// Section Header Block: byte-order magic, version, options.
struct SectionHeader {
    var bigEndian: Bool
    var major: Int
    var minor: Int

    /// The byte order of a section from the byte-order magic at offset 8 (nil: neither order).
    static func byteOrder(_ block: Span<UInt8>) -> Bool? {
        guard block.count >= 12 else { return nil }
        switch block.u32(8) {
        case 0x1A2B_3C4D: return true
        case 0x4D3C_2B1A: return false
        default: return nil
        }
    }

    static func parse(_ block: Span<UInt8>, bigEndian: Bool) -> SectionHeader {
        SectionHeader(
            bigEndian: bigEndian, major: Int(block.u16(12, bigEndian: bigEndian)),
            minor: Int(block.u16(14, bigEndian: bigEndian)))
    }
}

/// Interface Description Block: link type, snaplen and the options the reader uses.
struct InterfaceDescription {
    var linkType: LinkType
    var snapLength: Int
    var name: String?
    var description: String?
    var resolution = TimestampResolution.microseconds
    var offsetSeconds: Int64 = 0
    var fcsLength = 0

    static func parse(_ block: Span<UInt8>, bigEndian: Bool) throws(BlockProblem)
        -> InterfaceDescription
    {
        var result = InterfaceDescription(
            linkType: LinkType(rawValue: UInt32(block.u16(8, bigEndian: bigEndian))),
            snapLength: Int(block.u32(12, bigEndian: bigEndian)))
        try forEachOption(in: block, from: 16, to: block.count - 4, bigEndian: bigEndian) {
            code, value, length throws(BlockProblem) in
            switch code {
            case 2: result.name = text(block, value, length)
            case 3: result.description = text(block, value, length)
            case 9:
                guard length >= 1 else { throw BlockProblem(reason: "empty if_tsresol option") }
                result.resolution = TimestampResolution(rawValue: block[value])
            case 13:
                if length >= 1 { result.fcsLength = Int(block[value]) }
            case 14:
                guard length == 8 else {
                    throw BlockProblem(reason: "if_tsoffset option of length \(length), expected 8")
                }
                result.offsetSeconds = Int64(bitPattern: block.u64(value, bigEndian: bigEndian))
            default: break
            }
        }
        return result
    }

    /// UTF-8 text of an option value, without trailing NULs.
    private static func text(_ block: Span<UInt8>, _ start: Int, _ length: Int) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        for index in start..<(start + length) { bytes.append(block[index]) }
        while bytes.last == 0 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The fixed fields of an Enhanced Packet Block or obsolete Packet Block.
struct PacketBlockHeader {
    var interfaceID: Int
    var timestampUnits: UInt64
    var capturedLength: Int
    var originalLength: Int
    /// `epb_flags` / `pack_flags`; 0 when absent.
    var flags: UInt32

    /// Both layouts put the packet data at offset 28.
    static let dataOffset = 28

    /// EPB: interface u32, ts high, ts low, caplen, len, data, options.
    /// Obsolete PB: interface u16, drops u16, ts high, ts low, caplen, len, data, options.
    static func parse(_ block: Span<UInt8>, bigEndian: Bool, obsolete: Bool) throws(BlockProblem)
        -> PacketBlockHeader
    {
        let interfaceID =
            obsolete
            ? Int(block.u16(8, bigEndian: bigEndian)) : Int(block.u32(8, bigEndian: bigEndian))
        let high = UInt64(block.u32(12, bigEndian: bigEndian))
        let low = UInt64(block.u32(16, bigEndian: bigEndian))
        let capturedLength = Int(block.u32(20, bigEndian: bigEndian))
        let originalLength = Int(block.u32(24, bigEndian: bigEndian))
        let room = block.count - 32
        guard capturedLength <= room else {
            throw BlockProblem(
                reason:
                    "captured length \(capturedLength) does not fit in the \(block.count)-byte block"
            )
        }
        var flags: UInt32 = 0
        let optionsStart = dataOffset + min((capturedLength + 3) & ~3, room)
        if optionsStart + 4 <= block.count - 4 {
            try forEachOption(
                in: block, from: optionsStart, to: block.count - 4, bigEndian: bigEndian
            ) {
                code, value, length throws(BlockProblem) in
                if code == 2 && length == 4 { flags = block.u32(value, bigEndian: bigEndian) }
            }
        }
        return PacketBlockHeader(
            interfaceID: interfaceID, timestampUnits: high << 32 | low,
            capturedLength: capturedLength, originalLength: originalLength, flags: flags)
    }
}
