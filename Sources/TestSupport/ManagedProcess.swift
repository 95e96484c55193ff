import Foundation
import Glibc
import Synchronization

/// A background process owned by a test: stdout and stderr go to files that can be read
/// at any time, and `stop()` (also run by `deinit` and by the owning topology's teardown)
/// kills its process group and reaps it, so nothing outlives the test.
public final class ManagedProcess: Sendable {
    public let argv: [String]
    public let pid: pid_t
    private let outputDirectory: String
    private let exitStatus = Mutex<Int32?>(nil)

    /// Starts `argv`; it runs until `stop()`.
    public init(_ argv: [String]) throws(TestSupportError) {
        let directory = try makeTemporaryDirectory(prefix: "sluice-process")
        let stdoutFD = open("\(directory)/stdout", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let stderrFD = open("\(directory)/stderr", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer {
            close(stdoutFD)
            close(stderrFD)
        }
        guard stdoutFD >= 0, stderrFD >= 0 else {
            let code = errno
            try? FileManager.default.removeItem(atPath: directory)
            throw .system(call: "open", path: directory, errno: code)
        }
        do {
            pid = try spawn(argv, stdout: stdoutFD, stderr: stderrFD)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        self.argv = argv
        outputDirectory = directory
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: outputDirectory)
    }

    /// Everything written to stdout so far.
    public var stdout: String { readOutput("stdout") }

    /// Everything written to stderr so far.
    public var stderr: String { readOutput("stderr") }

    /// True until the process has exited and been reaped.
    public var isRunning: Bool { reap() == nil }

    /// Waits until stdout holds a line equal to `line` (e.g. "ready").
    /// Throws when the process exits first or `timeout` passes.
    public func waitForLine(_ line: String, timeout: Duration = .seconds(5)) throws(TestSupportError) {
        try waitForOutput(timeout: timeout, describing: line) { stdout, _ in
            stdout.split(separator: "\n", omittingEmptySubsequences: false).contains { $0 == line }
        }
    }

    /// Waits until stdout or stderr contains `text` (e.g. a log line saying a port is bound).
    public func waitForOutput(containing text: String, timeout: Duration = .seconds(5)) throws(TestSupportError) {
        try waitForOutput(timeout: timeout, describing: text) { $0.contains(text) || $1.contains(text) }
    }

    /// Waits for the process to exit on its own; its status (128 + signal when killed), or nil on timeout.
    public func waitForExit(timeout: Duration) -> Int32? {
        let deadline = monotonicMilliseconds() + timeout.milliseconds
        while true {
            if let status = reap() { return status }
            if monotonicMilliseconds() >= deadline { return nil }
            sleep(milliseconds: 5)
        }
    }

    /// Sends `signal` to the process only (not its group), e.g. SIGHUP or SIGKILL to simulate a crash.
    public func signal(_ signal: Int32) {
        guard isRunning else { return }
        kill(pid, signal)
    }

    /// Ends the process: SIGTERM to its group, SIGKILL after `grace`, then reaps it.
    /// Returns the exit status; calling it again returns the same status.
    @discardableResult
    public func stop(grace: Duration = .seconds(2)) -> Int32 {
        if let status = reap() { return status }
        kill(-pid, SIGTERM)
        if let status = waitForExit(timeout: grace) { return status }
        kill(-pid, SIGKILL)
        return exitStatus.withLock { status in
            if let status { return status }
            var waitStatus: Int32 = 0
            waitpid(pid, &waitStatus, 0)
            let result = TestSupport.exitStatus(fromWaitStatus: waitStatus)
            status = result
            return result
        }
    }

    /// The exit status once exited, reaping the process the first time.
    private func reap() -> Int32? {
        exitStatus.withLock { status in
            if let status { return status }
            var waitStatus: Int32 = 0
            guard waitpid(pid, &waitStatus, WNOHANG) == pid else { return nil }
            let result = TestSupport.exitStatus(fromWaitStatus: waitStatus)
            status = result
            return result
        }
    }

    private func waitForOutput(
        timeout: Duration, describing what: String, until isDone: (String, String) -> Bool
    ) throws(TestSupportError) {
        let deadline = monotonicMilliseconds() + timeout.milliseconds
        while true {
            let (out, err) = (stdout, stderr)
            if isDone(out, err) { return }
            let exited = !isRunning
            if exited || monotonicMilliseconds() >= deadline {
                let ending = exited ? "exited with \(reap() ?? -1)" : "timed out after \(timeout)"
                throw .notReady(argv: argv, waitingFor: what, output: "\(ending)\nstdout:\n\(out)\nstderr:\n\(err)")
            }
            sleep(milliseconds: 10)
        }
    }

    private func readOutput(_ name: String) -> String {
        guard let data = FileManager.default.contents(atPath: "\(outputDirectory)/\(name)") else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// mkdtemp(3) under $TMPDIR or /tmp.
func makeTemporaryDirectory(prefix: String) throws(TestSupportError) -> String {
    let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
    var template = Array("\(base)/\(prefix).XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
    guard made != nil else { throw .system(call: "mkdtemp", path: base, errno: errno) }
    return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
