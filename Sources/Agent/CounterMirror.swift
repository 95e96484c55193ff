import Prometheus
import Synchronization

/// Mirrors absolute totals kept elsewhere (BPF maps) into Prometheus
/// counters, which only go up: each scrape adds what grew since the last.
final class CounterMirror<Key: Hashable & Sendable>: Sendable {
    private let seen = Mutex([Key: UInt64]())

    /// A smaller total means the source was recreated: the counter starts over from it.
    func mirror(_ total: UInt64, for key: Key, into counter: Counter) {
        let previous = seen.withLock { seen in
            defer { seen[key] = total }
            return seen[key] ?? 0
        }
        if total < previous {
            counter.reset()
            counter.increment(by: Int64(clamping: total))
        } else if total > previous {
            counter.increment(by: Int64(clamping: total - previous))
        }
    }
}
