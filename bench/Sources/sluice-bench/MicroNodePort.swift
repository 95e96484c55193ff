import BPF
import CSluiceBPF
import Glibc
import TestSupport

/// tc_node.bpf.o (the per-packet service path) loaded with its maps pinned in a directory
/// of its own and filled as the agent fills them for N NodePort services of three backends
/// each: N frontends, 3N backends and memberships, N Maglev tables. The probed service is
/// the last; its backends are `backends`.
final class MicroNodePort {
    static let client = "10.201.0.2"
    static let node = "10.200.0.1"
    static let backends = ["10.200.0.11", "10.200.0.12", "10.200.0.13"]
    /// The probed table has the agent's default size; the others a small prime, since only
    /// their existence matters here (10,000 tables of 16,381 slots would be 650 MB).
    static let probedTableSize = Int(SLUICE_MAGLEV_DEFAULT_SIZE)
    static let otherTableSize = 251

    let fromNetwork: BPFProgram
    let toNetwork: BPFProgram
    private let object: BPFObject
    private let services: BPFMap<sluice_service_key, sluice_service_value>
    private let backendMap: BPFMap<UInt32, sluice_backend_value>
    private let members: BPFMap<sluice_service_member_key, sluice_service_member_value>
    private let tables: BPFArrayOfMaps

    private init(path: String, pinDirectory: String) throws {
        object = try BPFObject(path: path, pinDirectory: pinDirectory)
        fromNetwork = try object.program(SLUICE_PROG_FROM_NETWORK)
        toNetwork = try object.program(SLUICE_PROG_TO_NETWORK)
        services = try object.map(SLUICE_MAP_SERVICES)
        backendMap = try object.map(SLUICE_MAP_BACKENDS)
        members = try object.map(SLUICE_MAP_SERVICE_MEMBERS)
        // The inner map template's flags (bpf/lib/maps.h), as the agent's ServiceMaps has them.
        tables = try BPFArrayOfMaps(outer: try object.map(SLUICE_MAP_MAGLEV),
                                    innerFlags: UInt32(BPF_F_INNER_MAP) | UInt32(BPF_F_MMAPABLE),
                                    innerValueSize: MemoryLayout<sluice_maglev_pair>.size)
    }

    /// Loads a fresh copy, runs `body`, and removes the pins whatever happens.
    static func withLoaded<Result>(objectPath: String, _ body: (MicroNodePort) throws -> Result) throws -> Result {
        let pins = try BPFPinDirectory.make()
        let cleanupID = Cleanup.shared.register { pins.remove() }
        defer {
            pins.remove()
            Cleanup.shared.done(cleanupID)
        }
        return try body(try MicroNodePort(path: objectPath, pinDirectory: pins.path))
    }

    /// The probed service's node port.
    static let nodePort = UInt16(ScaleAddressing.nodePortRange.upperBound)

    /// N services of three backends; ids from 1, the probed one (N) last.
    func fill(scale: Int) throws {
        var tableBatch: [(index: UInt32, values: [UInt32])] = []
        for index in 0..<scale {
            let serviceID = UInt32(index + 1)
            let probed = index == scale - 1
            let addresses = probed ? Self.backends
                : (0..<3).map { ScaleAddressing.unusedBackend(service: index, backend: $0) }
            var ids: [UInt32] = []
            for (slot, address) in addresses.enumerated() {
                let backendID = UInt32(index * 3 + slot + 1)
                var value = sluice_backend_value()
                let bytes = MicroPacket.address(address)
                withUnsafeMutableBytes(of: &value.addr) { $0.copyBytes(from: bytes) }
                value.port = ScaleAddressing.servedPort.bigEndian
                value.family = UInt8(SLUICE_FAMILY_IPV4.rawValue)
                try backendMap.update(backendID, value)
                try members.update(sluice_service_member_key(service_id: serviceID, backend_id: backendID),
                                   sluice_service_member_value(state: SLUICE_MEMBER_ACTIVE.rawValue, weight: 1))
                ids.append(backendID)
            }
            let size = probed ? Self.probedTableSize : Self.otherTableSize
            tableBatch.append((serviceID, (0..<size).map { ids[$0 % ids.count] }))
            var value = sluice_service_value()
            value.service_id = serviceID
            value.table_size = UInt32(size)
            try services.update(Self.frontend(port: probed ? Self.nodePort : Self.otherPort(index)), value)
        }
        try tables.replace(tableBatch, name: "bench_table")
    }

    /// A NodePort frontend: the zero address (any address of the node) and the port, TCP.
    private static func frontend(port: UInt16) -> sluice_service_key {
        var key = sluice_service_key()
        key.port = port.bigEndian
        key.protocol = UInt8(IPPROTO_TCP)
        key.family = UInt8(SLUICE_FAMILY_IPV4.rawValue)
        return key
    }

    /// A distinct port for every other service below the node port range (up to N = 28,000),
    /// so N services make N frontends; which ports they are does not change a hash lookup.
    private static func otherPort(_ index: Int) -> UInt16 {
        UInt16(1024 + index % 28000)
    }
}
