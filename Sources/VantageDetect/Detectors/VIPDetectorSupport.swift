//  Shared wording and arithmetic of the vip.* detectors (VirtualIPGroups in VantageState holds
//  the facts; each detector file owns its rule, tunables and messages).

import VantageCapture
import VantageState
import VantageWire

/// Formatting and small statistics for the vip.* detectors (no Foundation).
enum VIPFormat {
    /// `value` with exactly `digits` decimals.
    static func fixed(_ value: Double, _ digits: Int) -> String {
        var scale = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((abs(value) * Double(scale)).rounded())
        let whole = scaled / scale
        var text = (value < 0 && scaled != 0 ? "-" : "") + String(whole)
        if digits > 0 {
            var fraction = String(scaled % scale)
            while fraction.count < digits { fraction = "0" + fraction }
            text += "." + fraction
        }
        return text
    }

    /// A duration in ns as `11.0 ms` (under a second) or `3.61 s`.
    static func duration(_ nanoseconds: Int64) -> String {
        let seconds = Double(nanoseconds) / 1e9
        if abs(seconds) < 1 { return fixed(seconds * 1000, 1) + " ms" }
        return fixed(seconds, 2) + " s"
    }

    /// Seconds as a JSON detail value, rounded to the microsecond.
    static func secondsValue(_ nanoseconds: Int64) -> DetailValue {
        .double((Double(nanoseconds) / 1e3).rounded() / 1e6)
    }

    /// The median of `values` (nil when empty).
    static func median(_ values: [Int64]) -> Int64? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Gaps between consecutive `times` (sorted first).
    static func gaps(_ times: [Timestamp]) -> [Int64] {
        let sorted = times.sorted()
        guard sorted.count > 1 else { return [] }
        return (1..<sorted.count).map { sorted[$0] - sorted[$0 - 1] }
    }

    /// `a`, `a and b`, `a, b and c`, or the first `limit` and `and N more`.
    static func list(_ items: [String], limit: Int = 6) -> String {
        var shown = Array(items.prefix(limit))
        if items.count > limit { shown.append("\(items.count - limit) more") }
        switch shown.count {
        case 0: return "none"
        case 1: return shown[0]
        default: return shown.dropLast().joined(separator: ", ") + " and " + shown[shown.count - 1]
        }
    }

    /// `VRRP vrid 51 on VLAN 10 (VIP 10.0.0.100)` or without VIPs when none is known.
    static func group(_ group: VirtualIPGroup) -> String {
        let vips = group.vips.map(\.address.description)
        return vips.isEmpty ? group.key.description : "\(group.key) (VIP \(list(vips, limit: 3)))"
    }

    /// The group's VIPs as text.
    static func vips(_ group: VirtualIPGroup) -> [String] { group.vips.map(\.address.description) }

    /// A router as a detail object.
    static func routerDetail(_ router: VirtualRouter) -> DetailValue {
        var object: [String: DetailValue] = ["address": .string(router.address.description)]
        if let mac = router.realMAC { object["mac"] = .string(mac.description) }
        if let mac = router.advertMAC { object["advert_mac"] = .string(mac.description) }
        if router.advertCount > 0 {
            if let advbase = router.advbase, let advskew = router.advskew {
                object["advbase"] = .int(Int(advbase))
                object["advskew"] = .int(Int(advskew))
            } else {
                object["priority"] = .int(router.priority)
            }
            object["interval_s"] = secondsValue(router.intervalNanoseconds)
        }
        return .object(object)
    }

    /// The router of `snapshot` as it is labelled now (MACs learned since the takeover included).
    static func label(_ snapshot: RouterSnapshot, in group: VirtualIPGroup) -> String {
        guard group.routers.indices.contains(snapshot.index), group.routers[snapshot.index].address == snapshot.address
        else { return snapshot.label }
        return group.routers[snapshot.index].label
    }

    /// A takeover snapshot as a detail object.
    static func snapshotDetail(_ snapshot: RouterSnapshot, in group: VirtualIPGroup? = nil) -> DetailValue {
        var macs = snapshot.macs
        if let group, group.routers.indices.contains(snapshot.index), group.routers[snapshot.index].address == snapshot.address {
            for mac in group.routers[snapshot.index].ownMACs where !macs.contains(mac) { macs.append(mac) }
        }
        var object: [String: DetailValue] = [
            "address": .string(snapshot.address.description), "priority": .int(snapshot.priority),
            "macs": .list(macs.map { .string($0.description) }),
        ]
        if let advertMAC = snapshot.advertMAC { object["advert_mac"] = .string(advertMAC.description) }
        return .object(object)
    }
}

/// A consumer of ``VirtualIPGroups`` takeovers: remembers which it has seen.
struct TakeoverCursor {
    private var next = 0

    /// Takeovers recorded since the last call.
    mutating func newTakeovers(_ state: AnalysisState) -> [VirtualIPTakeover] {
        let fresh = Array(state.virtualIPs.takeovers(from: next))
        next = state.virtualIPs.nextTakeover
        return fresh
    }
}

/// Frames of one data-plane episode: counts per vantage and arrival times for the cadence.
struct FrameTally {
    /// Frames per vantage.
    private(set) var byVantage: [Int: Int] = [:]
    /// Arrival times per vantage (bounded).
    private(set) var times: [Int: [Timestamp]] = [:]
    /// Times kept per vantage.
    static let timeLimit = 4096

    /// Counts one frame.
    mutating func add(_ reference: FrameReference) {
        byVantage[reference.vantage, default: 0] += 1
        if times[reference.vantage, default: []].count < Self.timeLimit {
            times[reference.vantage, default: []].append(reference.time)
        }
    }

    /// The vantage that saw the most frames (lowest index on ties) and its count.
    var busiest: (vantage: Int, count: Int)? {
        byVantage.min { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.map { ($0.key, $0.value) }
    }

    /// The median gap between frames at the busiest vantage.
    var medianGap: Int64? {
        guard let busiest, let list = times[busiest.vantage] else { return nil }
        return VIPFormat.median(VIPFormat.gaps(list))
    }

    /// Frames per vantage as a detail object keyed by vantage name.
    func detail(_ state: AnalysisState) -> DetailValue {
        var object: [String: DetailValue] = [:]
        for (vantage, count) in byVantage { object[state.vantageName(vantage)] = .int(count) }
        return .object(object)
    }
}
