import VantageWire

/// VantageCapture reads pcap and pcapng files in large chunks into a reused buffer and hands
/// out records whose bytes are decoded in place.
///
/// Contract: a reader never traps on file bytes; a file that ends early or contradicts its
/// format yields every record before the damage and then one ``CaptureError`` naming the byte
/// offset and the reason. `unsafe` code lives only at the buffer-to-`Span` bridge.
///
/// Pieces:
/// - ``CaptureReader``: sniffs pcap (µs/ns, both byte orders, Kuznetzov, Navtel) or pcapng and
///   reads one ``PacketRecord`` at a time; bytes are lent as `Span<UInt8>`.
/// - ``MergedCapture``: a streaming k-way merge of several readers by (clock-shifted)
///   timestamp, one record per reader in memory; a failing file is dropped and reported.
/// - ``VantagePoint``: `name=path` command-line arguments with unique names.
/// - ``PcapWriter``: buffered classic pcap output (evidence files).
/// - ``Timestamp``: nanoseconds since the epoch, saturating arithmetic.
///
/// Where the `unsafe` code is: `ChunkBuffer.swift` (allocation, tail move, the `Span` bridge),
/// `ByteSource.swift` (`pread` and in-memory copies into the buffer) and `PcapWriter.swift`
/// (its output buffer). Everything that interprets file bytes reads through `Span`.
public enum VantageCaptureModule {}
