/// How a finished command ended and what it printed.
public struct ProcessResult: Sendable, Equatable {
    /// The exit status, or 128 + signal number when a signal ended it (as shells report).
    public let status: Int32
    public let stdout: String
    public let stderr: String
    public let argv: [String]

    public var succeeded: Bool { status == 0 }

    /// Returns self when the command exited 0, throws `commandFailed` otherwise.
    @discardableResult
    public func checked() throws(TestSupportError) -> ProcessResult {
        guard succeeded else { throw .commandFailed(argv: argv, status: status, stderr: stderr) }
        return self
    }
}

/// waitpid(2) status as a shell reports it.
func exitStatus(fromWaitStatus status: Int32) -> Int32 {
    let signal = status & 0x7f
    return signal == 0 ? (status >> 8) & 0xff : 128 + signal
}
