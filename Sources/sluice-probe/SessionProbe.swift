import Glibc

/// `session HOST PORT`: one TCP connection (with `--udp`, one connected UDP socket) kept
/// open, a line every interval, each answer awaited; prints `connected`, then `ok N` per
/// answer (with `--show-answer`, followed by the answer's first line). Ends at the first
/// line without an answer, as an established flow being cut looks.
enum SessionProbe {
    static let usage = "sluice-probe session HOST PORT [--udp] [--show-answer] [--lines N] [--interval-ms N] [--timeout-ms N]"

    static func run(_ arguments: ArraySlice<String>) throws(ProbeError) {
        let options = try Options(arguments, valued: ["lines", "interval-ms", "timeout-ms"], flags: ["udp", "show-answer"])
        let target = try options.positionals(count: 2, usage: usage)
        let address = try SocketAddress(host: target[0], port: port(target[1]))
        let lines = try options.integer("lines", default: 10, range: 1...100_000)
        let interval = try options.integer("interval-ms", default: 100, range: 1...1_900)
        let timeout = try options.integer("timeout-ms", default: 1000, range: 1...600_000)
        let datagrams = options.has("udp")

        let socket = try Socket(family: address.family, type: Int32((datagrams ? SOCK_DGRAM : SOCK_STREAM).rawValue))
        try socket.connect(to: address, before: Deadline(afterMilliseconds: timeout))
        printLine("connected")
        for line in 1...lines {
            let deadline = Deadline(afterMilliseconds: timeout)
            try socket.send(lineBytes("line \(line)"), before: deadline)
            let answer = datagrams ? try socket.receive(maximum: 65536, before: deadline)
                : try socket.receiveLine(limit: 4096, before: deadline)
            guard !answer.isEmpty else { throw .refused("\(address) closed the session after \(line - 1) lines") }
            printLine(options.has("show-answer") ? "ok \(line) \(firstLine(answer))" : "ok \(line)")
            usleep(useconds_t(interval * 1000))
        }
    }
}
