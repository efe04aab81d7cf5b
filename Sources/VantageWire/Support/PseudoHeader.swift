/// The IPv4 or IPv6 pseudo-header that TCP, UDP, ICMPv6 (and VRRPv3) checksums cover.
public enum PseudoHeader: Sendable, Hashable {
    case ipv4(source: IPv4Address, destination: IPv4Address)
    case ipv6(source: IPv6Address, destination: IPv6Address)

    /// A checksum primed with this pseudo-header for a payload of `length` bytes of `proto`.
    public func checksum(protocol proto: IPProtocol, length: Int) -> InternetChecksum {
        var sum = InternetChecksum()
        switch self {
        case .ipv4(let source, let destination):
            sum.add32(source.rawValue)
            sum.add32(destination.rawValue)
            sum.add16(UInt16(proto.rawValue))
            sum.add16(UInt16(truncatingIfNeeded: length))
        case .ipv6(let source, let destination):
            sum.add(source)
            sum.add(destination)
            sum.add32(UInt32(truncatingIfNeeded: length))
            sum.add16(UInt16(proto.rawValue))
        }
        return sum
    }

    /// Whether `segment` (checksum field included) verifies under this pseudo-header.
    public func verifies(_ segment: Span<UInt8>, protocol proto: IPProtocol) -> Bool {
        var sum = checksum(protocol: proto, length: segment.count)
        sum.add(segment)
        return sum.isValid
    }

    /// The checksum to store in `segment` (whose checksum field is zero) under this pseudo-header.
    public func checksumValue(for segment: [UInt8], protocol proto: IPProtocol) -> UInt16 {
        var sum = checksum(protocol: proto, length: segment.count)
        sum.add(segment.span)
        return sum.value
    }
}
