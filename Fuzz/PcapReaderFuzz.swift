// libFuzzer target for the classic pcap path of CaptureReader (see Fuzz/README.md).
//
// Compiled into one module with Sources/VantageCapture, so it calls the reader directly.
// Each input is read twice, with a 64-byte and a 1 MiB chunk size; both reads must yield the
// same records, bytes and error (a differential check of the chunk-straddling code).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let small = FuzzRead(bytes, chunkSize: 64)
    let large = FuzzRead(bytes, chunkSize: 1 << 20)
    if small != large {
        fatalError("chunk size changes the result: \(small) vs \(large)")
    }
    return 0
}
