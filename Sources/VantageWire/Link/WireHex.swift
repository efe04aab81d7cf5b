/// Hexadecimal text for `description`s (internal; used by the link and network headers).
enum WireHex {
    /// `value` as `0x`-prefixed lower-case hex, zero-padded to `digits` digits.
    static func format(_ value: some BinaryInteger, digits: Int) -> String {
        let text = String(value, radix: 16)
        let padding = digits > text.count ? String(repeating: "0", count: digits - text.count) : ""
        return "0x" + padding + text
    }
}
