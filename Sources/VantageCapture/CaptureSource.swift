/// Anything that yields packet records whose bytes are borrowed until the next `advance()`:
/// a file reader here, a live capture in VantageLive.
public protocol CaptureSource {
    /// Moves to the next record; false at the end of input.
    mutating func advance() throws(CaptureError) -> Bool
    /// The current record.
    var current: PacketRecord { get }
    /// Calls `body` with the current record's captured bytes.
    func withCurrentBytes<R, E: Error>(_ body: (Span<UInt8>) throws(E) -> R) throws(E) -> R
}

extension CaptureReader: CaptureSource {}
