@testable import Agent
import BPF
import CSluiceBPF
import Planner
import Testing

/// Which removed memberships close sockets: those of UDP service ports, named by the
/// backend's address as the maps held it before the sync, and the service it left.
struct DepartedUDPBackendsTests {
    @Test func onlyUDPServicePortsNameTheirDepartedBackends() throws {
        var current = PlannedServices()
        for (id, ipProtocol) in [(UInt32(1), UInt8(6)), (2, 17)] {
            var key = zeroed(sluice_service_key.self)
            key.protocol = ipProtocol
            key.port = UInt16(id).bigEndian
            var value = zeroed(sluice_service_value.self)
            value.service_id = id
            current.frontends[key] = value
        }
        var backend = zeroed(sluice_backend_value.self)
        backend.addr.0 = 10
        backend.addr.3 = 7
        backend.port = UInt16(5353).bigEndian
        backend.family = UInt8(SLUICE_FAMILY_IPV4.rawValue)
        current.backends[9] = backend

        let departed = ServiceSync.departedUDPBackends([
            sluice_service_member_key(service_id: 1, backend_id: 9),
            sluice_service_member_key(service_id: 2, backend_id: 9),
            sluice_service_member_key(service_id: 2, backend_id: 8),
        ], current: current)
        try #require(departed.count == 1)
        #expect(departed[0].service_id == 2 && departed[0].port == backend.port && departed[0].family == backend.family)
        #expect(departed[0].addr.0 == 10 && departed[0].addr.3 == 7)
    }
}
