import VantageCapture

/// Appends integers in a chosen byte order.
extension Array where Element == UInt8 {
    mutating func put16(_ value: UInt16, bigEndian: Bool) {
        let bytes = [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
        append(contentsOf: bigEndian ? bytes : bytes.reversed())
    }

    mutating func put32(_ value: UInt32, bigEndian: Bool) {
        let bytes = (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
        append(contentsOf: bigEndian ? bytes : bytes.reversed())
    }

    mutating func put64(_ value: UInt64, bigEndian: Bool) {
        let bytes = (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
        append(contentsOf: bigEndian ? bytes : bytes.reversed())
    }

    mutating func padTo4() {
        while count % 4 != 0 { append(0) }
    }
}

/// Deterministic packet bytes: `count` bytes starting at `seed`.
func payload(_ count: Int, seed: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &* 7 &+ 1) }
}

/// Builds classic pcap files.
struct PcapBuilder {
    var bytes: [UInt8] = []
    let bigEndian: Bool
    let kuznetzov: Bool
    /// Offsets of each record's start.
    var recordOffsets: [Int] = []

    init(
        magic: UInt32 = 0xA1B2_C3D4, bigEndian: Bool = false, major: UInt16 = 2, minor: UInt16 = 4,
        snapLength: UInt32 = 65535, linkWord: UInt32 = 1
    ) {
        self.bigEndian = bigEndian
        self.kuznetzov = magic == 0xA1B2_CD34
        bytes.put32(magic, bigEndian: bigEndian)
        bytes.put16(major, bigEndian: bigEndian)
        bytes.put16(minor, bigEndian: bigEndian)
        bytes.put32(0, bigEndian: bigEndian)
        bytes.put32(0, bigEndian: bigEndian)
        bytes.put32(snapLength, bigEndian: bigEndian)
        bytes.put32(linkWord, bigEndian: bigEndian)
    }

    mutating func record(
        seconds: UInt32, fraction: UInt32, data: [UInt8], originalLength: Int? = nil
    ) {
        recordOffsets.append(bytes.count)
        bytes.put32(seconds, bigEndian: bigEndian)
        bytes.put32(fraction, bigEndian: bigEndian)
        bytes.put32(UInt32(data.count), bigEndian: bigEndian)
        bytes.put32(UInt32(originalLength ?? data.count), bigEndian: bigEndian)
        if kuznetzov { bytes.append(contentsOf: [0, 0, 0, 2, 0x08, 0x00, 0, 0]) }
        bytes.append(contentsOf: data)
    }
}

/// Builds pcapng files block by block.
struct PcapNGBuilder {
    var bytes: [UInt8] = []
    var bigEndian = false
    /// Start offset and type of every block.
    var blocks: [(offset: Int, type: UInt32)] = []

    /// Option list bytes (with `opt_endofopt`), in the current byte order.
    func options(_ list: [(UInt16, [UInt8])]) -> [UInt8] {
        guard !list.isEmpty else { return [] }
        var out: [UInt8] = []
        for (code, value) in list {
            out.put16(code, bigEndian: bigEndian)
            out.put16(UInt16(value.count), bigEndian: bigEndian)
            out.append(contentsOf: value)
            out.padTo4()
        }
        out.put32(0, bigEndian: bigEndian)
        return out
    }

    /// A generic block: type, length, body (padded), length.
    mutating func block(_ type: UInt32, _ body: [UInt8]) {
        var padded = body
        padded.padTo4()
        blocks.append((bytes.count, type))
        bytes.put32(type, bigEndian: bigEndian)
        bytes.put32(UInt32(12 + padded.count), bigEndian: bigEndian)
        bytes.append(contentsOf: padded)
        bytes.put32(UInt32(12 + padded.count), bigEndian: bigEndian)
    }

