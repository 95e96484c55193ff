import CNI
import Testing

struct HostInterfaceNameTests {
    @Test func nameIsStableShortAndDependsOnContainerAndInterface() {
        let a = HostInterfaceName.make(for: CNIAttachment(containerID: String(repeating: "f", count: 64), ifname: "eth0"))
        #expect(a == HostInterfaceName.make(for: CNIAttachment(containerID: String(repeating: "f", count: 64), ifname: "eth0")))
        #expect(a.utf8.count == 15)
        #expect(a.hasPrefix("slc"))
        #expect(a != HostInterfaceName.make(for: CNIAttachment(containerID: String(repeating: "f", count: 64), ifname: "net1")))
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        #expect(HostInterfaceName.make(for: CNIAttachment(containerID: "ab", ifname: "c"))
            != HostInterfaceName.make(for: CNIAttachment(containerID: "a", ifname: "bc")))
    }

    @Test func tenThousandContainersGetTenThousandNames() {
        let names = Set((0..<10_000).map { HostInterfaceName.make(for: CNIAttachment(containerID: "container-\($0)", ifname: "eth0")) })
        #expect(names.count == 10_000)
    }
}
