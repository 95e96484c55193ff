/// What stops a row or the whole run, with the command, object or value involved.
enum BenchError: Error, CustomStringConvertible {
    case notRoot
    case usage(String)
    case missing(what: String, hint: String)
    case commandFailed(argv: [String], status: Int32, output: String)
    case unparsable(what: String, output: String)
    /// A watcher saw the wrong state before a change (the previous one had not settled, or setup is wrong).
    case unexpectedState(what: String, expected: String, saw: String)
    case notObserved(what: String, afterSeconds: Int, detail: String)
    case setup(String)
    case rowsFailed([String])

    var description: String {
        switch self {
        case .notRoot:
            "sluice-bench needs root: it creates network namespaces, loads BPF programs and netfilter rules"
        case .usage(let text):
            text
        case .missing(let what, let hint):
            "\(what) is missing: \(hint)"
        case .commandFailed(let argv, let status, let output):
            "\(argv.joined(separator: " ")) exited with \(status): \(output.suffix(2000))"
        case .unparsable(let what, let output):
            "cannot parse \(what) from: \(output.suffix(2000))"
        case .unexpectedState(let what, let expected, let saw):
            "\(what): expected \(expected) before the change, saw \(saw)"
        case .notObserved(let what, let seconds, let detail):
            "\(what): not observed within \(seconds) s\(detail.isEmpty ? "" : ": \(detail)")"
        case .setup(let text):
            text
        case .rowsFailed(let rows):
            "\(rows.count) benchmark row(s) failed:\n" + rows.map { "  - \($0)" }.joined(separator: "\n")
        }
    }
}
