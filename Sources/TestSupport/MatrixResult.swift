/// How one target of a `sluice-probe matrix` run ended, and after how long.
public struct MatrixResult: Sendable, Equatable, CustomStringConvertible {
    public let target: MatrixTarget
    /// `.timeout` means nothing came back (a drop). A TCP handshake that completed
    /// without an answer in time is `.failed`: it was not dropped, nor did it work.
    public let outcome: ProbeResult
    public let milliseconds: Int

    public var description: String { "\(target): \(outcome) after \(milliseconds) ms" }

    /// Parses `ADDR PORT PROTO RESULT MS [DETAIL]` for `target`; nil when the line is not about it.
    init?(line: Substring, target: MatrixTarget) {
        let words = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: false)
        guard words.count >= 5, words[0...2].map(String.init) == target.arguments,
              let milliseconds = Int(words[4])
        else { return nil }
        let detail = words.count > 5 ? String(words[5]) : ""
        switch words[3] {
        case "ok": outcome = .ok(detail)
        case "refused": outcome = .refused
        case "timeout": outcome = .timeout
        case "stalled": outcome = .failed(status: 2, message: "stalled: \(detail)")
        case "error": outcome = .failed(status: 3, message: detail)
        default: return nil
        }
        self.target = target
        self.milliseconds = milliseconds
    }
}
