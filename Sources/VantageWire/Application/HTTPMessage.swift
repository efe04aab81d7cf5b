// HTTP/1.x start line (RFC 9112 §3, §4) and the Host header, for health-check diagnosis only.
//
//    request-line = method SP request-target SP HTTP-version CRLF
//    status-line  = HTTP-version SP status-code SP [ reason-phrase ] CRLF
//    HTTP-version = "HTTP/" DIGIT "." DIGIT
//    headers      = *( field-name ":" OWS field-value OWS CRLF ) CRLF
//
//    "GET /health HTTP/1.1\r\nHost: 10.0.0.100\r\n\r\n"
//     ^^^ ^^^^^^^ ^^^^^^^^          ^^^^^^^^^^
//     method target version         host value        (all Range<Int> into the payload)
//
// Only the nine standard methods are accepted, so random TCP payload is not taken for HTTP.
// A bare LF is accepted as a line end. A payload that is a prefix of a valid start line throws
// `.truncated` (needed = captured + 1, the true need is unknown); anything else that is not a
// start line throws `.malformed(layer: .http, ...)`. Headers are read up to the blank line or
// the end of the captured bytes (`headersComplete`); only complete header lines count.

/// A standard HTTP request method.
public enum HTTPMethod: String, Sendable, Hashable, Encodable, CaseIterable, CustomStringConvertible {
    /// GET.
    case get = "GET"
    /// HEAD.
    case head = "HEAD"
    /// POST.
    case post = "POST"
    /// PUT.
    case put = "PUT"
    /// DELETE.
    case delete = "DELETE"
    /// OPTIONS.
    case options = "OPTIONS"
    /// PATCH.
    case patch = "PATCH"
    /// CONNECT.
    case connect = "CONNECT"
    /// TRACE.
    case trace = "TRACE"

    /// The method token.
    public var description: String { rawValue }

    /// The method token packed big-endian into a UInt64 and its length (all are ≤ 7 octets).
    fileprivate static func packed(_ index: Int) -> (method: HTTPMethod, token: UInt64, length: Int) {
        switch index {
        case 0: (.get, 0x47_4554, 3)
        case 1: (.head, 0x4845_4144, 4)
        case 2: (.post, 0x504F_5354, 4)
        case 3: (.put, 0x50_5554, 3)
        case 4: (.delete, 0x4445_4C45_5445, 6)
        case 5: (.options, 0x4F_5054_494F_4E53, 7)
        case 6: (.patch, 0x50_4154_4348, 5)
        case 7: (.connect, 0x43_4F4E_4E45_4354, 7)
        default: (.trace, 0x54_5241_4345, 5)
        }
    }

    fileprivate static let packedCount = 9
}

/// An HTTP version from a start line.
public enum HTTPVersion: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// HTTP/1.0.
    case http10
    /// HTTP/1.1.
    case http11
    /// Any other `HTTP/x.y`.
    case other(major: UInt8, minor: UInt8)

    /// The version from its two digits.
    public init(major: UInt8, minor: UInt8) {
        switch (major, minor) {
        case (1, 0): self = .http10
        case (1, 1): self = .http11
        default: self = .other(major: major, minor: minor)
        }
    }

    /// `HTTP/1.1` etc.
    public var description: String {
        switch self {
        case .http10: "HTTP/1.0"
        case .http11: "HTTP/1.1"
        case .other(let major, let minor): "HTTP/\(major).\(minor)"
        }
    }

    /// Encodes the ``description`` string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// An HTTP request line and the Host header's place in the payload.
public struct HTTPRequestHead: Sendable, Hashable, Encodable {
    /// Request method.
    public var method: HTTPMethod
    /// The method token's octets.
    public var methodRange: Range<Int>
    /// The request target's octets (e.g. `/health`).
    public var targetRange: Range<Int>
    /// Protocol version.
    public var version: HTTPVersion
    /// The version's octets (`HTTP/1.1`).
    public var versionRange: Range<Int>
    /// The Host header value (OWS trimmed), if a complete Host line was captured.
    public var hostRange: Range<Int>?
    /// Whether the blank line ending the header section was captured.
    public var headersComplete: Bool
    /// Offset just after the blank line (start of the body), when `headersComplete`.
    public var bodyOffset: Int?
    /// The Host header value, lowercased, kept inline (first 24 octets): detectors see no bytes.
    public var hostName = HTTPHostName()

    /// Whether a Host header was found in the captured header lines.
    public var hasHostHeader: Bool { hostRange != nil }

