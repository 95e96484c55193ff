import Prometheus
import Synchronization

/// Mirrors absolute totals kept elsewhere (BPF maps) into Prometheus
/// counters, which only go up: each scrape adds what grew since the last.
final class CounterMirror<Key: Hashable & Sendable>: Sendable {
    private let seen = Mutex([Key: UInt64]())

    /// A smaller total means the source was recreated: the counter starts over
    /// from it. `scale` turns the source's unit into the counter's (ms to s).
    func mirror(_ total: UInt64, for key: Key, into counter: Counter, scale: Double = 1) {
        let previous = seen.withLock { seen in
            defer { seen[key] = total }
            return seen[key] ?? 0
        }
        if total < previous {
            counter.reset()
            add(total, to: counter, scale: scale)
        } else if total > previous {
            add(total - previous, to: counter, scale: scale)
        }
    }

    private func add(_ amount: UInt64, to counter: Counter, scale: Double) {
        if scale == 1 {
            counter.increment(by: Int64(clamping: amount))
        } else {
            counter.increment(by: Double(amount) * scale)
        }
    }
}
