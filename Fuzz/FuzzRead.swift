// Shared by both fuzz targets: read a whole in-memory capture and summarise what came out.

/// Keeps the optimizer from dropping byte reads.
nonisolated(unsafe) var fuzzSink: UInt64 = 0

/// Everything a read produced, reduced to comparable values.
struct FuzzRead: Equatable, CustomStringConvertible {
    var records: [PacketRecord] = []
    var checksums: [UInt64] = []
    var interfaces: [CaptureInterface] = []
    var error: CaptureError?

    init(_ bytes: [UInt8], chunkSize: Int) {
        var reader: CaptureReader
        do {
            reader = try CaptureReader(bytes: bytes, name: "fuzz", chunkSize: chunkSize)
        } catch {
            self.error = error
            _ = error.description
            return
        }
        _ = reader.format.description
        // Every advance consumes input or ends; the bound only guards the fuzzer itself.
        for _ in 0...bytes.count {
            do {
                guard try reader.advance() else { break }
            } catch {
                self.error = error
                _ = error.description
                break
            }
            let record = reader.current
            records.append(record)
            _ = record.timestamp.description
            _ = record.timestamp.timeOfDay
            checksums.append(
                reader.withCurrentBytes { span in
                    var sum: UInt64 = UInt64(span.count)
                    for index in span.indices { sum = sum &* 31 &+ UInt64(span[index]) }
                    return sum
                })
        }
        // After the end or an error the reader stays put.
        let again = try? reader.advance()
        if again == true { fatalError("reader advanced after its end") }
        interfaces = reader.interfaces
    }

    var description: String {
        "\(records.count) records, \(interfaces.count) interfaces, error \(String(describing: error))"
    }
}
