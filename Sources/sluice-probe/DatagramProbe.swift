import Glibc

/// `udp HOST PORT`: one datagram out, one back. Connected by default, so an
/// ICMP port unreachable shows as refused; `--sendto` uses sendto/recvfrom on
/// an unconnected socket instead (the path cgroup sendmsg/recvmsg hooks see).
/// `--source ADDR` sends from that address of the namespace (bound first).
enum DatagramProbe {
    static let usage = "sluice-probe udp HOST PORT [--timeout-ms N] [--payload TEXT] [--source ADDR] [--sendto] [--show-peer]"

    static func run(_ arguments: ArraySlice<String>) throws(ProbeError) -> String {
        let options = try Options(arguments, valued: ["timeout-ms", "payload", "source"], flags: ["sendto", "show-peer"])
        let target = try options.positionals(count: 2, usage: usage)
        let address = try SocketAddress(host: target[0], port: port(target[1]))
        let deadline = Deadline(afterMilliseconds: try options.integer("timeout-ms", default: 1000, range: 1...600_000))
        let request = lineBytes(options.string("payload") ?? "hello")

        let socket = try Socket(family: address.family, type: Int32(SOCK_DGRAM.rawValue))
        if let source = options.string("source") { try socket.bind(to: try SocketAddress(host: source, port: 0)) }
        if options.has("sendto") {
            let sent = request.withUnsafeBytes { bytes in
                address.withSockaddr { Glibc.sendto(socket.fd, bytes.baseAddress, bytes.count, 0, $0, $1) }
            }
            guard sent >= 0 else { throw .system("sendto \(address)", errno: errno) }
        } else {
            try socket.connect(to: address, before: deadline)
            try socket.send(request, before: deadline)
        }
        // --show-peer: a second line with the answer's source (recvfrom) or getpeername's answer.
        guard options.has("show-peer") else { return firstLine(try socket.receive(maximum: 65536, before: deadline)) }
        if options.has("sendto") {
            let (answer, source) = try socket.receiveFrom(maximum: 65536, before: deadline)
            return firstLine(answer) + "\nfrom \(source.map { "\($0)" } ?? "unknown")"
        }
        let answer = try socket.receive(maximum: 65536, before: deadline)
        return firstLine(answer) + "\npeer \(try socket.peerName())"
    }
}
