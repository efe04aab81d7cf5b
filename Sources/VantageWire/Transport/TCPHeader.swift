// TCP header (RFC 9293 §3.1; NS/AE bit RFC 3540 / AccECN).
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  0 |          Source Port          |       Destination Port        |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  4 |                        Sequence Number                        |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  8 |                    Acknowledgment Number                      |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// 12 |  Data |     |A|C|E|U|A|P|R|S|F|                               |
//    | Offset| Rsv |E|W|C|R|C|S|S|Y|I|            Window             |
//    |       |     | |R|E|G|K|H|T|N|N|                               |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// 16 |           Checksum            |         Urgent Pointer        |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// 20 |                    Options (data offset x 4 - 20)             |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                             Data                              |
//
// `parse` takes the bytes from the TCP header to the end of the segment as captured. Pass the
// IP payload bounded by the IP total / payload length (not the rest of the frame), or Ethernet
// padding becomes "payload". Only a cut fixed 20-byte header throws; a snap length that cuts
// the options area still yields the header with `optionsComplete == false` and an empty
// `payloadRange` at the end of the capture.

/// The TCP control bits (the low 8 bits of octet 13, plus the NS/AE bit of octet 12 as 0x100).
public struct TCPFlags: OptionSet, Hashable, Sendable, Encodable, CustomStringConvertible {
    /// The flag bits: octet 13 in the low byte, the AE (ex-NS) bit as bit 8.
    public var rawValue: UInt16
    /// Flags from their bits.
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// No more data from sender.
    public static let fin = TCPFlags(rawValue: 0x001)
    /// Synchronize sequence numbers.
    public static let syn = TCPFlags(rawValue: 0x002)
    /// Reset the connection.
    public static let rst = TCPFlags(rawValue: 0x004)
    /// Push function.
    public static let psh = TCPFlags(rawValue: 0x008)
    /// Acknowledgment field is significant.
    public static let ack = TCPFlags(rawValue: 0x010)
    /// Urgent pointer field is significant.
    public static let urg = TCPFlags(rawValue: 0x020)
    /// ECN echo.
    public static let ece = TCPFlags(rawValue: 0x040)
    /// Congestion window reduced.
    public static let cwr = TCPFlags(rawValue: 0x080)
    /// Accurate-ECN bit (RFC 3540's ECN-nonce "NS" bit, now AE).
    public static let ae = TCPFlags(rawValue: 0x100)
    /// The same bit as ``ae`` under its RFC 3540 name.
    public static let ns = TCPFlags.ae

    /// tcpdump letters in tcpdump's order: `S.` for SYN-ACK, `none` when empty.
    public var description: String {
        let letters: [(TCPFlags, Character)] = [
            (.fin, "F"), (.syn, "S"), (.rst, "R"), (.psh, "P"), (.ack, "."), (.urg, "U"),
            (.ece, "E"), (.cwr, "W"), (.ae, "e"),
        ]
        var text = ""
        for (flag, letter) in letters where contains(flag) { text.append(letter) }
        return text.isEmpty ? "none" : text
    }
}