    /// A request head from its parts.
    public init(
        method: HTTPMethod, methodRange: Range<Int>, targetRange: Range<Int>, version: HTTPVersion,
        versionRange: Range<Int>, hostRange: Range<Int>? = nil, headersComplete: Bool = false,
        bodyOffset: Int? = nil
    ) {
        self.method = method
        self.methodRange = methodRange
        self.targetRange = targetRange
        self.version = version
        self.versionRange = versionRange
        self.hostRange = hostRange
        self.headersComplete = headersComplete
        self.bodyOffset = bodyOffset
    }

    /// The text of `range` in `bytes` (allocates; for output).
    public func text(_ range: Range<Int>, in bytes: Span<UInt8>) -> String { HTTPMessage.text(range, in: bytes) }
}

/// An HTTP status line.
public struct HTTPStatusLine: Sendable, Hashable, Encodable {
    /// Protocol version.
    public var version: HTTPVersion
    /// The version's octets.
    public var versionRange: Range<Int>
    /// Three-digit status code.
    public var statusCode: UInt16
    /// The reason phrase's octets (may be empty).
    public var reasonRange: Range<Int>

    /// The status class: 1 for 1xx … 5 for 5xx.
    public var statusClass: Int { Int(statusCode) / 100 }

    /// A status line from its parts.
    public init(version: HTTPVersion, versionRange: Range<Int>, statusCode: UInt16, reasonRange: Range<Int>) {
        self.version = version
        self.versionRange = versionRange
        self.statusCode = statusCode
        self.reasonRange = reasonRange
    }

    /// The text of `range` in `bytes` (allocates; for output).
    public func text(_ range: Range<Int>, in bytes: Span<UInt8>) -> String { HTTPMessage.text(range, in: bytes) }
}

/// The start of an HTTP/1.x message found at the beginning of a TCP payload.
public enum HTTPMessage: Sendable, Hashable, Encodable, CustomStringConvertible {
    /// A request line (+ Host header).
    case request(HTTPRequestHead)
    /// A status line.
    case response(HTTPStatusLine)

    private static let space: UInt8 = 0x20
    private static let tab: UInt8 = 0x09
    private static let cr: UInt8 = 0x0D
    private static let lf: UInt8 = 0x0A

    // MARK: - Parse

    /// Decodes the start line of an HTTP/1.x request or response at the start of `payload`.
    public static func parse(_ payload: Span<UInt8>) throws(DecodeError) -> HTTPMessage {
        let count = payload.count
        guard count > 0 else { throw .truncated(layer: .http, needed: 1, available: 0) }
        if payload.u8(0) == 0x48 {  // "H": "HTTP/" or "HEAD"
            let versionEnd = try parseVersion(payload, at: 0, allowMismatch: true)
            if let versionEnd { return .response(try parseStatusLine(payload, versionEnd: versionEnd)) }
        }
        return .request(try parseRequestLine(payload))
    }

    private static func cut(_ payload: Span<UInt8>) -> DecodeError {
        .truncated(layer: .http, needed: payload.count + 1, available: payload.count)
    }

    /// Parses `HTTP/d.d` at `offset`, returning the end offset. With `allowMismatch` (start of
    /// payload), returns nil when the octets are not "HTTP/" or could still be a method
    /// ("H" → "HEAD"), so that the caller tries a request line instead.
    private static func parseVersion(
        _ payload: Span<UInt8>, at offset: Int, allowMismatch: Bool
    ) throws(DecodeError) -> Int? {
        let literal: UInt64 = 0x48_5454_502F  // "HTTP/"
        for index in 0..<5 {
            guard offset + index < payload.count else {
                if allowMismatch && methodToken(payload) != nil { return nil }
                throw cut(payload)
            }
            let expected = UInt8(truncatingIfNeeded: literal >> UInt64(8 * (4 - index)))
            if payload.u8(offset + index) != expected {
                if allowMismatch { return nil }
                throw .malformed(layer: .http, offset: offset + index, reason: "expected HTTP/")
            }
        }
        guard offset + 7 < payload.count else {
            // Check what was captured of "d.d" before reporting the cut.
            for index in 5..<min(payload.count - offset, 8) where !versionOctetOK(payload.u8(offset + index), index) {
                throw .malformed(layer: .http, offset: offset + index, reason: "bad HTTP version")
            }
            throw cut(payload)
        }
        for index in 5..<8 where !versionOctetOK(payload.u8(offset + index), index) {
            throw .malformed(layer: .http, offset: offset + index, reason: "bad HTTP version")
        }
        return offset + 8
    }

    /// Octet 5 and 7 of `HTTP/d.d` are digits, octet 6 is a dot.
    private static func versionOctetOK(_ octet: UInt8, _ index: Int) -> Bool {
        index == 6 ? octet == 0x2E : (octet >= 0x30 && octet <= 0x39)
    }

