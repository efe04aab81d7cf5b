import Testing
import VantageWire

@Suite struct HTTPMessageTests {
    static func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// seeds/002: the KEMP LoadMaster's health check, HTTP/1.0 HEAD without a Host header.
    static let loadMasterCheck = utf8("HEAD / HTTP/1.0\r\n\r\n")
    /// IIS answering a request without the bound host name.
    static let iisReply = utf8(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n\r\n<h1>Bad Request (Invalid Hostname)</h1>")
    static let getWithHost = utf8(
        "GET /health?x=1 HTTP/1.1\r\nUser-Agent: probe\r\nhOsT: \t www.bussines.lab \r\nAccept: */*\r\n\r\nbody")

    @Test func decodesTheHealthCheckWithoutHost() throws {
        let bytes = Self.loadMasterCheck
        guard case .request(let head) = try HTTPMessage.parse(bytes.span) else {
            Issue.record("not a request")
            return
        }
        #expect(head.method == .head)
        #expect(head.methodRange == 0..<4)
        #expect(head.text(head.targetRange, in: bytes.span) == "/")
        #expect(head.version == .http10)
        #expect(head.text(head.versionRange, in: bytes.span) == "HTTP/1.0")
        #expect(!head.hasHostHeader && head.hostRange == nil)
        #expect(head.headersComplete && head.bodyOffset == bytes.count)
        let message = try HTTPMessage.parse(bytes.span)
        #expect(message.description == "HTTP request HEAD HTTP/1.0, no host header")
        #expect(message.description(in: bytes.span) == "HEAD / HTTP/1.0")
    }

    @Test func findsTheHostHeaderCaseInsensitively() throws {
        let bytes = Self.getWithHost
        guard case .request(let head) = try HTTPMessage.parse(bytes.span) else {
            Issue.record("not a request")
            return
        }
        #expect(head.method == .get && head.version == .http11)
        #expect(head.text(head.targetRange, in: bytes.span) == "/health?x=1")
        #expect(head.hasHostHeader)
        #expect(head.text(head.hostRange!, in: bytes.span) == "www.bussines.lab")
        #expect(head.headersComplete && head.bodyOffset == bytes.count - 4)
        #expect(
            try HTTPMessage.parse(bytes.span).description(in: bytes.span)
                == "GET /health?x=1 HTTP/1.1, Host: www.bussines.lab")
    }

    @Test func hostAfterTheBlankLineDoesNotCount() throws {
        let bytes = Self.utf8("GET / HTTP/1.1\r\n\r\nHost: a\r\n")
        guard case .request(let head) = try HTTPMessage.parse(bytes.span) else { return }
        #expect(!head.hasHostHeader && head.headersComplete)
        let lf = Self.utf8("GET / HTTP/1.1\nHost: a\n\n")
        guard case .request(let bare) = try HTTPMessage.parse(lf.span) else { return }
        #expect(bare.text(bare.hostRange!, in: lf.span) == "a" && bare.headersComplete)
    }

    @Test func decodesStatusLines() throws {
        let bytes = Self.iisReply
        guard case .response(let status) = try HTTPMessage.parse(bytes.span) else {
            Issue.record("not a response")
            return
        }
        #expect(status.version == .http11)
        #expect(status.statusCode == 400 && status.statusClass == 4)
        #expect(status.text(status.reasonRange, in: bytes.span) == "Bad Request")
        #expect(try HTTPMessage.parse(bytes.span).description(in: bytes.span) == "HTTP/1.1 400 Bad Request")
        let noReason = Self.utf8("HTTP/1.0 200\r\n")
        guard case .response(let bare) = try HTTPMessage.parse(noReason.span) else { return }
        #expect(bare.statusCode == 200 && bare.reasonRange.isEmpty && bare.version == .http10)
        let future = Self.utf8("HTTP/2.0 204 \r\n")
        guard case .response(let other) = try HTTPMessage.parse(future.span) else { return }
        #expect(other.version == .other(major: 2, minor: 0) && other.version.description == "HTTP/2.0")
    }

