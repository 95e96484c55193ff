import Glibc

/// `serve`: TCP and UDP listeners that answer `<name> <payload>`, in one
/// single-threaded poll loop, until the process is killed.
enum Server {
    static let usage = "sluice-probe serve [--tcp PORT[,PORT]] [--udp PORT[,PORT]] [--bind ADDR] [--name NAME]"

    /// A connection waiting for its request line; dropped when its deadline passes.
    /// A connection is closed after 2 s without a complete line.
    private struct Connection {
        var request: [UInt8] = []
        var deadline = Deadline(afterMilliseconds: 2000)
    }

    private static let maximumConnections = 512
    private static let maximumRequest = 4096

    static func run(_ arguments: ArraySlice<String>) throws(ProbeError) -> Never {
        let options = try Options(arguments, valued: ["tcp", "udp", "bind", "name"])
        guard options.positionals.isEmpty else { throw .usage(usage) }
        let tcpPorts = try options.ports("tcp")
        let udpPorts = try options.ports("udp")
        guard !tcpPorts.isEmpty || !udpPorts.isEmpty else { throw .usage(usage) }
        let prefix = Array("\(options.string("name") ?? hostname()) ".utf8)

        var listeners: [Socket] = []
        var datagrams: [Socket] = []
        for port in tcpPorts {
            listeners.append(try listeningSocket(type: Int32(SOCK_STREAM.rawValue), port: port, bind: options.string("bind")))
        }
        for port in udpPorts {
            datagrams.append(try listeningSocket(type: Int32(SOCK_DGRAM.rawValue), port: port, bind: options.string("bind")))
        }
        printLine("ready")

        var connections: [Int32: Connection] = [:]
        while true {
            var entries = listeners.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            entries += datagrams.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            entries += connections.keys.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if poll(&entries, nfds_t(entries.count), 200) < 0, errno != EINTR {
                throw .system("poll", errno: errno)
            }
            for entry in entries where entry.revents != 0 {
                if listeners.contains(where: { $0.fd == entry.fd }) {
                    accept(from: entry.fd, into: &connections)
                } else if datagrams.contains(where: { $0.fd == entry.fd }) {
                    echoDatagram(on: entry.fd, prefix: prefix)
                } else if var connection = connections[entry.fd] {
                    if serve(entry.fd, &connection, prefix: prefix) {
                        connections[entry.fd] = connection
                    } else {
                        connections[entry.fd] = nil
                        close(entry.fd)
                    }
                }
            }
            for (fd, connection) in connections where connection.deadline.hasPassed {
                connections[fd] = nil
                close(fd)
            }
        }
    }

    /// Without --bind: IPv6 wildcard that also takes IPv4, or IPv4 alone where
    /// the namespace has no IPv6.
    private static func listeningSocket(type: Int32, port: UInt16, bind: String?) throws(ProbeError) -> Socket {
        let address: SocketAddress
        if let bind {
            address = try SocketAddress(host: bind, port: port)
        } else if (try? Socket(family: AF_INET6, type: type)) != nil {
            address = try SocketAddress(host: "::", port: port)
        } else {
            address = try SocketAddress(host: "0.0.0.0", port: port)
        }
        let socket = try Socket(family: address.family, type: type)
        try socket.setOption(level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
        if bind == nil, address.family == AF_INET6 {
            try socket.setOption(level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, value: 0)
        }
        try socket.bind(to: address)
        if type == Int32(SOCK_STREAM.rawValue), listen(socket.fd, 128) != 0 {
            throw .system("listen \(address)", errno: errno)
        }
        return socket
    }

    private static func accept(from listener: Int32, into connections: inout [Int32: Connection]) {
        // accept4 is not in Glibc's Swift module; the loop is single-threaded, so
        // setting the flags after accept races with no exec.
        let fd = Glibc.accept(listener, nil, nil)
        guard fd >= 0 else { return }
        guard connections.count < maximumConnections,
              fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0,
              fcntl(fd, F_SETFD, FD_CLOEXEC) == 0
        else {
            close(fd)
            return
        }
        connections[fd] = Connection()
    }

    /// Reads what is there and answers each complete line, so one connection
    /// can carry many (`session`). False when done with the connection.
    private static func serve(_ fd: Int32, _ connection: inout Connection, prefix: [UInt8]) -> Bool {
        var buffer = [UInt8](repeating: 0, count: maximumRequest)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 { return errno == EAGAIN || errno == EINTR }
        connection.request += buffer.prefix(count)
        while let newline = connection.request.firstIndex(of: UInt8(ascii: "\n")) {
            answer(Array(connection.request[...newline]), on: fd, prefix: prefix)
            connection.request.removeSubrange(...newline)
            connection.deadline = Deadline(afterMilliseconds: 2000)
        }
        if count == 0 || connection.request.count >= maximumRequest {
            if !connection.request.isEmpty { answer(connection.request, on: fd, prefix: prefix) }
            return false
        }
        return true
    }

    /// The answer is far smaller than a socket's send buffer: one send suffices.
    private static func answer(_ line: [UInt8], on fd: Int32, prefix: [UInt8]) {
        let answer = prefix + Array(firstLine(line).utf8) + [UInt8(ascii: "\n")]
        _ = answer.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    private static func echoDatagram(on fd: Int32, prefix: [UInt8]) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var peer = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let count = buffer.withUnsafeMutableBytes { bytes in
            withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(fd, bytes.baseAddress, bytes.count, 0, $0, &length)
                }
            }
        }
        guard count >= 0 else { return }
        let answer = prefix + Array(firstLine(Array(buffer.prefix(count))).utf8) + [UInt8(ascii: "\n")]
        _ = answer.withUnsafeBytes { bytes in
            withUnsafePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, 0, $0, length)
                }
            }
        }
    }

    private static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return string(fromCBuffer: buffer)
    }
}