    /// The leading method token. Returns nil when the octets cannot start a standard method;
    /// `method` is nil when the captured octets end inside (or right after) a possible method,
    /// otherwise the method followed by SP and the token's length.
    private static func methodToken(_ payload: Span<UInt8>) -> (method: HTTPMethod?, length: Int)? {
        var token: UInt64 = 0
        var length = 0
        while length < payload.count, length < 8 {
            let octet = payload.u8(length)
            if octet == space {
                for index in 0..<HTTPMethod.packedCount {
                    let candidate = HTTPMethod.packed(index)
                    if candidate.length == length && candidate.token == token { return (candidate.method, length) }
                }
                return nil
            }
            token = token << 8 | UInt64(octet)
            length += 1
        }
        guard length == payload.count else { return nil }  // 8 octets without SP: no method
        for index in 0..<HTTPMethod.packedCount {
            let candidate = HTTPMethod.packed(index)
            if length <= candidate.length && candidate.token >> UInt64(8 * (candidate.length - length)) == token {
                return (nil, length)
            }
        }
        return nil
    }

    private static func parseRequestLine(_ payload: Span<UInt8>) throws(DecodeError) -> HTTPRequestHead {
        guard let match = methodToken(payload) else {
            throw .malformed(layer: .http, offset: 0, reason: "not an HTTP method or status line")
        }
        guard let method = match.method else { throw cut(payload) }
        let methodEnd = match.length
        let targetStart = methodEnd + 1
        var index = targetStart
        while true {
            guard index < payload.count else { throw cut(payload) }
            let octet = payload.u8(index)
            if octet == space { break }
            if octet < 0x21 || octet == 0x7F {
                throw .malformed(layer: .http, offset: index, reason: "control octet in request target")
            }
            index += 1
        }
        guard index > targetStart else {
            throw .malformed(layer: .http, offset: index, reason: "empty request target")
        }
        let targetEnd = index
        let versionStart = targetEnd + 1
        guard let versionEnd = try parseVersion(payload, at: versionStart, allowMismatch: false) else {
            throw cut(payload)
        }
        let lineEnd = try parseLineEnd(payload, at: versionEnd)
        var head = HTTPRequestHead(
            method: method, methodRange: 0..<methodEnd, targetRange: targetStart..<targetEnd,
            version: version(payload, at: versionStart), versionRange: versionStart..<versionEnd)
        scanHeaders(payload, from: lineEnd, into: &head)
        return head
    }

    private static func version(_ payload: Span<UInt8>, at offset: Int) -> HTTPVersion {
        HTTPVersion(major: payload.u8(offset + 5) &- 0x30, minor: payload.u8(offset + 7) &- 0x30)
    }

    /// Expects CRLF or LF at `offset`; returns the offset after it.
    private static func parseLineEnd(_ payload: Span<UInt8>, at offset: Int) throws(DecodeError) -> Int {
        guard offset < payload.count else { throw cut(payload) }
        let octet = payload.u8(offset)
        if octet == lf { return offset + 1 }
        guard octet == cr else { throw .malformed(layer: .http, offset: offset, reason: "expected end of line") }
        guard offset + 1 < payload.count else { throw cut(payload) }
        guard payload.u8(offset + 1) == lf else {
            throw .malformed(layer: .http, offset: offset + 1, reason: "CR without LF")
        }
        return offset + 2
    }

    private static func scanHeaders(_ payload: Span<UInt8>, from start: Int, into head: inout HTTPRequestHead) {
        var lineStart = start
        // Each iteration consumes one complete line, so the loop ends within payload.count steps.
        while lineStart < payload.count {
            var lineFeed = lineStart
            while lineFeed < payload.count, payload.u8(lineFeed) != lf { lineFeed += 1 }
            guard lineFeed < payload.count else { return }  // line cut by the capture
            var lineEnd = lineFeed
            if lineEnd > lineStart, payload.u8(lineEnd - 1) == cr { lineEnd -= 1 }
            if lineEnd == lineStart {
                head.headersComplete = true
                head.bodyOffset = lineFeed + 1
                return
            }
            if head.hostRange == nil, lineEnd - lineStart >= 5, isHostName(payload, at: lineStart) {
                var valueStart = lineStart + 5
                var valueEnd = lineEnd
                while valueStart < valueEnd, isWhitespace(payload.u8(valueStart)) { valueStart += 1 }
                while valueEnd > valueStart, isWhitespace(payload.u8(valueEnd - 1)) { valueEnd -= 1 }
                head.hostRange = valueStart..<valueEnd
                head.hostName = HTTPHostName(payload, valueStart..<valueEnd)
            }
            lineStart = lineFeed + 1
        }
    }

