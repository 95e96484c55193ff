import BPF
import CSluiceBPF
import Glibc
import TestSupport

/// sock_lb.bpf.o loaded with maps pinned in a directory of its own and its eight programs
/// linked to a fresh child cgroup; processes started in `cgroup` are load balanced.
/// `teardown()` (or deinit) detaches, unpins and removes the cgroup.
final class LoadedSocketLB {
    static var objectPath: String { TestPaths.bpfObjectDirectory + "/sock_lb.bpf.o" }
    static let innerFlags = UInt32(BPF_F_INNER_MAP) | UInt32(BPF_F_MMAPABLE)

    static let hooks: [(String, bpf_attach_type)] = [
        (SLUICE_PROG_CONNECT4, BPF_CGROUP_INET4_CONNECT), (SLUICE_PROG_CONNECT6, BPF_CGROUP_INET6_CONNECT),
        (SLUICE_PROG_SENDMSG4, BPF_CGROUP_UDP4_SENDMSG), (SLUICE_PROG_SENDMSG6, BPF_CGROUP_UDP6_SENDMSG),
        (SLUICE_PROG_RECVMSG4, BPF_CGROUP_UDP4_RECVMSG), (SLUICE_PROG_RECVMSG6, BPF_CGROUP_UDP6_RECVMSG),
        (SLUICE_PROG_GETPEERNAME4, BPF_CGROUP_INET4_GETPEERNAME), (SLUICE_PROG_GETPEERNAME6, BPF_CGROUP_INET6_GETPEERNAME),
    ]

    let pins: BPFPinDirectory
    let cgroup: TestCgroup
    let object: BPFObject
    let services: BPFMap<sluice_service_key, sluice_service_value>
    let backends: BPFMap<UInt32, sluice_backend_value>
    let members: BPFMap<sluice_service_member_key, sluice_service_member_value>
    let tables: BPFArrayOfMaps
    let affinity: BPFMap<sluice_affinity_key, sluice_affinity_value>
    let reverse: BPFMap<sluice_reverse_sock_key, sluice_reverse_sock_value>
    let serviceMetrics: BPFPerCPUMap<UInt32, sluice_service_metrics>
    let backendMetrics: BPFPerCPUMap<UInt32, sluice_backend_metrics>
    private(set) var links: [CgroupLink] = []

    init() throws {
        pins = try BPFPinDirectory.make()
        cgroup = try TestCgroup.make()
        do {
            object = try BPFObject(path: Self.objectPath, pinDirectory: pins.path)
            services = try object.map(SLUICE_MAP_SERVICES)
            backends = try object.map(SLUICE_MAP_BACKENDS)
            members = try object.map(SLUICE_MAP_SERVICE_MEMBERS)
            tables = try BPFArrayOfMaps(outer: try object.map(SLUICE_MAP_MAGLEV), innerFlags: Self.innerFlags,
                                        innerValueSize: MemoryLayout<sluice_maglev_pair>.size)
            affinity = try object.map(SLUICE_MAP_AFFINITY)
            reverse = try object.map(SLUICE_MAP_REVERSE_SOCK)
            serviceMetrics = try object.perCPUMap(SLUICE_MAP_SERVICE_METRICS)
            backendMetrics = try object.perCPUMap(SLUICE_MAP_BACKEND_METRICS)
            for (name, type) in Self.hooks {
                links.append(try CgroupLink.attach(try object.program(name), cgroupPath: cgroup.path, attachType: type,
                                                   pinPath: "\(pins.path)/link_\(name)"))
            }
        } catch {
            cgroup.remove()
            pins.remove()
            throw error
        }
    }

    deinit {
        teardown()
    }

    func teardown() {
        for link in links { try? link.detach() }
        links = []
        pins.remove()
        cgroup.remove()
    }

    // MARK: Map setup, as the agent lays entries out

    struct Backend {
        var id: UInt32
        var address: String
        var port: UInt16
        var state = SLUICE_MEMBER_ACTIVE
        /// Only ACTIVE backends in the table are picked by Maglev.
        var inTable = true
    }

    /// A frontend `vip:port/proto` with id `serviceID` over `backends`, table of `tableSize` slots.
    func addService(id serviceID: UInt32, vip: String, port: UInt16, protocol proto: UInt8 = UInt8(IPPROTO_TCP),
                    backends list: [Backend], tableSize: Int = 251, affinitySeconds: UInt32? = nil) throws {
        for backend in list {
            try backends.update(backend.id, backendValue(backend.address, backend.port))
            try members.update(sluice_service_member_key(service_id: serviceID, backend_id: backend.id),
                               sluice_service_member_value(state: backend.state.rawValue, weight: 1))
        }
        let inTable = list.filter { $0.inTable }.map(\.id)
        if !inTable.isEmpty {
            try tables.replace(serviceID, with: (0..<tableSize).map { inTable[$0 % inTable.count] }, name: "test_table")
        }
        var value = zeroed(sluice_service_value.self)
        value.service_id = serviceID
        value.table_size = inTable.isEmpty ? 0 : UInt32(tableSize)
        if let affinitySeconds {
            value.flags = UInt32(SLUICE_SVC_AFFINITY.rawValue)
            value.affinity_timeout_s = affinitySeconds
        }
        try services.update(serviceKey(vip, port, proto), value)
    }

    func serviceKey(_ vip: String, _ port: UInt16, _ proto: UInt8 = UInt8(IPPROTO_TCP)) throws -> sluice_service_key {
        var key = zeroed(sluice_service_key.self)
        let (family, bytes) = try Self.address(vip)
        withUnsafeMutableBytes(of: &key.addr) { raw in for (index, byte) in bytes.enumerated() { raw[index] = byte } }
        key.port = port.bigEndian
        key.protocol = proto
        key.family = family
        return key
    }

    func backendValue(_ address: String, _ port: UInt16) throws -> sluice_backend_value {
        var value = zeroed(sluice_backend_value.self)
        let (family, bytes) = try Self.address(address)
        withUnsafeMutableBytes(of: &value.addr) { raw in for (index, byte) in bytes.enumerated() { raw[index] = byte } }
        value.port = port.bigEndian
        value.family = family
        return value
    }

    /// Family (sluice_family) and network-order bytes of a numeric address.
    static func address(_ text: String) throws -> (UInt8, [UInt8]) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return (UInt8(SLUICE_FAMILY_IPV4.rawValue), withUnsafeBytes(of: v4) { Array($0) })
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { throw ServiceTestError.badAddress(text) }
        return (UInt8(SLUICE_FAMILY_IPV6.rawValue), withUnsafeBytes(of: v6) { Array($0) })
    }

    // MARK: Counters

    func connections(service id: UInt32) throws -> UInt64 {
        try serviceMetrics.lookup(id)?.reduce(0) { $0 + $1.connections } ?? 0
    }

    func noBackend(service id: UInt32) throws -> UInt64 {
        try serviceMetrics.lookup(id)?.reduce(0) { $0 + $1.no_backend } ?? 0
    }

    func connections(backend id: UInt32) throws -> UInt64 {
        try backendMetrics.lookup(id)?.reduce(0) { $0 + $1.connections } ?? 0
    }
}

enum ServiceTestError: Error {
    case badAddress(String)
}