    @Test func statusCodeMustBeThreeDigits() {
        for (text, offset) in [("HTTP/1.1 20x OK\r\n", 11), ("HTTP/1.1 2000 OK\r\n", 12), ("HTTP/1.1 20 OK\r\n", 11)] {
            let bytes = Self.utf8(text)
            #expect(
                throws: DecodeError.malformed(layer: .http, offset: offset, reason: "status code is not 3 digits"),
                "\(text)"
            ) {
                try HTTPMessage.parse(bytes.span)
            }
        }
    }

    @Test func otherPayloadIsNotHTTP() {
        let samples: [[UInt8]] = [
            [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03],  // TLS ClientHello
            Self.utf8("SSH-2.0-OpenSSH_9.2\r\n"),
            Self.utf8("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
            Self.utf8("get / HTTP/1.1\r\n"),
            Self.utf8("GETX / HTTP/1.1\r\n"),
            Self.utf8("GET  HTTP/1.1\r\n"),
            Self.utf8("GET / HTTP/1.1 \r\n"),
            Self.utf8("GET / FTP/1.1\r\n"),
            Self.utf8("GET / HTTP/1.x\r\n"),
            Self.utf8("GET /\r\n"),
            Self.utf8("HTTX/1.1 200 OK\r\n"),
            Self.utf8("HTTP/1.1 200 OK\r\r"),
            Self.utf8("CONNECTED\r\n"),
        ]
        for sample in samples {
            do {
                _ = try HTTPMessage.parse(sample.span)
                Issue.record("parsed \(sample)")
            } catch {
                #expect(
                    !error.isTruncation && error.layer == .http, "\(String(decoding: sample, as: UTF8.self)): \(error)")
            }
        }
    }

    @Test func truncationAtEveryLengthOfTheFirstLine() throws {
        for message in [Self.getWithHost, Self.iisReply, Self.loadMasterCheck, Self.utf8("OPTIONS * HTTP/1.1\r\n")] {
            let firstLine = message.firstIndex(of: 0x0A)! + 1
            Upper.expectTruncatedPrefixes(message, end: firstLine, layer: .http) { bytes throws(DecodeError) in
                _ = try HTTPMessage.parse(bytes)
            }
        }
        // Past the first line, a cut header section is not an error.
        let bytes = Self.getWithHost
        for length in 26..<bytes.count {
            guard case .request(let head) = try HTTPMessage.parse(Array(bytes[0..<length]).span) else { return }
            #expect(head.headersComplete == (length >= bytes.count - 4))
        }
        // "HTTP" could be the start of a status line, "H" of HEAD as well.
        for prefix in ["H", "HE", "HT", "HTTP", "HTTP/1.", "CONNEC", "DELETE"] {
            let cut = Self.utf8(prefix)
            #expect(throws: DecodeError.truncated(layer: .http, needed: cut.count + 1, available: cut.count)) {
                try HTTPMessage.parse(cut.span)
            }
        }
    }

    @Test func emitBuildsParsableMessages() throws {
        var request: [UInt8] = []
        HTTPMessage.emitRequest(method: .head, version: .http10, into: &request)
        #expect(request == Self.loadMasterCheck)
        var withHost: [UInt8] = []
        HTTPMessage.emitRequest(target: "/health", host: "10.0.0.100", into: &withHost)
        guard case .request(let head) = try HTTPMessage.parse(withHost.span) else { return }
        #expect(head.text(head.hostRange!, in: withHost.span) == "10.0.0.100")
        var response: [UInt8] = []
        HTTPMessage.emitResponse(statusCode: 503, reason: "Service Unavailable", into: &response)
        guard case .response(let status) = try HTTPMessage.parse(response.span) else { return }
        #expect(status.statusCode == 503)
        #expect(HTTPMethod.allCases.count == 9)
        for method in HTTPMethod.allCases {
            var line: [UInt8] = []
            HTTPMessage.emitRequest(method: method, into: &line)
            guard case .request(let parsed) = try HTTPMessage.parse(line.span) else { return }
            #expect(parsed.method == method)
        }
    }

    @Test func randomInputNeverTraps() {
        Upper.hammer(seeds: [Self.getWithHost, Self.iisReply, Self.loadMasterCheck], maxLength: 64) { bytes in
            if let message = try? HTTPMessage.parse(bytes) {
                _ = message.description(in: bytes)
                if case .request(let head) = message, let host = head.hostRange {
                    #expect(host.upperBound <= bytes.count)
                }
            }
        }
    }
}
