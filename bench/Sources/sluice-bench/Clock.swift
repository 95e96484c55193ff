import Glibc

/// `to - from` for counters read at two times, 0 if the second reading is smaller: a
/// trap on underflow would skip the cleanup of everything the run set up.
func difference(from: UInt64, to: UInt64) -> UInt64 {
    to > from ? to - from : 0
}

/// CLOCK_MONOTONIC in ns: the clock sluice-loadgen's watcher reports in, shared by all processes.
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// Sleeps `seconds`, resuming after signals.
func pause(seconds: Double) {
    var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR {
        request = remaining
    }
}
