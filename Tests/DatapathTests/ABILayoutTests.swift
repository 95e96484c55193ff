import CSluiceBPF
import Testing

/// Swift's import of abi.h lays every struct out as the BPF C does: the
/// sizes of abi.h's _Static_asserts and the offsets of bpf/lib/abi_layout.h.
struct ABILayoutTests {
    /// A field's name as in abi.h, where Swift puts it, and where the C asserts say it is.
    struct Field<T>: @unchecked Sendable {
        var name: String
        var path: PartialKeyPath<T>
        var offset: Int
    }

    func check<T>(_ type: T.Type, size: Int, alignment: Int, _ fields: [Field<T>]) {
        #expect(MemoryLayout<T>.size == size, "\(T.self) size")
        #expect(MemoryLayout<T>.stride == size, "\(T.self) has tail padding Swift would copy")
        #expect(MemoryLayout<T>.alignment == alignment, "\(T.self) alignment")
        for field in fields {
            #expect(MemoryLayout<T>.offset(of: field.path) == field.offset, "\(T.self).\(field.name)")
        }
    }

    @Test func endpointKeyAndValueMatchC() {
        check(sluice_endpoint_key.self, size: 4, alignment: 4, [.init(name: "ifindex", path: \.ifindex, offset: 0)])
        check(sluice_endpoint_value.self, size: 16, alignment: 4, [
            .init(name: "endpoint_id", path: \.endpoint_id, offset: 0),
            .init(name: "flags", path: \.flags, offset: 4),
            .init(name: "ingress_policy_id", path: \.ingress_policy_id, offset: 8),
            .init(name: "egress_policy_id", path: \.egress_policy_id, offset: 12),
        ])
    }

    @Test func endpointAddressKeyMatchesC() {
        check(sluice_endpoint_address_key.self, size: 24, alignment: 4, [
            .init(name: "ifindex", path: \.ifindex, offset: 0),
            .init(name: "family", path: \.family, offset: 4),
            .init(name: "pad", path: \.pad, offset: 5),
            .init(name: "addr", path: \.addr, offset: 8),
        ])
    }

    @Test func ipcacheKeyAndValueMatchC() {
        check(sluice_ipcache_key.self, size: 24, alignment: 4, [
            .init(name: "prefixlen", path: \.prefixlen, offset: 0),
            .init(name: "family", path: \.family, offset: 4),
            .init(name: "pad", path: \.pad, offset: 5),
            .init(name: "addr", path: \.addr, offset: 8),
        ])
        check(sluice_ipcache_value.self, size: 8, alignment: 4, [
            .init(name: "identity", path: \.identity, offset: 0),
            .init(name: "flags", path: \.flags, offset: 4),
        ])
    }

    @Test func policyKeyAndValueMatchC() {
        check(sluice_policy_key.self, size: 16, alignment: 4, [
            .init(name: "prefixlen", path: \.prefixlen, offset: 0),
            .init(name: "endpoint_id", path: \.endpoint_id, offset: 4),
            .init(name: "identity", path: \.identity, offset: 8),
            .init(name: "direction", path: \.direction, offset: 12),
            .init(name: "protocol", path: \.protocol, offset: 13),
            .init(name: "dport", path: \.dport, offset: 14),
        ])
        check(sluice_policy_value.self, size: 8, alignment: 4, [
            .init(name: "action", path: \.action, offset: 0),
            .init(name: "flags", path: \.flags, offset: 2),
            .init(name: "policy_id", path: \.policy_id, offset: 4),
        ])
    }

    @Test func conntrackKeyAndValueMatchC() {
        check(sluice_ct_key.self, size: 44, alignment: 4, [
            .init(name: "saddr", path: \.saddr, offset: 0),
            .init(name: "daddr", path: \.daddr, offset: 16),
            .init(name: "sport", path: \.sport, offset: 32),
            .init(name: "dport", path: \.dport, offset: 34),
            .init(name: "endpoint_id", path: \.endpoint_id, offset: 36),
            .init(name: "protocol", path: \.protocol, offset: 40),
            .init(name: "family", path: \.family, offset: 41),
            .init(name: "pad", path: \.pad, offset: 42),
        ])
        check(sluice_ct_value.self, size: 24, alignment: 8, [
            .init(name: "created_ns", path: \.created_ns, offset: 0),
            .init(name: "last_seen_ns", path: \.last_seen_ns, offset: 8),
            .init(name: "policy_id", path: \.policy_id, offset: 16),
            .init(name: "direction", path: \.direction, offset: 20),
            .init(name: "flags", path: \.flags, offset: 21),
            .init(name: "pad", path: \.pad, offset: 22),
        ])
    }

