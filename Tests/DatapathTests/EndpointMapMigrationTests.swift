import BPF
import CSluiceBPF
import Glibc
import Logging
import Testing
import TestSupport
@testable import Agent

/// An agent started over the pins of one from before the endpoint value grew
/// (8 bytes: id and flags) gets a map of today's layout with every endpoint
/// kept, so the new programs never meet an interface they do not know.
@Suite(.enabled(if: getuid() == 0, "pinning BPF maps needs root"))
struct EndpointMapMigrationTests {
    @Test func anEndpointMapOfTheOldLayoutIsReplacedWithItsEntriesKept() throws {
        let pins = try BPFPinDirectory.make()
        defer { pins.remove() }
        let pin = pins.path + "/" + SLUICE_MAP_ENDPOINTS
        let flags = SLUICE_EP_ENFORCE_INGRESS.rawValue | SLUICE_EP_AUDIT.rawValue
        let old = bpf_map_create(BPF_MAP_TYPE_HASH, SLUICE_MAP_ENDPOINTS, 4, 8, 64, nil)
        try #require(old >= 0, "bpf_map_create: \(String(cString: strerror(-old)))")
        defer { close(old) }
        var key: UInt32 = 12
        var value: (UInt32, UInt32) = (7, flags)
        try #require(bpf_map_update_elem(old, &key, &value, UInt64(BPF_ANY)) == 0)
        try #require(bpf_obj_pin(old, pin) == 0)

        let logger = Logger(label: "test")
        let migration = try PinMigration.prepare(objectPath: LoadedDatapath.objectPath, pinDirectory: pins.path,
                                                 capacities: [:], logger: logger)
        #expect(migration.moved == [SLUICE_MAP_ENDPOINTS])
        let datapath = try Datapath(objectDirectory: TestPaths.bpfObjectDirectory, pinDirectory: pins.path)
        migration.copyEntries(logger: logger)

        #expect(datapath.maps.endpoints.info.valueSize == UInt32(MemoryLayout<sluice_endpoint_value>.size))
        let migrated = try #require(try datapath.maps.endpoints.lookup(sluice_endpoint_key(ifindex: 12)))
        #expect(migrated.endpoint_id == 7)
        #expect(migrated.flags == flags)
        #expect(migrated.ingress_policy_id == 0 && migrated.egress_policy_id == 0, "unset until the next sync")

        migration.finish(logger: logger)
        #expect(access(pin + PinMigration.suffix, F_OK) != 0, "old pin left behind")
    }
}
