import BPF
import CSluiceBPF
import Model
import Planner

extension sluice_reap_key: @retroactive Equatable, @retroactive Hashable, BytewiseHashable {}

/// Connected UDP sockets of backends that left their service, closed once the membership is
/// gone (the backend's drain over, or it is no backend any more): their clients see an error
/// and reconnect to a backend that is there instead of sending into the void.
extension ServiceSync {
    /// The (backend address, service) pairs of UDP service ports that `current` (the maps before
    /// this sync) has and `planned` has not, in any state and under any backend id: a backend
    /// that left under one id and is back under another (a readiness flap within its drain)
    /// has not left. Only a service with a member removed, or with a member whose backend id
    /// now names another address (`changedBackends`), can have lost an address: added members
    /// and members whose state changed keep every address the service had.
    static func departedUDPBackends(current: PlannedServices, planned: PlannedServices,
                                    removedMembers: [sluice_service_member_key],
                                    changedBackends: [UInt32]) -> [sluice_reap_key] {
        var services = Set(removedMembers.lazy.map(\.service_id))
        if !changedBackends.isEmpty {
            let changed = Set(changedBackends)
            for key in current.members.keys where changed.contains(key.backend_id) { services.insert(key.service_id) }
        }
        guard !services.isEmpty else { return [] }
        let udp = TransportProtocol.udp.ipProtocolNumber
        let udpServices = Set(current.frontends.lazy
            .filter { $0.key.protocol == udp && services.contains($0.value.service_id) }.map(\.value.service_id))
        guard !udpServices.isEmpty else { return [] }
        return Array(Self.members(of: udpServices, in: current).subtracting(Self.members(of: udpServices, in: planned)))
    }

    /// Every member of `services` in `state`, by address.
    private static func members(of services: Set<UInt32>, in state: PlannedServices) -> Set<sluice_reap_key> {
        var result = Set<sluice_reap_key>()
        for key in state.members.keys where services.contains(key.service_id) {
            guard let backend = state.backends[key.backend_id] else { continue }
            var member = zeroed(sluice_reap_key.self)
            member.addr = backend.addr
            member.port = backend.port
            member.family = backend.family
            member.service_id = key.service_id
            result.insert(member)
        }
        return result
    }

    func closeSockets(of departed: [sluice_reap_key]) {
        guard !departed.isEmpty, let reaper else { return }
        do {
            let outcome = try reaper.close(departed)
            metrics.socketsClosed(outcome.closed)
            for failure in outcome.failures {
                logger.warning("cannot close the connected UDP sockets of departed backends here",
                               metadata: ["where": "\(failure)"])
            }
            if outcome.closed > 0 {
                logger.info("connected UDP sockets of departed backends closed",
                            metadata: ["sockets": "\(outcome.closed)", "backends": "\(departed.count)"])
            }
        } catch {
            logger.warning("cannot close the connected UDP sockets of departed backends",
                           metadata: ["error": "\(error)"])
        }
    }
}
