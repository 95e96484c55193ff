import Glibc

/// A point on the monotonic clock that every blocking call in the probe is bounded by.
struct Deadline {
    private let nanoseconds: UInt64

    init(afterMilliseconds milliseconds: Int) {
        nanoseconds = Deadline.now() + UInt64(max(0, milliseconds)) * 1_000_000
    }

    var hasPassed: Bool { Deadline.now() >= nanoseconds }

    /// What is left, rounded up, as poll(2) wants it.
    var remainingMilliseconds: Int32 {
        let now = Deadline.now()
        guard nanoseconds > now else { return 0 }
        return Int32(clamping: (nanoseconds - now + 999_999) / 1_000_000)
    }

    private static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
