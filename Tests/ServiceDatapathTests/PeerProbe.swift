import Foundation
import TestSupport

/// One `sluice-probe tcp|udp --show-peer` run: who answered, and where the application
/// believes the answer came from (getpeername, or recvfrom's source).
struct PeerProbe: CustomStringConvertible {
    enum Outcome: Equatable {
        case answered(server: String, peer: String)
        case refused
        case timeout
        case failed(Int32, String)
    }

    var outcome: Outcome
    /// Wall time of the whole probe process, for "fails at once".
    var elapsed: Duration

    var server: String? {
        if case .answered(let server, _) = outcome { return server }
        return nil
    }

    var peer: String? {
        if case .answered(_, let peer) = outcome { return peer }
        return nil
    }

    var description: String { "\(outcome) in \(elapsed)" }

    enum Mode {
        case tcp
        case udpConnected
        case udpSendto
    }

    static func run(from pod: some InNetworkNamespace, to address: String, port: UInt16, mode: Mode,
                    cgroup: TestCgroup?, timeout: Duration = .milliseconds(800)) throws -> PeerProbe {
        var argv = [try TestPaths.binary("sluice-probe"), mode == .tcp ? "tcp" : "udp", address, String(port),
                    "--show-peer", "--timeout-ms", String(timeout.components.seconds * 1000
                        + timeout.components.attoseconds / 1_000_000_000_000_000)]
        if mode == .udpSendto { argv.append("--sendto") }
        let start = ContinuousClock.now
        let result = try pod.run(argv, cgroup: cgroup, timeout: timeout + .seconds(5))
        let elapsed = ContinuousClock.now - start
        let lines = result.stdout.split(separator: "\n").map(String.init)
        switch result.status {
        case 0:
            // "<server> <payload>" then "peer ADDR" or "from ADDR".
            let server = lines.first?.split(separator: " ").first.map(String.init) ?? ""
            let peer = lines.dropFirst().first?.split(separator: " ").last.map(String.init) ?? ""
            return PeerProbe(outcome: .answered(server: server, peer: peer), elapsed: elapsed)
        case 1: return PeerProbe(outcome: .refused, elapsed: elapsed)
        case 2: return PeerProbe(outcome: .timeout, elapsed: elapsed)
        default: return PeerProbe(outcome: .failed(result.status, result.stderr), elapsed: elapsed)
        }
    }
}
