import VantageState

/// Which detectors hear which class of observation: for each distinct ``ObservationInterest``
/// the engine meets, the detectors whose ``Detector/currentInterest(_:)`` intersects it, worked
/// out once and kept as unowned references, so a frame costs one small probe and direct calls:
/// no filtering over every detector, no reference counting, no allocation. When a detector's
/// current interest changes (``refresh(_:)``: an episode opens or closes, a first group is
/// seen), the classes are forgotten and worked out again as frames meet them.
///
/// The references are unretained: the engine owns the detectors (strongly) for as long as it
/// owns this table. A call goes through a static thunk specialised for the detector's type
/// (``DetectorCall``): calling a method on an existential loaded from storage would retain and
/// release the detector around every call.
final class DetectorRoutes {
    /// One detector, referenced without reference counting.
    struct Handle {
        /// The detector object, unretained.
        let object: UnsafeMutableRawPointer
        /// Calls its ``Detector/observe(_:state:sink:)``.
        let call: any DetectorCall.Type

        init(_ detector: any Detector) { self = Self.make(detector) }

        private static func make<D: Detector>(_ detector: D) -> Handle {
            Handle(object: Unmanaged.passUnretained(detector).toOpaque(), call: DetectorCallOf<D>.self)
        }

        private init(object: UnsafeMutableRawPointer, call: any DetectorCall.Type) {
            self.object = object
            self.call = call
        }

        /// Hands `observation` to the detector.
        @inline(__always)
        func observe(_ observation: Observation, state: AnalysisState, sink: FindingSink) {
            call.observe(object, observation, state, sink)
        }

        /// The detector's ``Detector/currentInterest(_:)``.
        func currentInterest(_ state: AnalysisState) -> ObservationInterest {
            call.currentInterest(object, state)
        }
    }

    /// Classes remembered at most (the decoder's shapes give about a dozen).
    private static let slots = 64
    private let detectors: [Handle]
    /// Per detector: its current interest, as of the latest ``refresh(_:)``.
    private var interests: [ObservationInterest]
    /// Per slot: the class's raw value (0: empty; the empty class is never routed).
    private let keys: UnsafeMutablePointer<UInt32>
    /// Per slot: where its detectors start in ``handles``, and how many.
    private let starts: UnsafeMutablePointer<Int32>
    private let counts: UnsafeMutablePointer<Int32>
    /// The detectors of every remembered class, back to back.
    private let handles: UnsafeMutablePointer<Handle>
    /// Remembered classes.
    private var used = 0
    /// Handles written so far.
    private var filled = 0

    /// Routes over `detectors` (called in this order), as they are interested with `state`.
    init(_ detectors: [any Detector], state: AnalysisState) {
        self.detectors = detectors.map(Handle.init)
        interests = detectors.map { $0.currentInterest(state) }
        keys = .allocate(capacity: Self.slots)
        keys.initialize(repeating: 0, count: Self.slots)
        starts = .allocate(capacity: Self.slots)
        starts.initialize(repeating: 0, count: Self.slots)
        counts = .allocate(capacity: Self.slots)
        counts.initialize(repeating: 0, count: Self.slots)
        handles = .allocate(capacity: max(1, Self.slots * detectors.count))
    }

    deinit {
        keys.deallocate()
        starts.deallocate()
        counts.deallocate()
        handles.deallocate()
    }

    /// Calls `body` with every detector that hears `heard` (not empty), in registry order.
    @inline(__always)
    func forEach(_ heard: ObservationInterest, _ body: (Handle) -> Void) {
        let key = heard.rawValue
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B1) >> 26) & (Self.slots - 1)
        while keys[slot] != key {
            if keys[slot] == 0 {
                guard learn(key, slot: slot) else {
                    // The table is full (never with today's classes): filter every detector.
                    for index in detectors.indices where !interests[index].isDisjoint(with: heard) {
                        body(detectors[index])
                    }
                    return
                }
                break
            }
            slot = (slot + 1) & (Self.slots - 1)
        }
        var handle = handles + Int(starts[slot])
        let end = handle + Int(counts[slot])
        while handle < end {
            body(handle.pointee)
            handle += 1
        }
    }

    /// Asks every detector for its current interest again; when one changed, forgets every
    /// class so each is worked out anew when next met (rare: an episode opening or closing).
    func refresh(_ state: AnalysisState) {
        var changed = false
        for index in detectors.indices {
            let interest = detectors[index].currentInterest(state)
            if interest != interests[index] {
                interests[index] = interest
                changed = true
            }
        }
        guard changed else { return }
        keys.update(repeating: 0, count: Self.slots)
        used = 0
        filled = 0
    }

    /// Works out the detectors of class `key` into the empty `slot`; false when the table is full.
    @inline(never)
    private func learn(_ key: UInt32, slot: Int) -> Bool {
        guard used < Self.slots - 1 else { return false }
        let heard = ObservationInterest(rawValue: key)
        let start = filled
        var count = 0
        for index in detectors.indices where !interests[index].isDisjoint(with: heard) {
            (handles + start + count).initialize(to: detectors[index])
            count += 1
        }
        keys[slot] = key
        starts[slot] = Int32(start)
        counts[slot] = Int32(count)
        filled += count
        used += 1
        return true
    }
}

/// A static entry point to one detector type's ``Detector/observe(_:state:sink:)`` on an
/// unretained object (metatypes are not reference counted, so calling through one is free of
/// retains).
protocol DetectorCall {
    /// Calls `observe` on the detector at `object`.
    static func observe(_ object: UnsafeMutableRawPointer, _ observation: Observation, _ state: AnalysisState, _ sink: FindingSink)
    /// Calls `currentInterest` on the detector at `object`.
    static func currentInterest(_ object: UnsafeMutableRawPointer, _ state: AnalysisState) -> ObservationInterest
}

/// ``DetectorCall`` for detectors of type `D`.
enum DetectorCallOf<D: Detector>: DetectorCall {
    static func observe(_ object: UnsafeMutableRawPointer, _ observation: Observation, _ state: AnalysisState, _ sink: FindingSink) {
        Unmanaged<D>.fromOpaque(object)._withUnsafeGuaranteedRef { $0.observe(observation, state: state, sink: sink) }
    }

    static func currentInterest(_ object: UnsafeMutableRawPointer, _ state: AnalysisState) -> ObservationInterest {
        Unmanaged<D>.fromOpaque(object)._withUnsafeGuaranteedRef { $0.currentInterest(state) }
    }
}
