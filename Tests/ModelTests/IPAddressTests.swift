import Testing
@testable import Model

struct IPAddressTests {
    @Test(arguments: [
        ("10.1.2.3", [10, 1, 2, 3] as [UInt8]),
        ("0.0.0.0", [0, 0, 0, 0]),
        ("255.255.255.255", [255, 255, 255, 255]),
    ])
    func ipv4TextParsesToFourBytesInNetworkOrder(text: String, bytes: [UInt8]) throws {
        let address = try #require(IPAddress(text))
        #expect(address.bytes == bytes)
        #expect(address.family == .v4)
        #expect(address.description == text)
    }

    @Test(arguments: [
        ("fd00::1", "fd00::1"),
        ("::", "::"),
        ("::1", "::1"),
        ("FD00:0:0:0:0:0:0:1", "fd00::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
        ("fe80::", "fe80::"),
    ])
    func ipv6TextParsesToSixteenBytesAndFormatsCanonically(text: String, canonical: String) throws {
        let address = try #require(IPAddress(text))
        #expect(address.bytes.count == 16)
        #expect(address.family == .v6)
        #expect(address.description == canonical)
        #expect(IPAddress(canonical) == address)
    }

    @Test func ipv6BytesAreInNetworkOrder() throws {
        let address = try ip("fd00:102::a0b:c0d")
        #expect(address.bytes == [0xfd, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0x0b, 0x0c, 0x0d])
    }

    @Test(arguments: [
        "", "10.0.0", "10.0.0.0.0", "256.0.0.1", "10.0.0.-1", "10..0.1", " 10.0.0.1", "10.0.0.1 ", "a.b.c.d",
        "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", ":::", "12345::", "g::1", "fe80::1%eth0",
        "1:2:3:4:5:6:7:8::", "::1.2.3", "10.0.0.1/32",
    ])
    func malformedAddressIsRejected(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func ipv4OctetWithLeadingZeroIsRejectedAsAmbiguous() {
        #expect(throws: AddressParseError(text: "010.0.0.1", reason: "must not have leading 0s")) {
            try IPAddress(parsing: "010.0.0.1")
        }
    }

    @Test func ipv4MappedIPv6AddressIsRejected() {
        #expect(throws: AddressParseError(text: "::ffff:10.0.0.1", reason: "must not be an IPv4-mapped IPv6 address")) {
            try IPAddress(parsing: "::ffff:10.0.0.1")
        }
    }

    @Test func addressesFromBytesMustBeFourOrSixteenLong() {
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
        #expect(IPAddress(bytes: [10, 0, 0, 1]) == IPAddress(v4: 10, 0, 0, 1))
        #expect(IPAddress(bytes: [UInt8](repeating: 0, count: 16))?.description == "::")
    }

    @Test func ipv4SortsBeforeIPv6AndNumericallyWithinAFamily() throws {
        let text = ["fd00::1", "10.0.0.10", "10.0.0.9", "::1"]
        let sorted = text.compactMap(IPAddress.init).sorted().map(\.description)
        #expect(sorted == ["10.0.0.9", "10.0.0.10", "::1", "fd00::1"])
    }
}
