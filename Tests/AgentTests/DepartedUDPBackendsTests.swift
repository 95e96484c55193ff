@testable import Agent
import BPF
import CSluiceBPF
import Planner
import Testing

/// Which backends count as gone from a UDP service port, so that its connected sockets are
/// closed: compared by address before and after the sync, not by backend id.
struct DepartedUDPBackendsTests {
    static let tcpService: UInt32 = 1
    static let udpService: UInt32 = 2

    /// A TCP and a UDP service port, both over backend `id` at 10.0.0.`host`:5353.
    static func state(_ members: [(id: UInt32, host: UInt8)]) -> PlannedServices {
        var state = PlannedServices()
        for (service, ipProtocol) in [(tcpService, UInt8(6)), (udpService, 17)] {
            var key = zeroed(sluice_service_key.self)
            key.protocol = ipProtocol
            key.port = UInt16(service).bigEndian
            var value = zeroed(sluice_service_value.self)
            value.service_id = service
            state.frontends[key] = value
        }
        for (id, host) in members {
            var backend = zeroed(sluice_backend_value.self)
            backend.addr.0 = 10
            backend.addr.3 = host
            backend.port = UInt16(5353).bigEndian
            backend.family = UInt8(SLUICE_FAMILY_IPV4.rawValue)
            state.backends[id] = backend
            for service in [tcpService, udpService] {
                state.members[sluice_service_member_key(service_id: service, backend_id: id)] = zeroed()
            }
        }
        return state
    }

    static func keys(_ ids: [UInt32]) -> [sluice_service_member_key] {
        ids.flatMap { id in [tcpService, udpService].map { sluice_service_member_key(service_id: $0, backend_id: id) } }
    }

    @Test func aBackendThatLeftAUDPServiceIsNamedWithItsAddressAndTheService() throws {
        let departed = ServiceSync.departedUDPBackends(current: Self.state([(9, 7), (8, 6)]), planned: Self.state([(8, 6)]),
                                                      removedMembers: Self.keys([9]), changedBackends: [])
        try #require(departed.count == 1)
        #expect(departed[0].service_id == Self.udpService && departed[0].port == UInt16(5353).bigEndian)
        #expect(departed[0].addr.0 == 10 && departed[0].addr.3 == 7
            && departed[0].family == UInt8(SLUICE_FAMILY_IPV4.rawValue))
    }

    /// A readiness flap within the drain: the pod left under id 9 and is back under id 12.
    @Test func aBackendBackUnderANewIdHasNotLeft() {
        #expect(ServiceSync.departedUDPBackends(current: Self.state([(9, 7)]), planned: Self.state([(12, 7)]),
                                                removedMembers: Self.keys([9]), changedBackends: []).isEmpty)
    }

    /// Id 9 handed to another address while the service keeps the id: the old address left.
    @Test func anIdNowNamingAnotherAddressCountsAsTheOldOneLeaving() {
        let departed = ServiceSync.departedUDPBackends(current: Self.state([(9, 7)]), planned: Self.state([(9, 5)]),
                                                       removedMembers: [], changedBackends: [9])
        #expect(departed.count == 1 && departed.first?.addr.3 == 7)
    }

    @Test func nothingChangedNothingLeft() {
        #expect(ServiceSync.departedUDPBackends(current: Self.state([(9, 7)]), planned: Self.state([]),
                                                removedMembers: [], changedBackends: []).isEmpty)
    }
}
