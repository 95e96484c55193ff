import Foundation
import Glibc
import Synchronization
import TestSupport

/// A pod's network namespace made the way a container runtime makes one (`ip netns
/// add`, nothing inside), for `sluice-cni` to attach. `delete()` (or `deinit`) stops
/// the servers started in it and deletes it.
final class CNIPodNamespace: Sendable, CustomStringConvertible {
    let name: String
    private let servers = Mutex<[ManagedProcess]>([])
    private let deleted = Mutex(false)

    var path: String { "/run/netns/\(name)" }
    var description: String { name }

    init() throws {
        for _ in 0..<8 {
            let candidate = "slcnip" + String((0..<6).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement() ?? "x" })
            let result = try TestSupport.run(["ip", "netns", "add", candidate])
            if result.succeeded {
                name = candidate
                return
            }
            guard result.stderr.contains("File exists") else { try result.checked(); break }
        }
        throw TestSupportError.namesExhausted(prefix: "slcnip", attempts: 8)
    }

    deinit {
        delete()
    }

    /// `argv` run inside the namespace (nsenter keeps /sys/fs/bpf and the cgroup mount).
    func run(_ argv: [String], timeout: Duration = .seconds(10)) throws -> ProcessResult {
        try TestSupport.run(["nsenter", "--net=\(path)"] + argv, timeout: timeout)
    }

    /// `sluice-probe serve` on `tcp` ports until the namespace is deleted.
    func serve(tcp ports: [UInt16]) throws {
        let server = try ManagedProcess(["nsenter", "--net=\(path)", try TestPaths.binary("sluice-probe"), "serve",
                                         "--name", name, "--tcp", ports.map(String.init).joined(separator: ",")])
        servers.withLock { $0.append(server) }
        try server.waitForLine("ready")
    }

    /// One TCP exchange with `address` (bracketless IPv6 too); true when it was answered.
    func canReach(_ address: String, port: UInt16, timeout: Duration = .milliseconds(500)) throws -> Bool {
        let result = try run([try TestPaths.binary("sluice-probe"), "tcp", address, String(port), "--payload", "hi",
                              "--timeout-ms", String(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)],
                             timeout: timeout + .seconds(5))
        // sluice-probe: 0 answered, 1 refused, 2 timed out; anything else is a broken test.
        guard [0, 1, 2].contains(result.status) else { throw TestSupportError.commandFailed(argv: result.argv, status: result.status, stderr: result.stderr) }
        return result.status == 0
    }

    /// Interface names inside the namespace.
    func links() throws -> [String] {
        let result = try TestSupport.run(["nsenter", "--net=\(path)", "ip", "-o", "link", "show"]).checked()
        return result.stdout.split(separator: "\n").compactMap { line in
            line.split(separator: ":").dropFirst().first.map { String($0.trimmingCharacters(in: .whitespaces).split(separator: "@")[0]) }
        }
    }

    func delete() {
        let first = deleted.withLock { wasDeleted in
            defer { wasDeleted = true }
            return !wasDeleted
        }
        guard first else { return }
        servers.withLock { $0 }.forEach { $0.stop() }
        _ = try? TestSupport.run(["ip", "netns", "delete", name])
    }
}
