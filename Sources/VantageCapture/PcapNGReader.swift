import VantageWire

// pcapng: a sequence of blocks; each section (SHB) has its own byte order and its own interface
// numbering. See protocols.md 9.3 and PcapNGBlock.swift.
//
// Decisions (documented for the CLI):
// - A block whose header is complete but which runs past the end of the file is `.truncated`
//   (a capture cut short looks exactly like that); a length that is < 12, not a multiple of 4,
//   below the block type's minimum or above 257 MiB is `.corrupt`, as is a trailing length that
//   differs from the leading one.
// - Simple Packet Blocks belong to interface 0 of their section and carry no timestamp: they
//   get the timestamp of the previous packet in the file (0 for the first packet), so a merge
//   keeps them in place. Their captured length is min(original length, bytes in the block,
//   snaplen of interface 0 when non-zero). (Wireshark instead rejects an SPB that holds fewer
//   bytes than min(original length, snaplen); we pass on the bytes present.)
// - NRB, ISB, DSB, custom and unknown blocks are skipped by their length; their contents are
//   not validated. Custom blocks, systemd journal export blocks and sysdig event blocks are
//   listed by Wireshark as frames of their own, so they consume a frame number (the next
//   packet's `frameNumber` skips one) to keep frame numbers equal to Wireshark's.
// - `epb_flags` bits 0–1 give the direction and bits 5–8 a per-packet FCS length that
//   overrides the interface's `if_fcslen`.
// - Timestamps convert to ns with integer math (exact for 10^-n, n ≤ 9; truncating for finer
//   units and for 2^-n); values beyond the Int64 range saturate.
extension CaptureReader {
    /// Reads the file's first block, which the sniffer found to be a Section Header Block.
    mutating func readFirstSectionHeader() throws(CaptureError) {
        do {
            _ = try readBlock()
        } catch {
            if case .corrupt(_, 0, let reason) = error,
                reason.hasPrefix("unsupported pcapng version")
            {
                throw .notACapture(path: path, found: "pcapng section header with \(reason)")
            }
            if case .corrupt(_, 0, let reason) = error, reason.hasPrefix("bad byte-order magic") {
                throw .notACapture(path: path, found: "pcapng block type with \(reason)")
            }
            throw error
        }
    }

    /// Reads blocks until a packet block; false at a clean end of file.
    mutating func nextPcapNGRecord() throws(CaptureError) -> Bool {
        // Every pass consumes at least 12 bytes or throws, so this loop ends.
        while true {
            switch try readBlock() {
            case .packet: return true
            case .other: continue
            case .endOfFile: return false
            }
        }
    }

    enum BlockOutcome { case packet, other, endOfFile }

