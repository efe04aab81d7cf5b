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
    var readers: [CaptureReader] = []
    for part in [bytes, Array(bytes[(bytes.count / 2)...])] {
        if let reader = try? CaptureReader(bytes: part, name: "fuzz", chunkSize: 96) {
            readers.append(reader)
        }
    }
    var merge = MergedCapture(readers: readers, offsetNanoseconds: [0, -1_000])
    var checksum: UInt64 = 0
    var previous = Int64.min
    while merge.next() != nil {
        _ = merge.current.timestamp.description
        checksum &+= merge.withCurrentBytes { span in
            var sum: UInt64 = 0
            for index in span.indices { sum &+= UInt64(span[index]) }
            return sum
        }
        // Heads are non-decreasing only if each file is; just touch the value.
        previous = max(previous, merge.currentTimestamp.nanoseconds)
    }
    for stop in merge.stops { _ = stop.description }
    return checksum == 0x5eed_5eed && previous == 1 ? 1 : 0
}
