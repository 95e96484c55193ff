import BPF
import CSluiceBPF
import Glibc
import TestSupport

/// tc_node.bpf.o loaded with its maps pinned in a directory of its own, for program tests
/// through BPF_PROG_TEST_RUN. `teardown()` (or deinit) unpins everything.
final class LoadedNodePort {
    static var objectPath: String { TestPaths.bpfObjectDirectory + "/tc_node.bpf.o" }

    let pins: BPFPinDirectory
    let object: BPFObject
    let fromNetwork: BPFProgram
    let toNetwork: BPFProgram
    let services: BPFMap<sluice_service_key, sluice_service_value>
    let backends: BPFMap<UInt32, sluice_backend_value>
    let members: BPFMap<sluice_service_member_key, sluice_service_member_value>
    let tables: BPFArrayOfMaps
    let nat: BPFMap<sluice_nat_key, sluice_nat_value>
    let serviceMetrics: BPFPerCPUMap<UInt32, sluice_service_metrics>

    init() throws {
        pins = try BPFPinDirectory.make()
        do {
            object = try BPFObject(path: Self.objectPath, pinDirectory: pins.path)
            fromNetwork = try object.program(SLUICE_PROG_FROM_NETWORK)
            toNetwork = try object.program(SLUICE_PROG_TO_NETWORK)
            services = try object.map(SLUICE_MAP_SERVICES)
            backends = try object.map(SLUICE_MAP_BACKENDS)
            members = try object.map(SLUICE_MAP_SERVICE_MEMBERS)
            tables = try BPFArrayOfMaps(outer: try object.map(SLUICE_MAP_MAGLEV), innerFlags: LoadedSocketLB.innerFlags,
                                        innerValueSize: MemoryLayout<sluice_maglev_pair>.size)
            nat = try object.map(SLUICE_MAP_NAT)
            serviceMetrics = try object.perCPUMap(SLUICE_MAP_SERVICE_METRICS)
        } catch {
            pins.remove()
            throw error
        }
    }

    deinit {
        teardown()
    }

    func teardown() {
        pins.remove()
    }

    /// Frontend `address:port` (the zero address: a NodePort, any node address) over `backends`
    /// (id, address, port), all ACTIVE and in a table of `tableSize` slots.
    func addService(id serviceID: UInt32, frontend address: String, port: UInt16, proto: Int,
                    backends list: [(id: UInt32, address: String, port: UInt16)], tableSize: Int = 251) throws {
        for backend in list {
            try setBackend(backend.id, address: backend.address, port: backend.port)
            try members.update(sluice_service_member_key(service_id: serviceID, backend_id: backend.id),
                               sluice_service_member_value(state: SLUICE_MEMBER_ACTIVE.rawValue, weight: 1))
        }
        try setTable(serviceID, backendIDs: list.map(\.id), tableSize: tableSize)
        var value = zeroed(sluice_service_value.self)
        value.service_id = serviceID
        value.table_size = list.isEmpty ? 0 : UInt32(tableSize)
        try services.update(try key(address, port, proto), value)
    }

    func setBackend(_ id: UInt32, address: String, port: UInt16) throws {
        var value = zeroed(sluice_backend_value.self)
        let (family, bytes) = try LoadedSocketLB.address(address)
        withUnsafeMutableBytes(of: &value.addr) { raw in for (index, byte) in bytes.enumerated() { raw[index] = byte } }
        value.port = port.bigEndian
        value.family = family
        try backends.update(id, value)
    }

    func setTable(_ serviceID: UInt32, backendIDs: [UInt32], tableSize: Int = 251) throws {
        guard !backendIDs.isEmpty else { return }
        try tables.replace(serviceID, with: (0..<tableSize).map { backendIDs[$0 % backendIDs.count] }, name: "test_table")
    }

    func key(_ address: String, _ port: UInt16, _ proto: Int) throws -> sluice_service_key {
        var key = zeroed(sluice_service_key.self)
        let (family, bytes) = try LoadedSocketLB.address(address)
        withUnsafeMutableBytes(of: &key.addr) { raw in for (index, byte) in bytes.enumerated() { raw[index] = byte } }
        key.port = port.bigEndian
        key.protocol = UInt8(proto)
        key.family = family
        return key
    }

    func noBackend(service id: UInt32) throws -> UInt64 {
        try serviceMetrics.lookup(id)?.reduce(0) { $0 + $1.no_backend } ?? 0
    }
}
