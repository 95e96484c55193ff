import Glibc

/// Why a probe failed; each case has its own exit status so callers can tell
/// a refused connection from a silently dropped one.
enum ProbeError: Error, CustomStringConvertible {
    /// Bad command line (exit 64, as sysexits' EX_USAGE).
    case usage(String)
    /// The peer refused or reset the connection, or closed it without an answer (exit 1).
    case refused(String)
    /// Nothing came back before the deadline (exit 2).
    case timedOut(String)
    /// Any other network failure, e.g. no route (exit 3).
    case network(String)
    /// An HTTP server answered with a non-2xx status (exit 4).
    case httpStatus(Int)

    var exitCode: Int32 {
        switch self {
        case .usage: 64
        case .refused: 1
        case .timedOut: 2
        case .network: 3
        case .httpStatus: 4
        }
    }

    var description: String {
        switch self {
        case .usage(let text): "usage: \(text)"
        case .refused(let text): "refused: \(text)"
        case .timedOut(let text): "timeout: \(text)"
        case .network(let text): "error: \(text)"
        case .httpStatus(let code): "http status \(code)"
        }
    }

    /// Classifies a failed system call by its errno.
    static func system(_ call: String, errno code: Int32) -> ProbeError {
        let text = "\(call): \(String(cString: strerror(code)))"
        switch code {
        case ECONNREFUSED, ECONNRESET, EPIPE: return .refused(text)
        case ETIMEDOUT: return .timedOut(text)
        default: return .network(text)
        }
    }
}
