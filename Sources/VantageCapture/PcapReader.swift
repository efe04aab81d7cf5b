import VantageWire

// Classic pcap: a 24-byte file header, then records of a 16-byte header (24 for Kuznetzov's
// format) and caplen bytes, in the byte order of the magic. See protocols.md 9.1.
//
// Decisions (documented for the CLI):
// - caplen > snaplen is accepted (writers often record a wrong snaplen); caplen > len is
//   accepted and passed through; caplen > 256 MiB is `.corrupt`.
// - snaplen 0 means "no limit"; snaplen > 256 MiB is `.corrupt` ("absurd snaplen").
// - Version 2.x is accepted; as in libpcap, files before 2.3 have caplen and len swapped, and
//   2.3 files are swapped when caplen > len.
// - The link-type word keeps bits 0–25 as the link type (as libpcap does); when bit 26 (P) is
//   set, bits 28–31 give the FCS length in 16-bit words.
extension CaptureReader {
    /// How far ahead of the record being read (in bytes) the reader asks for the next records.
    static let prefetchDistance = 4096

    /// Reads the 24-byte pcap file header and records the single interface.
    mutating func readPcapFileHeader(
        bigEndian: Bool, nanoseconds: Bool, variant: CaptureFormat.PcapVariant
    ) throws(CaptureError) {
        guard try buffer.fill(24) else {
            throw truncated(
                0,
                "file ends inside the 24-byte pcap file header (\(buffer.available) bytes present)")
        }
        let (major, minor, snapLength, linkWord) = buffer.withBytes(at: 0, count: 24) { header in
            (
                Int(header.u16(4, bigEndian: bigEndian)), Int(header.u16(6, bigEndian: bigEndian)),
                Int(header.u32(16, bigEndian: bigEndian)), header.u32(20, bigEndian: bigEndian)
            )
        }
        format = CaptureFormat(
            container: .pcap, byteOrder: bigEndian ? .bigEndian : .littleEndian,
            nanosecondTimestamps: nanoseconds, pcapVariant: variant, versionMajor: major,
            versionMinor: minor)
        guard major == 2 else {
            let magic = buffer.withBytes(at: 0, count: 4) { CaptureSniffer.hex($0, count: 4) }
            throw .notACapture(
                path: path,
                found: "pcap magic (\(magic)) with unsupported version \(major).\(minor)")
        }
        guard snapLength <= maximumRecordLength else {
            throw corrupt(0, "absurd snaplen \(snapLength) in the pcap file header")
        }
        pcapLengthOrder = minor < 3 ? .swapped : minor == 3 ? .maybeSwapped : .normal
        pcapRecordHeaderLength = variant == .kuznetzov ? 24 : 16
        let linkType = LinkType(rawValue: linkWord & 0x03FF_FFFF)
        let fcsLength = linkWord & 0x0400_0000 != 0 ? Int(linkWord >> 28) * 2 : 0
        let resolution: TimestampResolution = nanoseconds ? .nanoseconds : .microseconds
        interfaces = [
            CaptureInterface(
                linkType: linkType, snapLength: snapLength, timestampResolution: resolution,
                fcsLength: fcsLength)
        ]
        interfaceParameters = [
            InterfaceParameters(
                linkType: linkType, snapLength: snapLength, fcsLength: fcsLength,
                scale: TimeScale(resolution)!, offsetNanoseconds: 0)
        ]
        pendingConsume = 24
    }

    /// Reads the next pcap record header and makes its bytes available.
    mutating func nextPcapRecord() throws(CaptureError) -> Bool {
        buffer.consume(pendingConsume)
        pendingConsume = 0
        let headerLength = pcapRecordHeaderLength
        let recordStart = buffer.position
        guard try buffer.fill(headerLength) else {
            if buffer.available == 0 { return false }
            throw truncated(
                recordStart,
                "file ends inside a \(headerLength)-byte record header (\(buffer.available) bytes present)"
            )
        }
        let bigEndian = format.byteOrder == .bigEndian
        let (seconds, fraction, firstLength, secondLength) = buffer.withBytes(at: 0, count: 16) {
            header in
            (
                header.u32(0, bigEndian: bigEndian), header.u32(4, bigEndian: bigEndian),
                Int(header.u32(8, bigEndian: bigEndian)), Int(header.u32(12, bigEndian: bigEndian))
            )
        }
        var capturedLength = firstLength
        var originalLength = secondLength
        switch pcapLengthOrder {
        case .normal: break
        case .swapped: swap(&capturedLength, &originalLength)
        case .maybeSwapped:
            if capturedLength > originalLength { swap(&capturedLength, &originalLength) }
        }
        guard capturedLength <= maximumRecordLength else {
            throw corrupt(recordStart, "absurd captured length \(capturedLength) in record header")
        }
        let recordLength = headerLength + capturedLength
        if let fileSize, recordStart + Int64(recordLength) > fileSize {
            throw truncated(
                recordStart,
                "file ends inside a record of \(capturedLength) captured bytes (\(fileSize - recordStart - Int64(headerLength)) present)"
            )
        }
        guard try buffer.fill(recordLength) else {
            throw truncated(
                recordStart,
                "file ends inside a record of \(capturedLength) captured bytes (\(buffer.available - headerLength) present)"
            )
        }
        // Keep the records some 4 KiB ahead on their way into the cache.
        buffer.prefetch(at: Self.prefetchDistance, count: recordLength)
        let parameters = interfaceParameters[0]
        let fractionNanoseconds =
            format.nanosecondTimestamps ? Int64(fraction) : Int64(fraction) &* 1000
        frameCount += 1
        current = PacketRecord(
            frameNumber: frameCount,
            timestamp: Timestamp(
                nanoseconds: Int64(seconds) &* 1_000_000_000 &+ fractionNanoseconds),
            capturedLength: capturedLength, originalLength: originalLength,
            linkType: parameters.linkType, fcsLength: parameters.fcsLength, interfaceID: 0,
            direction: .unknown, fileOffset: recordStart)
        dataOffset = headerLength
        pendingConsume = recordLength
        return true
    }
}
