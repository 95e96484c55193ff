import CSluiceBPF
import Model

/// One port of one service in one address family: what a service id names, and what the
/// per-service counters are labelled with.
public struct FrontendRef: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var service: ObjectRef
    /// The service port's name, or its number when unnamed.
    public var port: String
    public var `protocol`: TransportProtocol
    public var family: IPAddress.Family

    public init(service: ObjectRef, port: String, protocol: TransportProtocol, family: IPAddress.Family) {
        self.service = service
        self.port = port
        self.protocol = `protocol`
        self.family = family
    }

    public var description: String { "\(service):\(port)/\(`protocol`.rawValue) \(family)" }

    public static func < (lhs: FrontendRef, rhs: FrontendRef) -> Bool {
        (lhs.service, lhs.port, lhs.protocol.rawValue, lhs.family == .v4 ? 4 : 6)
            < (rhs.service, rhs.port, rhs.protocol.rawValue, rhs.family == .v4 ? 4 : 6)
    }
}

/// Where a backend receives connections: what a backend id names.
public struct BackendRef: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16
    public var `protocol`: TransportProtocol

    public init(address: IPAddress, port: UInt16, protocol: TransportProtocol) {
        self.address = address
        self.port = port
        self.protocol = `protocol`
    }

    public var description: String {
        address.family == .v4 ? "\(address):\(port)/\(`protocol`.rawValue)" : "[\(address)]:\(port)/\(`protocol`.rawValue)"
    }

    /// The same bytes on every node: Maglev places a backend by them.
    var identity: [UInt8] {
        [address.family == .v4 ? 4 : 6] + address.bytes + [UInt8(port >> 8), UInt8(port & 0xff), `protocol`.ipProtocolNumber]
    }

    public static func < (lhs: BackendRef, rhs: BackendRef) -> Bool {
        if lhs.address != rhs.address { return lhs.address < rhs.address }
        if lhs.port != rhs.port { return lhs.port < rhs.port }
        return lhs.protocol < rhs.protocol
    }
}

/// A Maglev table as the datapath reads it: `slots[hash % slots.count]` is a backend id.
public struct MaglevTable: Sendable, Equatable {
    public var slots: [UInt32]

    public init(slots: [UInt32]) {
        self.slots = slots
    }
}

/// Everything the service maps should hold, as plain values.
public struct PlannedServices: Sendable, Equatable {
    /// sluice_svc_v1: VIP, port, protocol -> service.
    public var frontends: [sluice_service_key: sluice_service_value] = [:]
    /// sluice_be_v1.
    public var backends: [UInt32: sluice_backend_value] = [:]
    /// sluice_sbe_v1: which backends serve which service, and how.
    public var members: [sluice_service_member_key: sluice_service_member_value] = [:]
    /// sluice_mgl_v1: service id -> table; services without a backend taking new flows have none.
    public var tables: [UInt32: MaglevTable] = [:]
    /// Service id -> what it is, for counters and logs.
    public var frontendNames: [UInt32: FrontendRef] = [:]
    /// Backend id -> where it is, for counters and logs.
    public var backendNames: [UInt32: BackendRef] = [:]
    /// TCP backends to probe, with the check of the first service (by name) that asks for it.
    public var healthChecks: [BackendRef: HealthCheck] = [:]
    /// Problems that did not stop planning (an unusable annotation), one line each.
    public var warnings: [String] = []

    public init() {}
}

extension sluice_service_key: @retroactive Equatable, @retroactive Hashable, BytewiseHashable {}
extension sluice_service_value: @retroactive Equatable, @retroactive Hashable, BytewiseHashable {}
extension sluice_backend_value: @retroactive Equatable, @retroactive Hashable, BytewiseHashable {}
extension sluice_service_member_key: @retroactive Equatable, @retroactive Hashable, BytewiseHashable {}
extension sluice_service_member_value: @retroactive Equatable, @retroactive Hashable, BytewiseHashable {}