    /// "host:" in any letter case at `offset` (the caller checked 5 octets are there).
    private static func isHostName(_ payload: Span<UInt8>, at offset: Int) -> Bool {
        payload.u8(offset) | 0x20 == 0x68 && payload.u8(offset + 1) | 0x20 == 0x6F
            && payload.u8(offset + 2) | 0x20 == 0x73 && payload.u8(offset + 3) | 0x20 == 0x74
            && payload.u8(offset + 4) == 0x3A
    }

    private static func isWhitespace(_ octet: UInt8) -> Bool { octet == space || octet == tab }

    private static func parseStatusLine(_ payload: Span<UInt8>, versionEnd: Int) throws(DecodeError) -> HTTPStatusLine {
        guard versionEnd < payload.count else { throw cut(payload) }
        guard payload.u8(versionEnd) == space else {
            throw .malformed(layer: .http, offset: versionEnd, reason: "expected SP after version")
        }
        var code: UInt16 = 0
        var index = versionEnd + 1
        while index < versionEnd + 4 {
            guard index < payload.count else { throw cut(payload) }
            let octet = payload.u8(index)
            guard octet >= 0x30, octet <= 0x39 else {
                throw .malformed(layer: .http, offset: index, reason: "status code is not 3 digits")
            }
            code = code * 10 + UInt16(octet - 0x30)
            index += 1
        }
        guard index < payload.count else { throw cut(payload) }
        let after = payload.u8(index)
        var reasonStart = index
        if after == space {
            reasonStart = index + 1
        } else if after != cr && after != lf {
            throw .malformed(layer: .http, offset: index, reason: "status code is not 3 digits")
        }
        var reasonEnd = reasonStart
        while true {
            guard reasonEnd < payload.count else { throw cut(payload) }
            let octet = payload.u8(reasonEnd)
            if octet == cr || octet == lf { break }
            reasonEnd += 1
        }
        _ = try parseLineEnd(payload, at: reasonEnd)
        return HTTPStatusLine(
            version: version(payload, at: 0), versionRange: 0..<versionEnd, statusCode: code,
            reasonRange: reasonStart..<reasonEnd)
    }

    // MARK: - Text

    /// The text of `range` in `bytes`, clamped to the bytes (allocates; for output only).
    public static func text(_ range: Range<Int>, in bytes: Span<UInt8>) -> String {
        let lower = max(0, min(range.lowerBound, bytes.count))
        let upper = max(lower, min(range.upperBound, bytes.count))
        var octets: [UInt8] = []
        octets.reserveCapacity(upper - lower)
        for index in lower..<upper { octets.append(bytes[index]) }
        return String(decoding: octets, as: UTF8.self)
    }

    /// The text of `range` in `bytes` (allocates; for output only).
    public func text(_ range: Range<Int>, in bytes: Span<UInt8>) -> String { Self.text(range, in: bytes) }

    // MARK: - Emit

    /// Appends a request: `method SP target SP version CRLF`, `Host:` when given, then CRLF.
    public static func emitRequest(
        method: HTTPMethod = .get, target: String = "/", version: HTTPVersion = .http11,
        host: String? = nil, into out: inout [UInt8]
    ) {
        out += Array("\(method.rawValue) \(target) \(version)\r\n".utf8)
        if let host { out += Array("Host: \(host)\r\n".utf8) }
        out += [cr, lf]
    }

    /// Appends a status line `version SP code SP reason CRLF` and an empty header section.
    public static func emitResponse(
        statusCode: UInt16, reason: String = "", version: HTTPVersion = .http11, into out: inout [UInt8]
    ) {
        let digits = String(statusCode % 1000)
        let padded = String(repeating: "0", count: 3 - digits.count) + digits
        out += Array("\(version) \(padded) \(reason)\r\n\r\n".utf8)
    }

    // MARK: - Description

    /// Text without the payload: `HTTP request GET HTTP/1.1, host header` or `HTTP/1.1 200`.
    public var description: String {
        switch self {
        case .request(let head):
            "HTTP request \(head.method) \(head.version)" + (head.hasHostHeader ? ", host header" : ", no host header")
        case .response(let status):
            "\(status.version) \(status.statusCode)"
        }
    }

    /// Text with the payload: `GET /health HTTP/1.1, Host: 10.0.0.1` or `HTTP/1.1 200 OK`.
    public func description(in payload: Span<UInt8>) -> String {
        switch self {
        case .request(let head):
            var text = "\(head.method) \(Self.text(head.targetRange, in: payload)) \(head.version)"
            if let host = head.hostRange { text += ", Host: \(Self.text(host, in: payload))" }
            return text
        case .response(let status):
            let reason = Self.text(status.reasonRange, in: payload)
            return "\(status.version) \(status.statusCode)" + (reason.isEmpty ? "" : " \(reason)")
        }
    }
}