    @Test func fragmentKeyAndPortsMatchC() {
        check(sluice_fragment_key.self, size: 44, alignment: 4, [
            .init(name: "saddr", path: \.saddr, offset: 0),
            .init(name: "daddr", path: \.daddr, offset: 16),
            .init(name: "id", path: \.id, offset: 32),
            .init(name: "endpoint_id", path: \.endpoint_id, offset: 36),
            .init(name: "protocol", path: \.protocol, offset: 40),
            .init(name: "family", path: \.family, offset: 41),
            .init(name: "direction", path: \.direction, offset: 42),
            .init(name: "pad", path: \.pad, offset: 43),
        ])
        check(sluice_fragment_ports.self, size: 16, alignment: 8, [
            .init(name: "first_ns", path: \.first_ns, offset: 0),
            .init(name: "sport", path: \.sport, offset: 8),
            .init(name: "dport", path: \.dport, offset: 10),
            .init(name: "pad", path: \.pad, offset: 12),
        ])
    }

    @Test func metricsValueMatchesC() {
        check(sluice_metrics_value.self, size: 16, alignment: 8, [
            .init(name: "packets", path: \.packets, offset: 0),
            .init(name: "bytes", path: \.bytes, offset: 8),
        ])
    }

    @Test func configAndPolicyStatsMatchC() {
        check(sluice_config.self, size: 32, alignment: 8, [
            .init(name: "ct_tcp_syn_ns", path: \.ct_tcp_syn_ns, offset: 0),
            .init(name: "ct_tcp_established_ns", path: \.ct_tcp_established_ns, offset: 8),
            .init(name: "ct_tcp_closing_ns", path: \.ct_tcp_closing_ns, offset: 16),
            .init(name: "ct_other_ns", path: \.ct_other_ns, offset: 24),
        ])
        check(sluice_policy_stats_key.self, size: 8, alignment: 4, [
            .init(name: "policy_id", path: \.policy_id, offset: 0),
            .init(name: "direction", path: \.direction, offset: 4),
            .init(name: "action", path: \.action, offset: 5),
            .init(name: "pad", path: \.pad, offset: 6),
        ])
        check(sluice_policy_stats_value.self, size: 24, alignment: 8, [
            .init(name: "flows", path: \.flows, offset: 0),
            .init(name: "packets", path: \.packets, offset: 8),
            .init(name: "bytes", path: \.bytes, offset: 16),
        ])
    }

    @Test func prefixLengthsCountBitsAfterPrefixlen() {
        let policyBase = MemoryLayout<sluice_policy_key>.offset(of: \.endpoint_id) ?? -1
        #expect(Int(SLUICE_POLICY_PREFIX_ALL_PROTOCOLS) == 8 * ((MemoryLayout<sluice_policy_key>.offset(of: \.protocol) ?? -1) - policyBase))
        #expect(Int(SLUICE_POLICY_PREFIX_ALL_PORTS) == 8 * ((MemoryLayout<sluice_policy_key>.offset(of: \.dport) ?? -1) - policyBase))
        #expect(Int(SLUICE_POLICY_PREFIX_FULL) == 8 * (MemoryLayout<sluice_policy_key>.size - policyBase))
        let ipcacheBase = MemoryLayout<sluice_ipcache_key>.offset(of: \.family) ?? -1
        #expect(Int(SLUICE_IPCACHE_PREFIX_BASE) == 8 * ((MemoryLayout<sluice_ipcache_key>.offset(of: \.addr) ?? -1) - ipcacheBase))
    }

    @Test func metricsIndexSpreadsReasonsPerDirection() {
        #expect(sluice_metrics_index(SLUICE_DIR_INGRESS.rawValue, SLUICE_REASON_DROP_POLICY.rawValue) == 64)
        #expect(sluice_metrics_index(SLUICE_DIR_EGRESS.rawValue, SLUICE_REASON_NOT_ENFORCED.rawValue) == 129)
        #expect(sluice_metrics_index(SLUICE_DIR_EGRESS.rawValue, SLUICE_REASON_MAX.rawValue - 1)
            == SLUICE_DIR_MAX.rawValue * SLUICE_REASON_MAX.rawValue - 1)
    }
}
