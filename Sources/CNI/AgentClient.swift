import Glibc

/// The plugin's side of the agent socket: connect, send one request line, read one
/// answer line, all within a deadline.
public struct AgentClient: Sendable {
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// Nobody listens (no socket file, connection refused): the agent is down.
        case unreachable(String)
        /// Connected, but no usable answer in time.
        case noAnswer(String)

        public var description: String {
            switch self {
            case .unreachable(let text), .noAnswer(let text): text
            }
        }
    }

    public let socketPath: String
    public let timeout: Duration

    public init(socketPath: String, timeout: Duration) {
        self.socketPath = socketPath
        self.timeout = timeout
    }

    public func send(_ request: AgentRequest) throws(Failure) -> AgentResponse {
        let deadline = ContinuousClock.now + timeout
        let fd = try connect(within: timeout)
        defer { close(fd) }
        let bytes = request.line
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .noAnswer("sending to the agent at \(socketPath): \(String(cString: strerror(errno)))")
            }
            written += count
        }
        var answer: [UInt8] = []
        while !answer.contains(0x0a) {
            let left = deadline - ContinuousClock.now
            guard left > .zero else {
                throw .noAnswer("the agent at \(socketPath) did not answer within \(timeout)")
            }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, Int32(clamping: max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)))
            if ready < 0 && errno != EINTR { throw .noAnswer("poll: \(String(cString: strerror(errno)))") }
            guard ready > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .noAnswer("reading from the agent at \(socketPath): \(String(cString: strerror(errno)))")
            }
            if count == 0 { throw .noAnswer("the agent at \(socketPath) closed the connection without an answer") }
            answer += buffer.prefix(count)
            guard answer.count < 1 << 20 else { throw .noAnswer("the agent's answer is too long") }
        }
        guard let response = AgentResponse(line: Array(answer.prefix { $0 != 0x0a })) else {
            throw .noAnswer("the agent at \(socketPath) answered something unreadable")
        }
        return response
    }

    /// A connection to the agent. A Unix socket's `connect()` waits without end while the
    /// listener's queue is full (an agent alive but stopped or stuck), so the send timeout,
    /// which bounds that wait and the request's writes alike, is the deadline's.
    private func connect(within timeout: Duration) throws(Failure) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .unreachable("socket: \(String(cString: strerror(errno)))") }
        let (seconds, attoseconds) = timeout.components
        var limit = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        if limit.tv_sec == 0 && limit.tv_usec == 0 { limit.tv_usec = 1 }
        guard setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            let code = errno
            close(fd)
            throw .unreachable("setsockopt(SO_SNDTIMEO): \(String(cString: strerror(code)))")
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw .unreachable("agent socket path \(socketPath) is too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            let reason = "agent socket \(socketPath): \(String(cString: strerror(code)))"
            // No socket file or nobody behind it: the agent is not running.
            if code == ENOENT || code == ECONNREFUSED || code == ENOTDIR { throw .unreachable(reason) }
            if code == EAGAIN || code == EWOULDBLOCK {
                throw .noAnswer("the agent at \(socketPath) accepted no connection within \(timeout)")
            }
            throw .noAnswer(reason)
        }
        return fd
    }
}