/// A decoded TCP header with its options and the payload's place in the input.
public struct TCPHeader: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// Source port.
    public var sourcePort: UInt16
    /// Destination port.
    public var destinationPort: UInt16
    /// Sequence number.
    public var sequence: TCPSequenceNumber
    /// Acknowledgment number (meaningful when ``flags`` contains `.ack`).
    public var acknowledgment: TCPSequenceNumber
    /// Header length in 32-bit words (5...15).
    public var dataOffset: UInt8
    /// The three reserved bits of octet 12 (should be zero).
    public var reservedBits: UInt8
    /// Control bits.
    public var flags: TCPFlags
    /// Receive window (unscaled, as on the wire).
    public var window: UInt16
    /// Checksum as on the wire.
    public var checksum: UInt16
    /// Urgent pointer.
    public var urgentPointer: UInt16
    /// Whether the whole options area was captured.
    public var optionsComplete: Bool
    /// The captured part of the options area, relative to the start of the header.
    public var optionsRange: Range<Int>
    /// The captured payload, relative to the start of the header (empty if options are cut).
    public var payloadRange: Range<Int>
    /// The decoded options (empty when the data offset is 5).
    public var options: TCPOptions

    /// Header length in bytes (data offset × 4).
    public var headerLength: Int { Int(dataOffset) * 4 }

    /// A header for building segments; `dataOffset` and ranges are recomputed by ``emit(payload:pseudo:sackBlocks:into:)``.
    public init(
        sourcePort: UInt16, destinationPort: UInt16, sequence: TCPSequenceNumber = .init(0),
        acknowledgment: TCPSequenceNumber = .init(0), flags: TCPFlags, window: UInt16 = 65535,
        checksum: UInt16 = 0, urgentPointer: UInt16 = 0, options: TCPOptions = .none,
        dataOffset: UInt8 = 5, reservedBits: UInt8 = 0, optionsRange: Range<Int> = 20..<20,
        optionsComplete: Bool = true, payloadRange: Range<Int> = 20..<20
    ) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.sequence = sequence
        self.acknowledgment = acknowledgment
        self.dataOffset = dataOffset
        self.reservedBits = reservedBits
        self.flags = flags
        self.window = window
        self.checksum = checksum
        self.urgentPointer = urgentPointer
        self.options = options
        self.optionsRange = optionsRange
        self.optionsComplete = optionsComplete
        self.payloadRange = payloadRange
    }

    // MARK: - Parse

    /// Decodes a TCP header; throws only when the fixed 20 bytes are cut or the data offset is below 5.
    @inline(__always)
    public static func parse(_ bytes: Span<UInt8>) throws(DecodeError) -> TCPHeader {
        try bytes.require(20, for: .tcp)
        let octet12 = bytes.u8(12)
        let dataOffset = octet12 >> 4
        guard dataOffset >= 5 else {
            throw .malformed(layer: .tcp, offset: 12, reason: "data offset below 5")
        }
        let headerLength = Int(dataOffset) * 4
        let captured = bytes.count
        let optionsEnd = min(headerLength, captured)
        let complete = headerLength <= captured
        let options =
            headerLength > 20
            ? TCPOptions.parse(bytes.extracting(20..<optionsEnd), declaredLength: headerLength - 20)
            : TCPOptions.none
        return TCPHeader(
            sourcePort: bytes.u16(0),
            destinationPort: bytes.u16(2),
            sequence: TCPSequenceNumber(bytes.u32(4)),
            acknowledgment: TCPSequenceNumber(bytes.u32(8)),
            flags: TCPFlags(rawValue: UInt16(octet12 & 0x01) << 8 | UInt16(bytes.u8(13))),
            window: bytes.u16(14),
            checksum: bytes.u16(16),
            urgentPointer: bytes.u16(18),
            options: options,
            dataOffset: dataOffset,
            reservedBits: (octet12 >> 1) & 0x07,
            optionsRange: 20..<optionsEnd,
            optionsComplete: complete,
            payloadRange: complete ? headerLength..<captured : captured..<captured
        )
    }

    /// Whether the segment's checksum verifies under `pseudo`.
    ///
    /// `bytes` starts at the TCP header; `segmentLength` is the TCP length from the IP header
    /// (defaults to `bytes.count`, i.e. `bytes` is the whole segment). Returns nil when fewer
    /// than `segmentLength` bytes were captured (the sum cannot be checked) or the length is
    /// below 20.
    public static func checksumValid(
        _ bytes: Span<UInt8>, pseudo: PseudoHeader, segmentLength: Int? = nil
    ) -> Bool? {
        let length = segmentLength ?? bytes.count
        guard length >= 20, bytes.count >= length else { return nil }
        return pseudo.verifies(bytes.extracting(0..<length), protocol: .tcp)
    }

    /// SACK block `index` of this header's options, read from the TCP bytes given to ``parse(_:)``.
    public func sackBlock(_ index: Int, in bytes: Span<UInt8>) -> TCPSACKBlock? {
        guard optionsRange.upperBound <= bytes.count else { return nil }
        return options.sackBlock(index, in: bytes.extracting(optionsRange))
    }

    // MARK: - Emit

    /// Appends the header (data offset from the emitted options) followed by `payload`.
    ///
    /// With `pseudo`, the checksum is computed over pseudo-header, header and payload;
    /// without it, ``checksum`` is written as is. Options beyond 40 bytes are cut off.
    public func emit(
        payload: [UInt8] = [], pseudo: PseudoHeader? = nil, sackBlocks: [TCPSACKBlock] = [],
        into out: inout [UInt8]
    ) {
        var optionBytes: [UInt8] = []
        options.emit(sackBlocks: sackBlocks, into: &optionBytes)
        if optionBytes.count > 40 { optionBytes.removeLast(optionBytes.count - 40) }
        let offsetWords = UInt8((20 + optionBytes.count) / 4)
        var segment: [UInt8] = []
        segment.reserveCapacity(20 + optionBytes.count + payload.count)
        segment.append16(sourcePort)
        segment.append16(destinationPort)
        segment.append32(sequence.rawValue)
        segment.append32(acknowledgment.rawValue)
        segment.append8(
            offsetWords << 4 | (reservedBits & 0x07) << 1 | UInt8(truncatingIfNeeded: flags.rawValue >> 8) & 0x01)
        segment.append8(UInt8(truncatingIfNeeded: flags.rawValue))
        segment.append16(window)
        segment.append16(pseudo == nil ? checksum : 0)
        segment.append16(urgentPointer)
        segment += optionBytes
        segment += payload
        if let pseudo {
            segment.set16(pseudo.checksumValue(for: segment, protocol: .tcp), at: 16)
        }
        out += segment
    }

    // MARK: - Description

    /// tcpdump-like text: `Flags [S.], seq 1, ack 2, win 65535, options [mss 1460], length 0`.
    public var description: String {
        var text = "Flags [\(flags)], seq \(sequence)"
        if flags.contains(.ack) { text += ", ack \(acknowledgment)" }
        text += ", win \(window)"
        if flags.contains(.urg) { text += ", urg \(urgentPointer)" }
        if !options.layout.isEmpty || options.malformed || options.truncated {
            text += ", options \(options)"
        }
        if optionsComplete {
            text += ", length \(payloadRange.count)"
        } else {
            text += " [|tcp]"
        }
        return text
    }
}
