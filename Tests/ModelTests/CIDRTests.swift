import Testing
@testable import Model

struct CIDRTests {
    @Test(arguments: [
        ("10.0.0.0/8", "10.0.0.0", 8),
        ("0.0.0.0/0", "0.0.0.0", 0),
        ("192.168.1.7/32", "192.168.1.7", 32),
        ("fd00::/64", "fd00::", 64),
        ("::/0", "::", 0),
        ("2001:DB8::/32", "2001:db8::", 32),
        ("fd00::1/128", "fd00::1", 128),
    ])
    func cidrParsesToNetworkAddressAndPrefixLength(text: String, address: String, length: Int) throws {
        let cidr = try #require(CIDR(text))
        #expect(cidr.address == IPAddress(address))
        #expect(cidr.prefixLength == length)
    }

    @Test func cidrWithHostBitsSetIsRejectedNamingBothReadings() {
        #expect(throws: AddressParseError(
            text: "10.0.0.1/8",
            reason: "must not have bits set beyond the prefix length (did you mean 10.0.0.0/8 or 10.0.0.1/32?)"
        )) {
            try CIDR(parsing: "10.0.0.1/8")
        }
        #expect(CIDR("fd00::1/64") == nil)
    }

    @Test(arguments: ["10.0.0.0/08", "010.0.0.0/8"])
    func cidrWithLeadingZerosIsRejected(text: String) {
        #expect(throws: AddressParseError(text: text, reason: "must not have leading 0s in IP or prefix length")) {
            try CIDR(parsing: text)
        }
    }

    @Test(arguments: ["10.0.0.0", "10.0.0.0/33", "fd00::/129", "10.0.0.0/", "/8", "10.0.0.0/8/8", "10.0.0.0/-1", "10.0.0.0/a", "::ffff:10.0.0.0/104"])
    func malformedCIDRIsRejected(text: String) {
        #expect(CIDR(text) == nil)
    }

    @Test func containmentOfAddressesRespectsPrefixAndFamily() throws {
        let v4 = try cidr("10.1.0.0/16")
        #expect(v4.contains(try ip("10.1.255.255")))
        #expect(!v4.contains(try ip("10.2.0.0")))
        #expect(!v4.contains(try ip("::a01:0")))
        let v6 = try cidr("fd00:1::/33")
        #expect(v6.contains(try ip("fd00:1:7fff::1")))
        #expect(!v6.contains(try ip("fd00:1:8000::1")))
        #expect(try cidr("0.0.0.0/0").contains(try ip("1.2.3.4")))
    }

    @Test func strictContainmentExcludesEqualAndOutsidePrefixes() throws {
        let outer = try cidr("10.0.0.0/8")
        #expect(outer.strictlyContains(try cidr("10.3.0.0/16")))
        #expect(!outer.strictlyContains(outer))
        #expect(outer.contains(outer))
        #expect(!outer.strictlyContains(try cidr("11.0.0.0/16")))
        #expect(!outer.strictlyContains(try cidr("0.0.0.0/0")))
        #expect(!outer.strictlyContains(try cidr("fd00::/64")))
    }

    @Test func initFromAddressMasksHostBits() throws {
        let cidr = try #require(CIDR(address: try ip("10.1.2.3"), prefixLength: 12))
        #expect(cidr.description == "10.0.0.0/12")
        #expect(CIDR(address: try ip("10.1.2.3"), prefixLength: 33) == nil)
        #expect(CIDR(host: try ip("fd00::5")).description == "fd00::5/128")
    }
}
