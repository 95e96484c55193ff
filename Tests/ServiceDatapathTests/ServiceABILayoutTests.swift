import CSluiceBPF
import Testing

/// Swift's import of abi.h's Services structs matches the C layout that
/// bpf/lib/service_layout.h asserts, field by field.
struct ServiceABILayoutTests {
    func offset<T>(_ path: PartialKeyPath<T>) -> Int? { MemoryLayout<T>.offset(of: path) }

    func expectSize<T>(_ type: T.Type, _ size: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(MemoryLayout<T>.size == size, "\(T.self) size", sourceLocation: sourceLocation)
        #expect(MemoryLayout<T>.stride == size, "\(T.self) stride", sourceLocation: sourceLocation)
    }

    @Test func serviceAndBackendLayoutsMatchC() {
        expectSize(sluice_service_key.self, 20)
        #expect(offset(\sluice_service_key.port) == 16 && offset(\sluice_service_key.protocol) == 18
            && offset(\sluice_service_key.family) == 19)
        expectSize(sluice_service_value.self, 16)
        #expect(offset(\sluice_service_value.flags) == 4 && offset(\sluice_service_value.affinity_timeout_s) == 8
            && offset(\sluice_service_value.table_size) == 12)
        expectSize(sluice_backend_value.self, 20)
        #expect(offset(\sluice_backend_value.port) == 16 && offset(\sluice_backend_value.family) == 18)
        expectSize(sluice_service_member_key.self, 8)
        expectSize(sluice_service_member_value.self, 8)
        #expect(offset(\sluice_service_member_value.weight) == 4)
        expectSize(sluice_table_stamp.self, 16)
        #expect(offset(\sluice_table_stamp.map_id) == 8 && offset(\sluice_table_stamp.pad) == 12)
    }

    @Test func affinityReverseAndCounterLayoutsMatchC() {
        expectSize(sluice_affinity_key.self, 24)
        #expect(offset(\sluice_affinity_key.service_id) == 16 && offset(\sluice_affinity_key.kind) == 20)
        expectSize(sluice_affinity_value.self, 16)
        #expect(offset(\sluice_affinity_value.backend_id) == 8)
        expectSize(sluice_reverse_sock_key.self, 32)
        #expect(offset(\sluice_reverse_sock_key.addr) == 8 && offset(\sluice_reverse_sock_key.port) == 24
            && offset(\sluice_reverse_sock_key.family) == 26)
        expectSize(sluice_reverse_sock_value.self, 24)
        #expect(offset(\sluice_reverse_sock_value.port) == 16 && offset(\sluice_reverse_sock_value.service_id) == 20)
        expectSize(sluice_service_metrics.self, 16)
        expectSize(sluice_backend_metrics.self, 8)
    }

    @Test func reapKeyLayoutMatchesC() {
        expectSize(sluice_reap_key.self, 24)
        #expect(offset(\sluice_reap_key.port) == 16 && offset(\sluice_reap_key.family) == 18
            && offset(\sluice_reap_key.service_id) == 20)
    }
}
