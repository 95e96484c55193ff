import CSluiceBPF

/// One (direction, reason) counter of sluice_met_v1, summed over CPUs.
struct MetricsCount: Equatable, Sendable, CustomStringConvertible {
    var direction: UInt32
    var reason: UInt32
    var packets: UInt64
    var bytes: UInt64

    var description: String { "dir \(direction) reason \(reason): +\(packets) packets, +\(bytes) bytes" }
}

/// Every non-zero slot of the metrics map at one moment.
struct MetricsSnapshot: Sendable {
    var slots: [UInt32: sluice_metrics_value]

    /// The slots that changed since `earlier`, as counts.
    func changes(since earlier: MetricsSnapshot) -> [MetricsCount] {
        slots.keys.sorted().compactMap { index in
            let now = slots[index] ?? sluice_metrics_value()
            let then = earlier.slots[index] ?? sluice_metrics_value()
            guard now.packets != then.packets || now.bytes != then.bytes else { return nil }
            return MetricsCount(
                direction: index / UInt32(SLUICE_REASON_MAX.rawValue),
                reason: index % UInt32(SLUICE_REASON_MAX.rawValue),
                packets: now.packets &- then.packets,
                bytes: now.bytes &- then.bytes
            )
        }
    }
}
