//  Small containers for UnansweredResolutionDetector's per-episode state, built so that an
//  episode costs no allocation once it exists: per-vantage tallies as sorted pairs (a capture
//  has a handful of vantage points), a vantage set as a bit mask, and the resolved address as a
//  key of the detectors' capped maps.

import VantageCapture
import VantageState
import VantageWire

extension ResolvedAddress: BoundedMapKey {
    /// The address folded into one word (IPv6 halves mixed; the family in the top bit).
    var bucketHash: UInt64 {
        switch self {
        case .v4(let address): UInt64(address.rawValue)
        case .v6(let address): (address.high &* 0x9E37_79B9_7F4A_7C15) ^ address.low ^ 1 << 63
        }
    }
}

/// A count per vantage point, as (vantage, count) pairs sorted by vantage.
struct VantageTally<Count> {
    /// The pairs, by ascending vantage.
    private(set) var pairs: [(vantage: Int, count: Count)] = []

    /// Whether no vantage point has a count.
    var isEmpty: Bool { pairs.isEmpty }
    /// The vantage points with a count, ascending.
    var vantages: [Int] { pairs.map(\.vantage) }

    /// The count of `vantage`, if any.
    subscript(vantage: Int) -> Count? {
        for pair in pairs where pair.vantage == vantage { return pair.count }
        return nil
    }

    /// Changes the count of `vantage` in place (starting from `initial` when absent).
    mutating func update(_ vantage: Int, initial: Count, _ body: (inout Count) -> Void) {
        var index = 0
        while index < pairs.count && pairs[index].vantage < vantage { index += 1 }
        if index == pairs.count || pairs[index].vantage != vantage { pairs.insert((vantage, initial), at: index) }
        body(&pairs[index].count)
    }
}

/// A set of vantage indices: a bit per index below 64, a list for the rest.
struct VantageSet {
    private var bits: UInt64 = 0
    private var others: [Int] = []

    /// The set holding `vantage`.
    init(_ vantage: Int) { insert(vantage) }

    /// Whether `vantage` is in the set.
    func contains(_ vantage: Int) -> Bool {
        (0..<64).contains(vantage) ? bits & (1 << UInt64(vantage)) != 0 : others.contains(vantage)
    }

    /// Adds `vantage` (the caller checks it is absent, as with an array append).
    mutating func insert(_ vantage: Int) {
        if (0..<64).contains(vantage) { bits |= 1 << UInt64(vantage) } else { others.append(vantage) }
    }
}
