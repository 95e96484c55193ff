/// How one `sluice-probe tcp|udp` attempt ended.
public enum ProbeResult: Sendable, Equatable, CustomStringConvertible {
    /// The server answered; the answer is `<server name> <payload>`.
    case ok(String)
    /// Refused or reset (TCP RST, ICMP port unreachable), or closed without an answer.
    case refused
    /// Nothing came back in time: what a dropped packet looks like.
    case timeout
    /// Anything else (no route, bad arguments), with the probe's exit status and stderr.
    case failed(status: Int32, message: String)

    public var answer: String? {
        if case .ok(let answer) = self { return answer }
        return nil
    }

    public var isOK: Bool { answer != nil }

    public var description: String {
        switch self {
        case .ok(let answer): "ok(\(answer))"
        case .refused: "refused"
        case .timeout: "timeout"
        case .failed(let status, let message): "failed(\(status): \(message))"
        }
    }

    init(_ result: ProcessResult) {
        switch result.status {
        case 0: self = .ok(result.stdout.trimmingNewlines())
        case 1: self = .refused
        case 2: self = .timeout
        default: self = .failed(status: result.status, message: result.stderr.trimmingNewlines())
        }
    }
}

extension String {
    func trimmingNewlines() -> String {
        String(drop { $0 == "\n" }.reversed().drop { $0 == "\n" }.reversed())
    }
}
