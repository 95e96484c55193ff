/// Traffic from and to this namespace through `sluice-probe`.
extension InNetworkNamespace {
    /// Starts `sluice-probe serve` here and waits until it listens. It answers every
    /// TCP line and UDP datagram with `<probeName> <payload>` until teardown or `stop()`.
    @discardableResult
    public func serve(
        tcp: [UInt16] = [], udp: [UInt16] = [], bind: String? = nil, name: String? = nil
    ) throws(TestSupportError) -> ManagedProcess {
        var argv = [try TestPaths.binary("sluice-probe"), "serve", "--name", name ?? probeName]
        if !tcp.isEmpty { argv += ["--tcp", tcp.map(String.init).joined(separator: ",")] }
        if !udp.isEmpty { argv += ["--udp", udp.map(String.init).joined(separator: ",")] }
        if let bind { argv += ["--bind", bind] }
        let server = try spawn(argv)
        do {
            try server.waitForLine("ready")
        } catch {
            server.stop()
            throw error
        }
        return server
    }

    /// Connects over TCP to `address` (IPv4 or bracketless IPv6), sends `payload`, reads the answer.
    public func tcp(
        to address: String, port: UInt16, timeout: Duration = .seconds(1),
        payload: String = "hello", cgroup: TestCgroup? = nil
    ) throws(TestSupportError) -> ProbeResult {
        try probe(["tcp", address, String(port), "--payload", payload], timeout: timeout, cgroup: cgroup)
    }

    /// Sends one UDP datagram to `address` and waits for the echo. `sendto` uses an
    /// unconnected socket (the cgroup sendmsg/recvmsg path instead of connect).
    public func udp(
        to address: String, port: UInt16, timeout: Duration = .seconds(1),
        payload: String = "hello", sendto: Bool = false, source: String? = nil, cgroup: TestCgroup? = nil
    ) throws(TestSupportError) -> ProbeResult {
        let mode = (sendto ? ["--sendto"] : []) + (source.map { ["--source", $0] } ?? [])
        return try probe(["udp", address, String(port), "--payload", payload] + mode, timeout: timeout, cgroup: cgroup)
    }

    /// GETs an `http://` URL from inside this namespace (IPv6 hosts in brackets, as in URLs).
    public func httpGet(_ url: String, timeout: Duration = .seconds(2)) throws(TestSupportError) -> HTTPResult {
        let argv = [try TestPaths.binary("sluice-probe"), "http-get", url, "--status", "--timeout-ms",
                    String(timeout.milliseconds)]
        let result = try run(argv, timeout: timeout + .seconds(5)).checked()
        let lines = result.stdout.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        guard let status = lines.first.flatMap({ Int($0) }) else {
            throw .commandFailed(argv: result.argv, status: result.status, stderr: "no status line in: \(result.stdout)")
        }
        return HTTPResult(status: status, body: lines.count > 1 ? String(lines[1]) : "")
    }

    private func probe(
        _ arguments: [String], timeout: Duration, cgroup: TestCgroup?
    ) throws(TestSupportError) -> ProbeResult {
        let argv = [try TestPaths.binary("sluice-probe")] + arguments + ["--timeout-ms", String(timeout.milliseconds)]
        return ProbeResult(try run(argv, cgroup: cgroup, timeout: timeout + .seconds(5)))
    }
}
