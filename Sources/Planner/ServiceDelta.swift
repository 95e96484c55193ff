import CSluiceBPF
import Synchronization

/// The entries of a plan that may differ from those of the plan it was made from (`base`):
/// the entries of the services that changed. Every key outside it holds what it held, so the
/// agent writes a change to one service among ten thousand without comparing the rest.
public struct ServiceDelta: Sendable, Equatable {
    /// The generation of the plan this one was made from.
    public var base: UInt64
    public var frontends: Set<sluice_service_key> = []
    public var backends: Set<UInt32> = []
    public var members: Set<sluice_service_member_key> = []
    public var tables: Set<UInt32> = []
    /// Whether the health checks may differ.
    public var healthChecks = false

    public init(base: UInt64) {
        self.base = base
    }

    public mutating func formUnion(_ other: ServiceDelta) {
        frontends.formUnion(other.frontends)
        backends.formUnion(other.backends)
        members.formUnion(other.members)
        tables.formUnion(other.tables)
        healthChecks = healthChecks || other.healthChecks
    }

    /// Adds the entries `part` has or had.
    mutating func insert(_ part: ServicePart) {
        for entry in part.frontends { frontends.insert(entry.key) }
        for (id, _, _) in part.backends { backends.insert(id) }
        for (key, _) in part.members { members.insert(key) }
        for (id, _) in part.tables { tables.insert(id) }
        if !part.healthChecks.isEmpty { healthChecks = true }
    }
}

/// Numbers plans in the order they are made.
enum PlanGenerations {
    private static let last = Atomic<UInt64>(0)

    static func next() -> UInt64 {
        last.add(1, ordering: .relaxed).newValue
    }
}
