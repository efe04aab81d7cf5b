/// VantageWire turns captured bytes into typed protocol headers.
///
/// Contract of every decoder in this module:
/// - A successful parse never traps, whatever the input bytes are.
/// - Each header is guarded by one length check; a header cut short by the capture's snap
///   length throws ``DecodeError/truncated(layer:needed:available:)``, bytes that are present
///   but impossible throw ``DecodeError/malformed(layer:offset:reason:)``.
/// - Payloads and lists are returned as `Range<Int>` into the input, never as copies; parsing
///   allocates nothing on the heap.
/// - Decoders report facts, not policy: cross-layer oddities become ``PacketAnomalies``.
/// - No Foundation, no I/O, no clock, no state.
public enum VantageWireModule {}
