import Glibc

/// What went wrong while building or driving a test fixture, with the command or path involved.
public enum TestSupportError: Error, CustomStringConvertible {
    case spawnFailed(argv: [String], errno: Int32)
    case timedOut(argv: [String], after: Duration, output: String)
    case commandFailed(argv: [String], status: Int32, stderr: String)
    case notReady(argv: [String], waitingFor: String, output: String)
    case binaryNotFound(name: String, searched: [String])
    case mountNotFound(filesystem: String)
    case system(call: String, path: String, errno: Int32)
    case namesExhausted(prefix: String, attempts: Int)
    case invalidArgument(String)
    /// An error from a lower layer (e.g. the BPF module), as its description.
    case underlying(String)

    public var description: String {
        switch self {
        case .spawnFailed(let argv, let code):
            "spawning \(argv.joined(separator: " ")): \(errorText(code))"
        case .timedOut(let argv, let after, let output):
            "\(argv.joined(separator: " ")) still running after \(after); output so far:\n\(output)"
        case .commandFailed(let argv, let status, let stderr):
            "\(argv.joined(separator: " ")) exited with \(status): \(stderr)"
        case .notReady(let argv, let waitingFor, let output):
            "\(argv.joined(separator: " ")) never printed '\(waitingFor)'; output:\n\(output)"
        case .binaryNotFound(let name, let searched):
            "\(name) not found in \(searched.joined(separator: ", ")) (set SLUICE_BIN_DIR or run `swift build`)"
        case .mountNotFound(let filesystem):
            "no \(filesystem) mount in /proc/self/mountinfo"
        case .system(let call, let path, let code):
            "\(call) \(path): \(errorText(code))"
        case .namesExhausted(let prefix, let attempts):
            "no free name with prefix \(prefix) after \(attempts) attempts"
        case .invalidArgument(let text), .underlying(let text):
            text
        }
    }
}

func errorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
