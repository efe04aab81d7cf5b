import VantageCapture
import VantageWire

/// Who owned which address when, learned from ARP, NDP and the data plane, and which MAC each
/// sender uses for each address (its neighbor cache as seen from the wire).
public final class NeighborTable {
    /// An empty table.
    public init() {}

    /// Takes in one observation.
    public func observe(_ observation: Observation) {}
}
