import Glibc

/// The agent holds a descriptor per Maglev table between making it and swapping it in (up to
/// twice `ServiceSync.tablesPerSwap`, and the empty inner maps made ahead of a bulk sync, at
/// most half the limit) and a socket per backend a health check probes at once. The
/// soft limit systemd and container runtimes give by default (1024) is below both, so the
/// agent raises it to the hard limit, as long-running servers do.
enum OpenFileLimit {
    /// The soft limit before and after, when it was raised; nil when it already was the hard one.
    static func raiseToHard() -> (before: rlim_t, after: rlim_t)? {
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return nil }
        let before = limit.rlim_cur
        limit.rlim_cur = limit.rlim_max
        guard setrlimit(resource, &limit) == 0 else { return nil }
        return (before, limit.rlim_cur)
    }
}
