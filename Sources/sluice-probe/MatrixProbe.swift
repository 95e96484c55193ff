import Glibc

/// `matrix ADDR PORT PROTO ...`: probes every target at once under one deadline
/// and prints one line per target, in the order given:
///
///     ADDR PORT PROTO ok MS ANSWER        the server answered
///     ADDR PORT PROTO refused MS TEXT     RST, ICMP port unreachable, closed early
///     ADDR PORT PROTO timeout MS          nothing came back: what a drop looks like
///     ADDR PORT PROTO stalled MS TEXT     TCP connected but did not answer in time
///     ADDR PORT PROTO error MS TEXT       anything else (no route, ...)
///
/// A dropped probe costs its whole timeout; probing concurrently makes a full
/// reachability matrix cost one timeout instead of one per denied cell.
enum MatrixProbe {
    static let usage = "sluice-probe matrix [--timeout-ms N] [--payload TEXT] ADDR PORT tcp|udp [ADDR PORT tcp|udp ...]"

    /// Each target holds a descriptor until it finishes; stay well below the usual 1024 limit.
    static let maximumTargets = 768

    static func run(_ arguments: ArraySlice<String>) throws(ProbeError) {
        let options = try Options(arguments, valued: ["timeout-ms", "payload"])
        let words = options.positionals
        guard !words.isEmpty, words.count % 3 == 0 else { throw .usage(usage) }
        guard words.count / 3 <= maximumTargets else {
            throw .usage("at most \(maximumTargets) targets, not \(words.count / 3)")
        }
        let timeout = try options.integer("timeout-ms", default: 300, range: 1...600_000)
        let request = lineBytes(options.string("payload") ?? "hello")

        // Every target is parsed before the first socket opens: a usage error probes nothing.
        var targets: [(address: SocketAddress, transport: MatrixAttempt.Transport, label: String)] = []
        for index in stride(from: 0, to: words.count, by: 3) {
            let (host, portText, protocolText) = (words[index], words[index + 1], words[index + 2])
            guard let transport = MatrixAttempt.Transport(rawValue: protocolText.lowercased()) else {
                throw .usage("protocol must be tcp or udp, not '\(protocolText)'")
            }
            let address = try SocketAddress(host: host, port: port(portText))
            targets.append((address, transport, "\(host) \(portText) \(transport.rawValue)"))
        }

        let deadline = Deadline(afterMilliseconds: timeout)
        let attempts = targets.map { MatrixAttempt(address: $0.address, transport: $0.transport, label: $0.label, request: request) }
        try drive(attempts, until: deadline)
        attempts.forEach { $0.expire() }
        writeOut(Array(attempts.map { $0.line + "\n" }.joined().utf8))
    }

    /// One poll loop over every unfinished attempt until all finish or the deadline passes.
    private static func drive(_ attempts: [MatrixAttempt], until deadline: Deadline) throws(ProbeError) {
        while !deadline.hasPassed {
            let waiting = attempts.compactMap { attempt in attempt.pollEntry.map { (attempt, $0) } }
            if waiting.isEmpty { return }
            var entries = waiting.map(\.1)
            let ready = poll(&entries, nfds_t(entries.count), deadline.remainingMilliseconds)
            if ready < 0 {
                guard errno == EINTR else { throw .system("poll", errno: errno) }
                continue
            }
            for (index, entry) in entries.enumerated() where entry.revents != 0 {
                waiting[index].0.advance(revents: entry.revents)
            }
        }
    }
}
