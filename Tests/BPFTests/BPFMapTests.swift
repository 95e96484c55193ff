import BPF
import CSluiceBPF
import TestSupport
import Testing

@Suite(.enabled(if: isRoot, "loads BPF objects: needs root"))
struct BPFMapTests {
    @Test func updateLookupDeleteAndIterateRoundTrip() throws {
        let (object, pins) = try loadDatapath()
        defer { pins.remove() }
        let endpoints = try object.map(SLUICE_MAP_ENDPOINTS, key: sluice_endpoint_key.self, value: sluice_endpoint_value.self)
        for index in 1...5 as ClosedRange<UInt32> {
            try endpoints.update(endpointKey(index), sluice_endpoint_value(endpoint_id: index * 10, flags: 1, ingress_policy_id: 0, egress_policy_id: 0))
        }
        #expect(try endpoints.lookup(endpointKey(3))?.endpoint_id == 30)
        #expect(try endpoints.lookup(endpointKey(99)) == nil)
        #expect(try endpoints.keys().map(\.ifindex).sorted() == [1, 2, 3, 4, 5])
        #expect(try endpoints.delete(endpointKey(3)))
        #expect(try !endpoints.delete(endpointKey(3)))
        #expect(try endpoints.entries().map(\.value.endpoint_id).sorted() == [10, 20, 40, 50])
    }

    /// Batches of a few thousand each way: more entries than one batch holds all arrive, and
    /// a lookup and an update agree with the single-entry calls.
    @Test func batchedUpdatesAndReadsCoverMoreThanOneBatch() throws {
        let (object, pins) = try loadDatapath(capacities: [SLUICE_MAP_ENDPOINTS: 10_000])
        defer { pins.remove() }
        let endpoints = try object.map(SLUICE_MAP_ENDPOINTS, key: sluice_endpoint_key.self, value: sluice_endpoint_value.self)
        let written = (1...9_000 as ClosedRange<UInt32>).map {
            (key: endpointKey($0), value: sluice_endpoint_value(endpoint_id: $0 * 3, flags: 0, ingress_policy_id: 0, egress_policy_id: 0))
        }
        try endpoints.update(written)
        #expect(try endpoints.lookup(endpointKey(8_999))?.endpoint_id == 26_997)
        let read = try endpoints.entries()
        #expect(read.count == 9_000)
        #expect(Set(read.map { "\($0.key.ifindex):\($0.value.endpoint_id)" })
                == Set(written.map { "\($0.key.ifindex):\($0.value.endpoint_id)" }))
        #expect(try endpoints.keys().count == 9_000)

