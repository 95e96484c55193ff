import Glibc

/// `tcp HOST PORT`: one line out, one line back.
enum StreamProbe {
    static let usage = "sluice-probe tcp HOST PORT [--timeout-ms N] [--payload TEXT] [--show-peer]"

    static func run(_ arguments: ArraySlice<String>) throws(ProbeError) -> String {
        let options = try Options(arguments, valued: ["timeout-ms", "payload"], flags: ["show-peer"])
        let target = try options.positionals(count: 2, usage: usage)
        let address = try SocketAddress(host: target[0], port: port(target[1]))
        let deadline = Deadline(afterMilliseconds: try options.integer("timeout-ms", default: 1000, range: 1...600_000))
        let payload = options.string("payload") ?? "hello"

        let socket = try Socket(family: address.family, type: Int32(SOCK_STREAM.rawValue))
        try socket.connect(to: address, before: deadline)
        try socket.send(lineBytes(payload), before: deadline)
        let answer = try socket.receiveLine(limit: 4096, before: deadline)
        guard !answer.isEmpty else { throw .refused("\(address) closed the connection without an answer") }
        // --show-peer: a second line with getpeername's answer.
        return firstLine(answer) + (options.has("show-peer") ? "\npeer \(try socket.peerName())" : "")
    }
}
