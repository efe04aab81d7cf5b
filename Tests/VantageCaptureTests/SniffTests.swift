import Testing
import VantageCapture

@Suite("Not a capture")
struct SniffTests {
    func found(_ bytes: [UInt8]) -> String? {
        guard case .notACapture(_, let found) = readAll(bytes).error else { return nil }
        return found
    }

    @Test func emptyFile() { #expect(found([]) == "empty file") }

    @Test func textFile() {
        let text = found(Array("hello, this is not a capture\nsecond line".utf8))
        #expect(text == "text starting \"hello, this is not a capture\\nsec...\"")
    }

    @Test func compressedAndArchives() {
        #expect(found([0x1F, 0x8B, 0x08, 0x00, 1, 2, 3, 4])?.contains("gzip") == true)
        #expect(found([0x50, 0x4B, 0x03, 0x04, 0, 0])?.contains("zip archive") == true)
        #expect(found([0x28, 0xB5, 0x2F, 0xFD, 0, 0])?.contains("zstd") == true)
    }

    @Test func binaryBytes() {
        #expect(
            found([0x4D, 0x5A, 0x90, 0x00, 3, 0, 0, 0, 4, 0]) == "bytes 4d 5a 90 00 03 00 00 00 ..."
        )
        #expect(found([0x00, 0x01]) == "bytes 00 01")
    }

    @Test func shortPrefixOfAMagicIsTruncation() {
        for prefix in [[0xD4], [0xD4, 0xC3], [0x0A, 0x0D, 0x0D], [0xA1, 0xB2, 0x3C]] as [[UInt8]] {
            let error = readAll(prefix).error
            #expect(error?.isTruncation == true)
            #expect(error?.offset == 0)
        }
    }

    @Test func descriptionsNameTheFile() {
        let error = CaptureError.notACapture(path: "/caps/x.pcap", found: "empty file")
        #expect(error.description == "/caps/x.pcap: not a pcap or pcapng capture: empty file")
        let corrupt = CaptureError.corrupt(
            path: "a.pcapng", offset: 96, reason: "block length 0 is shorter than 12 bytes")
        #expect(
            corrupt.description
                == "a.pcapng: corrupt at byte 96: block length 0 is shorter than 12 bytes")
    }

    @Test func missingFileAndDirectoryAreIOErrors() {
        #expect(throws: CaptureError.self) {
            try CaptureReader(path: "/nonexistent/vantage/x.pcap")
        }
        do {
            _ = try CaptureReader(path: "/tmp")
            Issue.record("expected an error")
        } catch {
            guard case .io(_, let message) = error else {
                Issue.record("expected io, got \(error)")
                return
            }
            #expect(message == "is a directory")
        }
    }
}