    mutating func section(bigEndian: Bool, options list: [(UInt16, [UInt8])] = []) {
        self.bigEndian = bigEndian
        var body: [UInt8] = []
        body.put32(0x1A2B_3C4D, bigEndian: bigEndian)
        body.put16(1, bigEndian: bigEndian)
        body.put16(0, bigEndian: bigEndian)
        body.put64(UInt64.max, bigEndian: bigEndian)
        body += options(list)
        block(0x0A0D_0D0A, body)
    }

    mutating func interface(
        linkType: UInt16, snapLength: UInt32 = 0, options list: [(UInt16, [UInt8])] = []
    ) {
        var body: [UInt8] = []
        body.put16(linkType, bigEndian: bigEndian)
        body.put16(0, bigEndian: bigEndian)
        body.put32(snapLength, bigEndian: bigEndian)
        body += options(list)
        block(1, body)
    }

    mutating func enhancedPacket(
        interface: UInt32, units: UInt64, data: [UInt8], originalLength: Int? = nil,
        options list: [(UInt16, [UInt8])] = []
    ) {
        var body: [UInt8] = []
        body.put32(interface, bigEndian: bigEndian)
        body.put32(UInt32(truncatingIfNeeded: units >> 32), bigEndian: bigEndian)
        body.put32(UInt32(truncatingIfNeeded: units), bigEndian: bigEndian)
        body.put32(UInt32(data.count), bigEndian: bigEndian)
        body.put32(UInt32(originalLength ?? data.count), bigEndian: bigEndian)
        body += data
        body.padTo4()
        body += options(list)
        block(6, body)
    }

    mutating func simplePacket(data: [UInt8], originalLength: Int? = nil) {
        var body: [UInt8] = []
        body.put32(UInt32(originalLength ?? data.count), bigEndian: bigEndian)
        body += data
        block(3, body)
    }

    mutating func obsoletePacket(
        interface: UInt16, units: UInt64, data: [UInt8], originalLength: Int? = nil,
        flags: UInt32? = nil
    ) {
        var body: [UInt8] = []
        body.put16(interface, bigEndian: bigEndian)
        body.put16(0, bigEndian: bigEndian)
        body.put32(UInt32(truncatingIfNeeded: units >> 32), bigEndian: bigEndian)
        body.put32(UInt32(truncatingIfNeeded: units), bigEndian: bigEndian)
        body.put32(UInt32(data.count), bigEndian: bigEndian)
        body.put32(UInt32(originalLength ?? data.count), bigEndian: bigEndian)
        body += data
        body.padTo4()
        if let flags { body += options([(2, u32Bytes(flags))]) }
        block(2, body)
    }

    /// A 4-byte option value in the current byte order.
    func u32Bytes(_ value: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        out.put32(value, bigEndian: bigEndian)
        return out
    }

    /// An 8-byte option value in the current byte order.
    func u64Bytes(_ value: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        out.put64(value, bigEndian: bigEndian)
        return out
    }
}

/// What a reader yields: every record with a copy of its bytes, then the error if any.
struct ReadResult {
    var records: [PacketRecord] = []
    var data: [[UInt8]] = []
    var error: CaptureError?
}

/// Reads everything from a reader; the error (if any) ends the read.
func readAll(_ reader: inout CaptureReader, limit: Int = 1_000_000) -> ReadResult {
    var result = ReadResult()
    do {
        while result.records.count < limit, try reader.advance() {
            result.records.append(reader.current)
            result.data.append(
                reader.withCurrentBytes { span in (0..<span.count).map { span[$0] } })
        }
    } catch {
        result.error = error
    }
    return result
}

/// Opens in-memory bytes and reads everything; an open error is returned as the error.
func readAll(_ bytes: [UInt8], chunkSize: Int = 1 << 20) -> ReadResult {
    do {
        var reader = try CaptureReader(bytes: bytes, name: "test", chunkSize: chunkSize)
        return readAll(&reader)
    } catch {
        return ReadResult(error: error)
    }
}
