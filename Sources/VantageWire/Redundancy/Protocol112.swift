// IP protocol 112 carries both VRRP and CARP. VRRPv2 and CARP both start with 0x21 (version 2,
// type 1), and both checksums skip the pseudo-header, so tcpdump 4.99 and tshark 4.0 show
// ucarp adverts as "VRRPv2, prio 0, addrs(7)". The rule below (protocols.md §4.2) is sharper
// than Wireshark's `test_carp_packet`:
//
//    octet 0            octet 3
//    +-------+-------+  +---------------------+
//    |version| type  |  | count (VRRP) /      |
//    +-------+-------+  | authlen (CARP)      |
//                       +---------------------+
//
//    | test                                                   | kind    |
//    |--------------------------------------------------------|---------|
//    | version = 3                                            | VRRPv3  |
//    | version = 2, octet 3 = 7 and payload length = 36       | CARP    |
//    | version = 2 and payload length = 16 + 4 × octet 3      | VRRPv2  |
//    | anything else                                          | unknown |
//
// A 36-octet VRRPv2 advert has count 5 (16 + 20), and a VRRPv2 with 7 addresses is 44 octets,
// so neither is taken for CARP.
//
// The length is the IP payload length, not the captured frame: a VRRPv2 advert with one
// address makes a 54-octet Ethernet frame that is padded to 60, and those 6 octets must not
// count. The packet decoder therefore passes the IP payload bounded by the IPv4 total length
// (or IPv6 payload length minus extension headers), and, when the snap length cut it, the
// declared length as `declaredLength` so that a cut advert is still classified (its parse
// then throws `.truncated`).

/// What an IP protocol 112 payload is.
public enum Protocol112Kind: String, Sendable, Hashable, Encodable, CustomStringConvertible {
    /// VRRP version 2 (RFC 3768).
    case vrrpV2
    /// VRRP version 3 (RFC 5798).
    case vrrpV3
    /// CARP (OpenBSD / FreeBSD / ucarp).
    case carp
    /// Neither rule matched.
    case unknown

    /// Classifies a protocol-112 payload; see ``Protocol112/classify(_:declaredLength:)``.
    public static func classify(_ payload: Span<UInt8>, declaredLength: Int? = nil) -> Protocol112Kind {
        Protocol112.classify(payload, declaredLength: declaredLength)
    }

    /// `VRRPv2`, `VRRPv3`, `CARP` or `unknown`.
    public var description: String {
        switch self {
        case .vrrpV2: "VRRPv2"
        case .vrrpV3: "VRRPv3"
        case .carp: "CARP"
        case .unknown: "unknown"
        }
    }
}

/// The VRRP / CARP discriminator for IP protocol 112.
public enum Protocol112 {
    /// Classifies `payload` (the IP payload as captured) by the table above; `declaredLength`
    /// is the IP payload length from the IP header (defaults to `payload.count`).
    public static func classify(_ payload: Span<UInt8>, declaredLength: Int? = nil) -> Protocol112Kind {
        guard payload.count >= 1 else { return .unknown }
        let version = payload.u8(0) >> 4
        if version == 3 { return .vrrpV3 }
        guard version == 2, payload.count >= 4 else { return .unknown }
        let octet3 = Int(payload.u8(3))
        let length = declaredLength ?? payload.count
        if octet3 == 7 && length == CARPAdvertisement.length { return .carp }
        if length == 16 + 4 * octet3 { return .vrrpV2 }
        return .unknown
    }
}
