import CSluiceBPF
import Model
import Planner

/// `GET /v1/services`: every service frontend the socket load balancer
/// serves, and its backends as planned (state and weight).
public struct ServicesDocument: Codable, Sendable, Equatable {
    public struct Backend: Codable, Sendable, Equatable {
        /// `address:port` (IPv6 in brackets).
        public var address: String
        /// `active`, `terminating` or `unhealthy`.
        public var state: String
        public var weight: UInt32
    }

    public struct Frontend: Codable, Sendable, Equatable {
        /// `namespace/name`.
        public var service: String
        public var port: String
        public var `protocol`: String
        /// The virtual address and port clients connect to.
        public var frontend: String
        public var backends: [Backend]
    }

    public var services: [Frontend]
}

extension ServicesDocument {
    init(snapshot: AgentStatus.Snapshot) {
        guard let planned = snapshot.plan?.services else {
            services = []
            return
        }
        var members: [UInt32: [(UInt32, sluice_service_member_value)]] = [:]
        for (key, value) in planned.members { members[key.service_id, default: []].append((key.backend_id, value)) }
        services = planned.frontends.compactMap { key, value -> Frontend? in
            guard let name = planned.frontendNames[value.service_id] else { return nil }
            let backends = (members[value.service_id] ?? []).compactMap { id, member -> Backend? in
                guard let backend = planned.backendNames[id] else { return nil }
                return Backend(address: Self.render(backend.address, backend.port), state: Self.state(member.state),
                               weight: member.weight)
            }.sorted { $0.address < $1.address }
            return Frontend(service: name.service.description, port: name.port, protocol: name.protocol.rawValue,
                            frontend: Self.render(key), backends: backends)
        }.sorted { ($0.service, $0.port, $0.frontend) < ($1.service, $1.port, $1.frontend) }
    }

    private static func render(_ key: sluice_service_key) -> String {
        guard let address = IPAddress(abi: key.addr, family: key.family) else { return "?" }
        return render(address, UInt16(bigEndian: key.port))
    }

    private static func render(_ address: IPAddress, _ port: UInt16) -> String {
        address.family == .v4 ? "\(address):\(port)" : "[\(address)]:\(port)"
    }

    private static func state(_ raw: UInt32) -> String {
        switch raw {
        case SLUICE_MEMBER_ACTIVE.rawValue: "active"
        case SLUICE_MEMBER_TERMINATING.rawValue: "terminating"
        case SLUICE_MEMBER_UNHEALTHY.rawValue: "unhealthy"
        default: "unknown"
        }
    }
}
