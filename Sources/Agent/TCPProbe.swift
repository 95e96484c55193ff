import Glibc
import Planner

/// TCP connect probes of many backends at once: one non-blocking socket each, one poll(2)
/// loop for all, each backend failing at its own deadline. Run from the agent's own
/// process, which is not in the load-balanced cgroup, against backend addresses.
enum TCPProbe {
    struct Target: Sendable {
        var backend: BackendRef
        var timeout: Duration
    }

    /// True for each backend that accepted a connection in time.
    static func run(_ targets: [Target]) -> [BackendRef: Bool] {
        var results: [BackendRef: Bool] = [:]
        var pending: [(fd: Int32, target: Target, deadline: ContinuousClock.Instant)] = []
        let start = ContinuousClock.now
        for target in targets {
            switch connect(target.backend) {
            case .done(let ok): results[target.backend] = ok
            case .pending(let fd): pending.append((fd, target, start + target.timeout))
            }
        }
        while !pending.isEmpty {
            let now = ContinuousClock.now
            let nearest = pending.map(\.deadline).min() ?? now
            let wait = max(0, (nearest - now).milliseconds)
            var fds = pending.map { pollfd(fd: $0.fd, events: Int16(POLLOUT), revents: 0) }
            if poll(&fds, nfds_t(fds.count), Int32(clamping: wait + 1)) < 0 && errno != EINTR { break }
            let after = ContinuousClock.now
            var still: [(fd: Int32, target: Target, deadline: ContinuousClock.Instant)] = []
            for (index, entry) in pending.enumerated() {
                if fds[index].revents != 0 {
                    var error: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    let ok = getsockopt(entry.fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0
                    results[entry.target.backend] = ok
                    close(entry.fd)
                } else if after >= entry.deadline {
                    results[entry.target.backend] = false
                    close(entry.fd)
                } else {
                    still.append(entry)
                }
            }
            pending = still
        }
        for entry in pending {
            close(entry.fd)
            results[entry.target.backend] = false
        }
        return results
    }

    private enum Started {
        case done(Bool)
        case pending(Int32)
    }

    private static func connect(_ backend: BackendRef) -> Started {
        let family = backend.address.family == .v4 ? AF_INET : AF_INET6
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .done(false) }
        let result: Int32
        if family == AF_INET {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = backend.port.bigEndian
            withUnsafeMutableBytes(of: &address.sin_addr) { raw in for (i, byte) in backend.address.bytes.enumerated() { raw[i] = byte } }
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        } else {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = backend.port.bigEndian
            withUnsafeMutableBytes(of: &address.sin6_addr) { raw in for (i, byte) in backend.address.bytes.enumerated() { raw[i] = byte } }
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        if result == 0 {
            close(fd)
            return .done(true)
        }
        guard errno == EINPROGRESS else {
            close(fd)
            return .done(false)
        }
        return .pending(fd)
    }
}

extension Duration {
    /// Saturating: a wait never traps, however far its deadline.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        let fraction = Int(attoseconds / 1_000_000_000_000_000)
        let (whole, overflow) = Int(seconds).multipliedReportingOverflow(by: 1000)
        let (sum, carry) = whole.addingReportingOverflow(fraction)
        guard !overflow && !carry else { return seconds < 0 ? .min : .max }
        return sum
    }
}
