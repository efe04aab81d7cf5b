import Testing
import VantageWire

@Suite struct AddressTests {
    @Test func macRoundTripsThroughText() {
        let mac = MACAddress(0x02, 0xBF, 0x0A, 0x00, 0x00, 0x05)
        #expect(mac.description == "02:bf:0a:00:00:05")
        #expect(MACAddress("02-BF-0A-00-00-05") == mac)
        #expect(MACAddress("02:bf:0a:00:00") == nil)
        #expect(MACAddress("02:bf:0a:00:00:zz") == nil)
        #expect(!mac.isMulticast && mac.isLocallyAdministered)
        #expect(MACAddress.broadcast.isMulticast)
    }

    @Test func ipv4RoundTripsThroughText() {
        let ip = IPv4Address(10, 0, 1, 20)
        #expect(ip.description == "10.0.1.20")
        #expect(IPv4Address("10.0.1.20") == ip)
        for bad in ["10.0.1", "10.0.1.256", "a.b.c.d", "1..2.3", ""] { #expect(IPv4Address(bad) == nil) }
        #expect(IPv4Address(224, 0, 0, 18).multicastMAC == MACAddress("01:00:5e:00:00:12"))
    }

    @Test func ipv6FollowsRFC5952() {
        let cases: [(String, String)] = [
            ("fe80::1", "fe80::1"), ("FF02:0:0:0:0:1:FF00:1234", "ff02::1:ff00:1234"),
            ("::", "::"), ("::1", "::1"), ("2001:db8::", "2001:db8::"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
        ]
        for (input, expected) in cases {
            #expect(IPv6Address(input)?.description == expected, "\(input)")
        }
        for bad in ["1::2::3", "1:2:3", "12345::", "1:2:3:4:5:6:7:8:9", ":::"] {
            #expect(IPv6Address(bad) == nil, "\(bad)")
        }
        let target = IPv6Address("fe80::aa:bbcc:ddee")!
        #expect(target.solicitedNodeGroup.description == "ff02::1:ffcc:ddee")
        #expect(target.solicitedNodeGroup.multicastMAC == MACAddress("33:33:ff:cc:dd:ee"))
    }

    @Test func checksumMatchesRFC1071Example() {
        // RFC 1071 §3 example words sum to 0xddf2 (folded).
        let bytes: [UInt8] = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]
        var sum = InternetChecksum()
        sum.add(bytes.span)
        #expect(sum.foldedSum == 0xDDF2)
        var split = InternetChecksum()
        split.add(Array(bytes[0..<3]).span)
        split.add(Array(bytes[3...]).span)
        #expect(split.foldedSum == 0xDDF2)
    }
}