    /// Consumes the previous block and reads one more.
    private mutating func readBlock() throws(CaptureError) -> BlockOutcome {
        buffer.consume(pendingConsume)
        pendingConsume = 0
        let blockStart = buffer.position
        guard try buffer.fill(8) else {
            if buffer.available == 0 { return .endOfFile }
            throw truncated(
                blockStart,
                "file ends inside a block header (\(buffer.available) of 8 bytes present)")
        }
        var bigEndian = format.byteOrder == .bigEndian
        var type = buffer.withBytes(at: 0, count: 4) { $0.u32(0, bigEndian: bigEndian) }
        if type == PcapNGBlockType.sectionHeader {
            // The section's byte order comes from its own byte-order magic.
            guard try buffer.fill(12) else {
                throw truncated(
                    blockStart,
                    "file ends inside a Section Header Block (\(buffer.available) of at least 28 bytes present)"
                )
            }
            guard let order = buffer.withBytes(at: 0, count: 12, { SectionHeader.byteOrder($0) })
            else {
                let magic = buffer.withBytes(at: 8, count: 4) { CaptureSniffer.hex($0, count: 4) }
                throw corrupt(blockStart, "bad byte-order magic \(magic) in Section Header Block")
            }
            bigEndian = order
        } else if sectionIndex < 0 {
            throw corrupt(blockStart, "first block is not a Section Header Block")
        }
        type = buffer.withBytes(at: 0, count: 4) { $0.u32(0, bigEndian: bigEndian) }
        let length = Int(buffer.withBytes(at: 4, count: 4) { $0.u32(0, bigEndian: bigEndian) })
        let name = PcapNGBlockType.name(type)
        guard length >= 12, length % 4 == 0 else {
            throw corrupt(
                blockStart,
                length < 12
                    ? "block length \(length) is shorter than 12 bytes (\(name))"
                    : "block length \(length) is not a multiple of 4 (\(name))")
        }
        guard length >= PcapNGBlockType.minimumLength(type) else {
            throw corrupt(
                blockStart,
                "\(name) length \(length) is shorter than its minimum of \(PcapNGBlockType.minimumLength(type))"
            )
        }
        guard length <= maximumBlockLength else {
            throw corrupt(blockStart, "absurd block length \(length) (\(name))")
        }
        if let fileSize, blockStart + Int64(length) > fileSize {
            throw truncated(
                blockStart,
                "file ends inside a \(length)-byte \(name) (\(fileSize - blockStart) bytes present)"
            )
        }
        guard try buffer.fill(length) else {
            throw truncated(
                blockStart,
                "file ends inside a \(length)-byte \(name) (\(buffer.available) bytes present)")
        }
        // Keep the blocks some 4 KiB ahead on their way into the cache (as for pcap records).
        buffer.prefetch(at: Self.prefetchDistance, count: length)
        let trailing = Int(
            buffer.withBytes(at: length - 4, count: 4) { $0.u32(0, bigEndian: bigEndian) })
        guard trailing == length else {
            throw corrupt(
                blockStart,
                "trailing block length \(trailing) differs from leading length \(length) (\(name))")
        }
        pendingConsume = length

        switch type {
        case PcapNGBlockType.enhancedPacket, PcapNGBlockType.packet:
            let obsolete = type == PcapNGBlockType.packet
            let header: PacketBlockHeader
            do {
                header = try buffer.withBytes(at: 0, count: length) { block throws(BlockProblem) in
                    try PacketBlockHeader.parse(block, bigEndian: bigEndian, obsolete: obsolete)
                }
            } catch {
                throw corrupt(blockStart, "\(error.reason) (\(name))")
            }
            let global = try interfaceIndex(header.interfaceID, at: blockStart, in: name)
            let parameters = interfaceParameters[global]
            let fcsInFlags = Int(header.flags >> 5 & 0xF)
            frameCount += 1
            current = PacketRecord(
                frameNumber: frameCount,
                timestamp: Timestamp(
                    nanoseconds: Timestamp.saturatingAdd(
                        parameters.scale.nanoseconds(header.timestampUnits),
                        parameters.offsetNanoseconds)),
                capturedLength: header.capturedLength, originalLength: header.originalLength,
                linkType: parameters.linkType,
                fcsLength: fcsInFlags != 0 ? fcsInFlags : parameters.fcsLength,
                interfaceID: global,
                direction: PacketDirection(rawValue: UInt8(header.flags & 3)) ?? .unknown,
                fileOffset: blockStart)
            dataOffset = PacketBlockHeader.dataOffset
            return .packet

        case PcapNGBlockType.simplePacket:
            let global = try interfaceIndex(0, at: blockStart, in: name)
            let parameters = interfaceParameters[global]
            let originalLength = Int(
                buffer.withBytes(at: 8, count: 4) { $0.u32(0, bigEndian: bigEndian) })
            var capturedLength = min(originalLength, length - 16)
            if parameters.snapLength > 0 {
                capturedLength = min(capturedLength, parameters.snapLength)
            }
            frameCount += 1
            current = PacketRecord(
                frameNumber: frameCount, timestamp: current.timestamp,
                capturedLength: capturedLength, originalLength: originalLength,
                linkType: parameters.linkType, fcsLength: parameters.fcsLength, interfaceID: global,
                direction: .unknown, fileOffset: blockStart)
            dataOffset = 12
            return .packet

        case PcapNGBlockType.interfaceDescription:
            let description: InterfaceDescription
            do {
                description = try buffer.withBytes(at: 0, count: length) {
                    block throws(BlockProblem) in
                    try InterfaceDescription.parse(block, bigEndian: bigEndian)
                }
            } catch {
                throw corrupt(blockStart, "\(error.reason) (\(name))")
            }
            guard let scale = TimeScale(description.resolution) else {
                throw corrupt(
                    blockStart,
                    "unsupported timestamp resolution \(description.resolution) (if_tsresol)")
            }
            interfaces.append(
                CaptureInterface(
                    linkType: description.linkType, snapLength: description.snapLength,
                    name: description.name, interfaceDescription: description.description,
                    timestampResolution: description.resolution,
                    timestampOffsetSeconds: description.offsetSeconds,
                    fcsLength: description.fcsLength, section: sectionIndex,
                    localID: interfaces.count - sectionInterfaceBase))
            interfaceParameters.append(
                InterfaceParameters(
                    linkType: description.linkType, snapLength: description.snapLength,
                    fcsLength: description.fcsLength, scale: scale,
                    offsetNanoseconds: Timestamp.saturatingMultiply(
                        description.offsetSeconds, 1_000_000_000)))
            return .other

        case PcapNGBlockType.sectionHeader:
            let header = buffer.withBytes(at: 0, count: length) {
                SectionHeader.parse($0, bigEndian: bigEndian)
            }
            guard header.major == 1 else {
                throw corrupt(
                    blockStart, "unsupported pcapng version \(header.major).\(header.minor)")
            }
            sectionIndex += 1
            sectionInterfaceBase = interfaces.count
            format.byteOrder = bigEndian ? .bigEndian : .littleEndian
            format.versionMajor = header.major
            format.versionMinor = header.minor
            return .other

        default:
            // NRB, ISB, DSB, custom and unknown blocks: skipped by their length. Wireshark shows
            // some of them as frames, so they take a frame number.
            if PcapNGBlockType.isNumberedByWireshark(type) { frameCount += 1 }
            return .other
        }
    }

    /// The index in `interfaces` of interface `localID` of the current section.
    private func interfaceIndex(_ localID: Int, at blockStart: Int64, in name: String)
        throws(CaptureError)
        -> Int
    {
        let count = interfaces.count - sectionInterfaceBase
        guard localID < count else {
            throw corrupt(
                blockStart,
                count == 0
                    ? "\(name) refers to interface \(localID) before any Interface Description Block in its section"
                    : "\(name) refers to interface \(localID), but its section has \(count) interface\(count == 1 ? "" : "s")"
            )
        }
        return sectionInterfaceBase + localID
    }
}