        let metrics = try object.perCPUMap(SLUICE_MAP_METRICS, key: UInt32.self, value: sluice_metrics_value.self)
        try metrics.update([1, 2, 3], allCPUs: sluice_metrics_value(packets: 5, bytes: 7))
        for key in [1, 2, 3] as [UInt32] {
            #expect(try metrics.lookup(key)?.allSatisfy { $0.packets == 5 && $0.bytes == 7 } == true)
        }
    }

    /// A map type without batch calls (the ipcache's LPM trie) gets every entry one call at a time.
    @Test func mapsWithoutBatchCallsAreWrittenAndReadEntryByEntry() throws {
        let (object, pins) = try loadDatapath()
        defer { pins.remove() }
        let ipcache = try object.map(SLUICE_MAP_IPCACHE, key: sluice_ipcache_key.self, value: sluice_ipcache_value.self)
        let written = (1...300 as ClosedRange<UInt32>).map { index in
            var key = zeroed(sluice_ipcache_key.self)
            key.prefixlen = UInt32(SLUICE_IPCACHE_PREFIX_BASE + 32)
            key.family = UInt8(SLUICE_FAMILY_IPV4.rawValue)
            key.addr.0 = 10
            key.addr.2 = UInt8(index >> 8)
            key.addr.3 = UInt8(index & 0xff)
            var value = zeroed(sluice_ipcache_value.self)
            value.identity = 1000 + index
            return (key: key, value: value)
        }
        try ipcache.update(written)
        #expect(Set(try ipcache.entries().map { $0.value.identity }) == Set(written.map { $0.value.identity }))
    }

    /// A batch that fills the map stops where `update` would: the entries before it are in,
    /// and the error is the single-entry one, naming map and capacity.
    @Test func aBatchThatOverfillsTheMapFailsAsASingleUpdateWould() throws {
        let (object, pins) = try loadDatapath(capacities: [SLUICE_MAP_ENDPOINTS: 100])
        defer { pins.remove() }
        let endpoints = try object.map(SLUICE_MAP_ENDPOINTS, key: sluice_endpoint_key.self, value: sluice_endpoint_value.self)
        let entries = (1...150 as ClosedRange<UInt32>).map {
            (key: endpointKey($0), value: sluice_endpoint_value(endpoint_id: $0, flags: 0, ingress_policy_id: 0, egress_policy_id: 0))
        }
        let full = #expect(throws: BPFError.self) { try endpoints.update(entries) }
        #expect(full?.kind == .mapFull)
        #expect(full?.subject == "sluice_ep_v1, 100 entries")
        #expect(try endpoints.entries().count == 100)
    }

    @Test func createOnlyAndReplaceOnlyReportTheirConflicts() throws {
        let (object, pins) = try loadDatapath()
        defer { pins.remove() }
        let endpoints = try object.map(SLUICE_MAP_ENDPOINTS, key: sluice_endpoint_key.self, value: sluice_endpoint_value.self)
        try endpoints.update(endpointKey(1), sluice_endpoint_value(endpoint_id: 1, flags: 0, ingress_policy_id: 0, egress_policy_id: 0), mode: .createOnly)
        let exists = #expect(throws: BPFError.self) {
            try endpoints.update(endpointKey(1), sluice_endpoint_value(endpoint_id: 2, flags: 0, ingress_policy_id: 0, egress_policy_id: 0), mode: .createOnly)
        }
        #expect(exists?.kind == .keyExists)
        let missing = #expect(throws: BPFError.self) {
            try endpoints.update(endpointKey(2), sluice_endpoint_value(endpoint_id: 2, flags: 0, ingress_policy_id: 0, egress_policy_id: 0), mode: .replaceOnly)
        }
        #expect(missing?.kind == .keyNotFound)
        #expect(missing?.description.contains("bpf_map_update_elem(sluice_ep_v1") == true)
    }

    @Test func fullMapIsAClearErrorNamingMapAndCapacity() throws {
        let (object, pins) = try loadDatapath(capacities: [SLUICE_MAP_ENDPOINTS: 8])
        defer { pins.remove() }
        let endpoints = try object.map(SLUICE_MAP_ENDPOINTS, key: sluice_endpoint_key.self, value: sluice_endpoint_value.self)
        #expect(endpoints.info.maxEntries == 8)
        for index in 1...8 as ClosedRange<UInt32> {
            try endpoints.update(endpointKey(index), sluice_endpoint_value(endpoint_id: index, flags: 0, ingress_policy_id: 0, egress_policy_id: 0))
        }
        let full = #expect(throws: BPFError.self) {
            try endpoints.update(endpointKey(9), sluice_endpoint_value(endpoint_id: 9, flags: 0, ingress_policy_id: 0, egress_policy_id: 0))
        }
        #expect(full?.kind == .mapFull)
        #expect(full?.subject == "sluice_ep_v1, 8 entries")
    }

    @Test func wrongSwiftLayoutIsRefusedBeforeAnyKernelCall() throws {
        let (object, pins) = try loadDatapath()
        defer { pins.remove() }
        let error = #expect(throws: BPFError.self) {
            _ = try object.map(SLUICE_MAP_ENDPOINTS, key: UInt64.self, value: sluice_endpoint_value.self)
        }
        #expect(error?.kind == .layoutMismatch)
        #expect(throws: BPFError.self) {
            _ = try object.map(SLUICE_MAP_METRICS, key: UInt32.self, value: sluice_metrics_value.self)
        }
    }

    @Test func perCPUValuesAreReadPerCPUAndSummed() throws {
        let (object, pins) = try loadDatapath()
        defer { pins.remove() }
        let metrics = try object.perCPUMap(SLUICE_MAP_METRICS, key: UInt32.self, value: sluice_metrics_value.self)
        try metrics.update(7, allCPUs: sluice_metrics_value(packets: 2, bytes: 100))
        let values = try #require(try metrics.lookup(7))
        #expect(values.count == metrics.cpuCount)
        let sum = try metrics.sum(7) { sluice_metrics_value(packets: $0.packets + $1.packets, bytes: $0.bytes + $1.bytes) }
        #expect(sum?.packets == UInt64(2 * metrics.cpuCount))
        #expect(sum?.bytes == UInt64(100 * metrics.cpuCount))
    }
}
