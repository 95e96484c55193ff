import Glibc

/// A non-blocking socket that closes itself; every wait is bounded by a `Deadline`.
final class Socket {
    let fd: Int32

    init(family: Int32, type: Int32) throws(ProbeError) {
        let fd = Glibc.socket(family, type | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("socket", errno: errno) }
        self.fd = fd
    }

    deinit {
        close(fd)
    }

    func setOption(level: Int32, name: Int32, value: Int32) throws(ProbeError) {
        var value = value
        guard setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw .system("setsockopt(\(name))", errno: errno)
        }
    }

    func bind(to address: SocketAddress) throws(ProbeError) {
        let result = address.withSockaddr { Glibc.bind(fd, $0, $1) }
        guard result == 0 else { throw .system("bind \(address)", errno: errno) }
    }

    /// Connects, waiting for the handshake until the deadline.
    func connect(to address: SocketAddress, before deadline: Deadline) throws(ProbeError) {
        let result = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        if result == 0 { return }
        guard errno == EINPROGRESS else { throw .system("connect \(address)", errno: errno) }
        guard try wait(for: Int16(POLLOUT), before: deadline) else {
            throw .timedOut("connect \(address): no answer")
        }
        var pending: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &length) == 0 else {
            throw .system("getsockopt(SO_ERROR)", errno: errno)
        }
        if pending != 0 { throw .system("connect \(address)", errno: pending) }
    }

    /// Sends everything, waiting for buffer space until the deadline.
    func send(_ bytes: [UInt8], before deadline: Deadline) throws(ProbeError) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent >= 0 {
                offset += sent
            } else if errno == EAGAIN || errno == EINTR {
                guard try wait(for: Int16(POLLOUT), before: deadline) else { throw .timedOut("send: no buffer space") }
            } else {
                throw .system("send", errno: errno)
            }
        }
    }

    /// One recv(2) once data is there; an empty result means the peer closed.
    func receive(maximum: Int, before deadline: Deadline) throws(ProbeError) -> [UInt8] {
        while true {
            var buffer = [UInt8](repeating: 0, count: maximum)
            let count = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return Array(buffer.prefix(count)) }
            guard errno == EAGAIN || errno == EINTR else { throw .system("recv", errno: errno) }
            guard try wait(for: Int16(POLLIN), before: deadline) else { throw .timedOut("recv: no answer") }
        }
    }

    /// Reads until a newline or the peer closes, at most `limit` bytes.
    func receiveLine(limit: Int, before deadline: Deadline) throws(ProbeError) -> [UInt8] {
        var line: [UInt8] = []
        while line.count < limit, !line.contains(UInt8(ascii: "\n")) {
            let chunk = try receive(maximum: limit - line.count, before: deadline)
            if chunk.isEmpty { break }
            line += chunk
        }
        return line
    }

    /// Reads until the peer closes, at most `limit` bytes, or until `isComplete` says enough.
    func receiveAll(limit: Int, before deadline: Deadline, isComplete: ([UInt8]) -> Bool) throws(ProbeError) -> [UInt8] {
        var data: [UInt8] = []
        while data.count < limit, !isComplete(data) {
            let chunk = try receive(maximum: min(65536, limit - data.count), before: deadline)
            if chunk.isEmpty { break }
            data += chunk
        }
        return data
    }

    /// poll(2) for `events`; false when the deadline passed first.
    func wait(for events: Int16, before deadline: Deadline) throws(ProbeError) -> Bool {
        while true {
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&entry, 1, deadline.remainingMilliseconds)
            if ready > 0 { return true }
            if ready == 0 { return false }
            guard errno == EINTR else { throw .system("poll", errno: errno) }
            if deadline.hasPassed { return false }
        }
    }
}

/// Text as the bytes of one request line.
func lineBytes(_ text: String) -> [UInt8] {
    Array(text.utf8) + [UInt8(ascii: "\n")]
}

/// A NUL-terminated C string filled in by a libc call.
func string(fromCBuffer buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The first line of `bytes`, without its line ending.
func firstLine(_ bytes: [UInt8]) -> String {
    var line = bytes.prefix { $0 != UInt8(ascii: "\n") }
    if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
    return String(decoding: line, as: UTF8.self)
}
