import BPF
import CSluiceBPF
import Model
import Planner

/// Connected UDP sockets of backends that left their service, closed once the membership is
/// gone (the backend's drain over, or it is no backend any more): their clients see an error
/// and reconnect to a backend that is there instead of sending into the void.
extension ServiceSync {
    /// The (backend, service) pairs of UDP service ports among `removed` memberships, addresses
    /// as `current` (the maps before this sync) holds them.
    static func departedUDPBackends(_ removed: [sluice_service_member_key],
                                    current: PlannedServices) -> [sluice_reap_key] {
        guard !removed.isEmpty else { return [] }
        let udp = TransportProtocol.udp.ipProtocolNumber
        let udpServices = Set(current.frontends.lazy.filter { $0.key.protocol == udp }.map(\.value.service_id))
        return removed.compactMap { member in
            guard udpServices.contains(member.service_id), let backend = current.backends[member.backend_id] else { return nil }
            var key = zeroed(sluice_reap_key.self)
            key.addr = backend.addr
            key.port = backend.port
            key.family = backend.family
            key.service_id = member.service_id
            return key
        }
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
