// libFuzzer target for the pcapng path of CaptureReader and for MergedCapture
// (see Fuzz/README.md).
//
// Compiled into one module with Sources/VantageCapture, so it calls the reader directly.
// Each input is read twice, with a 64-byte and a 1 MiB chunk size; both reads must yield the
// same records, bytes and error. Then the input and its second half are merged as two vantage
// points, touching every merged byte.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let small = FuzzRead(bytes, chunkSize: 64)
    let large = FuzzRead(bytes, chunkSize: 1 << 20)
    if small != large {
        fatalError("chunk size changes the result: \(small) vs \(large)")
    }
    // Merge the input with its own second half: every record of each must come out once, in
    // file order per vantage, and each failing part must be reported once.
    let parts = [bytes, Array(bytes[(bytes.count / 2)...])]
    var readers: [CaptureReader] = []
    var expected: [FuzzRead] = []
    for part in parts {
        if let reader = try? CaptureReader(bytes: part, name: "fuzz", chunkSize: 96) {
            readers.append(reader)
            expected.append(FuzzRead(part, chunkSize: 96))
        }
    }
    var merge = MergedCapture(readers: readers, offsetNanoseconds: [0, -1_000])
    var frames = Array(repeating: 0, count: readers.count)
    while let vantage = merge.next() {
        let want = expected[vantage].records
        guard frames[vantage] < want.count, merge.current == want[frames[vantage]] else {
            fatalError("merge skipped or changed a record")
        }
        frames[vantage] += 1
        _ = merge.currentTimestamp.description
        fuzzSink &+= merge.withCurrentBytes { span in
            var sum: UInt64 = 0
            for index in span.indices { sum &+= UInt64(span[index]) }
            return sum
        }
    }
    if frames != expected.map(\.records.count) { fatalError("merge lost records") }
    if merge.stops.count != expected.filter({ $0.error != nil }).count {
        fatalError("merge lost a stop reason")
    }
    for stop in merge.stops { _ = stop.description }
    return 0
}
