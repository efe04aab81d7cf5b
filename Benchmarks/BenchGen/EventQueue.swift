/// A timed one-off or periodic event: VRRP adverts, heartbeats, ARP replies and retries,
/// GARP bursts, NDP exchanges and SYN retransmissions. Each fired event writes at most one frame.
struct Event {
    enum Kind: UInt8 {
        case vrrpAdvert, vrrpResign, garp, heartbeat, arpReply, arpRetry, unansweredARP
        case ndpSolicit, ndpAdvert, synRetransmit
    }

    var time: UInt64
    var order: UInt64
    var kind: Kind
    var a: Int
    var b: Int
    var c: Int
}

/// A binary min-heap of events ordered by (time, insertion order), so ties are deterministic.
struct EventQueue {
    private var heap: [Event] = []
    private var inserted: UInt64 = 0

    init() { heap.reserveCapacity(4096) }

    /// The time of the earliest event, or `UInt64.max`.
    var nextTime: UInt64 {
        @inline(__always) get { heap.isEmpty ? .max : heap[0].time }
    }

    mutating func push(_ time: UInt64, _ kind: Event.Kind, a: Int = 0, b: Int = 0, c: Int = 0) {
        inserted &+= 1
        heap.append(Event(time: time, order: inserted, kind: kind, a: a, b: b, c: c))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if !Self.earlier(heap[child], heap[parent]) { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Event {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                if left >= heap.count { break }
                var child = left
                if left + 1 < heap.count, Self.earlier(heap[left + 1], heap[left]) { child = left + 1 }
                if !Self.earlier(heap[child], heap[parent]) { break }
                heap.swapAt(child, parent)
                parent = child
            }
        }
        return top
    }

    @inline(__always) private static func earlier(_ x: Event, _ y: Event) -> Bool {
        x.time < y.time || (x.time == y.time && x.order < y.order)
    }
}
