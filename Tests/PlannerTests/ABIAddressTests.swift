import CSluiceBPF
import Model
import Planner
import Testing

/// An address goes into an abi.h struct's `addr` and `family` and comes back the same; the
/// bytes past an IPv4 address stay zero, as byte-wise key comparison needs.
struct ABIAddressTests {
    @Test(arguments: ["10.96.0.10", "fd00:96::10"])
    func anAddressRoundTripsThroughTheABIFields(text: String) throws {
        let address = try #require(IPAddress(text))
        let addr = address.abi
        let bytes = withUnsafeBytes(of: addr) { Array($0) }
        #expect(bytes.prefix(address.bytes.count).elementsEqual(address.bytes))
        #expect(bytes.dropFirst(address.bytes.count).allSatisfy { $0 == 0 })
        #expect(IPAddress(abi: addr, family: address.family.abi) == address)
    }

    @Test func anUnusedEntryHasNoAddress() {
        #expect(IPAddress(abi: IPAddress(v4: 10, 0, 0, 1).abi, family: 0) == nil)
        #expect(IPAddress.Family.v4.abi == UInt8(SLUICE_FAMILY_IPV4.rawValue))
        #expect(IPAddress.Family.v6.abi == UInt8(SLUICE_FAMILY_IPV6.rawValue))
    }
}
