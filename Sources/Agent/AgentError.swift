import BPF
import Glibc

/// Why the agent could not do something, with what it was acting on.
public enum AgentError: Error, CustomStringConvertible, Sendable {
    case bpf(BPFError, context: String)
    case system(call: String, subject: String, errno: Int32)
    case configuration(String)

    public var description: String {
        switch self {
        case .bpf(let error, let context): "\(context): \(error)"
        case .system(let call, let subject, let errno): "\(call)(\(subject)): \(String(cString: strerror(errno)))"
        case .configuration(let message): message
        }
    }
}
