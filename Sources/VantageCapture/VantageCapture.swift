import VantageWire

/// VantageCapture reads pcap and pcapng files in large chunks into a reused buffer and hands
/// out records whose bytes are decoded in place.
///
/// Contract: a reader never traps on file bytes; a file that ends early or contradicts its
/// format yields every record before the damage and then one ``CaptureError`` naming the byte
/// offset and the reason. `unsafe` code lives only at the buffer-to-`Span` bridge.
public enum VantageCaptureModule {}
