import CSluiceBPF
import Testing

/// Swift's import of abi.h's NodePort structs matches the C layout that
/// bpf/lib/nodeport_layout.h asserts, field by field.
struct NodePortABILayoutTests {
    func offset<T>(_ path: PartialKeyPath<T>) -> Int? { MemoryLayout<T>.offset(of: path) }

    @Test func natKeyAndValueLayoutsMatchC() {
        #expect(MemoryLayout<sluice_nat_key>.size == 40 && MemoryLayout<sluice_nat_key>.stride == 40)
        #expect(offset(\sluice_nat_key.daddr) == 16 && offset(\sluice_nat_key.sport) == 32
            && offset(\sluice_nat_key.dport) == 34 && offset(\sluice_nat_key.protocol) == 36
            && offset(\sluice_nat_key.family) == 37 && offset(\sluice_nat_key.direction) == 38
            && offset(\sluice_nat_key.pad) == 39)
        #expect(MemoryLayout<sluice_nat_value>.size == 40 && MemoryLayout<sluice_nat_value>.stride == 40)
        #expect(offset(\sluice_nat_value.port) == 16 && offset(\sluice_nat_value.family) == 18
            && offset(\sluice_nat_value.backend_id) == 20 && offset(\sluice_nat_value.service_id) == 24
            && offset(\sluice_nat_value.pad2) == 28 && offset(\sluice_nat_value.last_seen_ns) == 32)
    }
}
