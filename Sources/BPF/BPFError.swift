import Glibc

/// A failed libbpf or bpf(2) call, with the call, what it acted on and the errno.
public struct BPFError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case keyNotFound
        case keyExists
        case mapFull
        case permissionDenied
        case notSupported
        case notFound
        case invalidArgument
        case layoutMismatch
        case system
    }

    public var kind: Kind
    /// The libbpf or system call that failed, e.g. `bpf_map_update_elem`.
    public var call: String
    /// What it acted on: an object path, a map or program name, an interface.
    public var subject: String
    public var errno: Int32
    /// libbpf's own messages around the failure (the verifier log tail on load).
    public var log: String

    public init(kind: Kind, call: String, subject: String, errno: Int32, log: String = "") {
        self.kind = kind
        self.call = call
        self.subject = subject
        self.errno = errno
        self.log = log
    }

    /// Classifies a (positive) errno from `call`; the one place errno becomes an error.
    public static func errno(_ code: Int32, call: String, subject: String, log: String = "") -> BPFError {
        let kind: Kind
        switch code {
        case ENOENT: kind = call.hasPrefix("bpf_map_") ? .keyNotFound : .notFound
        case EEXIST: kind = .keyExists
        case E2BIG, ENOSPC: kind = .mapFull
        case EPERM, EACCES: kind = .permissionDenied
        case EOPNOTSUPP, ENOTSUP, ENOSYS: kind = .notSupported
        case EINVAL: kind = .invalidArgument
        default: kind = .system
        }
        return BPFError(kind: kind, call: call, subject: subject, errno: code, log: log)
    }

    /// From a libbpf return value: negative errno, or -1 with errno set.
    static func libbpf(_ ret: Int32, call: String, subject: String, log: String = "") -> BPFError {
        let code = ret < -1 ? -ret : Glibc.errno
        return .errno(code == 0 ? EINVAL : code, call: call, subject: subject, log: log)
    }

    public var description: String {
        var text = "\(call)(\(subject)): \(String(cString: strerror(errno)))"
        if kind == .mapFull { text += " (map full)" }
        if !log.isEmpty {
            let tail = log.split(separator: "\n").suffix(8).joined(separator: "\n")
            text += "\n" + tail
        }
        return text
    }
}
