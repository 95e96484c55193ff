import Glibc

/// Runs `argv` to completion and collects its output. When it outlives `timeout`
/// its whole process group is killed and `timedOut` is thrown.
///
/// A non-zero exit is not an error here: check `status` or call `checked()`.
public func run(_ argv: [String], timeout: Duration = .seconds(10)) throws(TestSupportError) -> ProcessResult {
    let out = try makePipe()
    let err: (read: Int32, write: Int32)
    do {
        err = try makePipe()
    } catch {
        close(out.read)
        close(out.write)
        throw error
    }
    let pid: pid_t
    do {
        pid = try spawn(argv, stdout: out.write, stderr: err.write)
    } catch {
        [out.read, out.write, err.read, err.write].forEach { close($0) }
        throw error
    }
    close(out.write)
    close(err.write)
    defer {
        close(out.read)
        close(err.read)
    }

    let deadline = monotonicMilliseconds() + timeout.milliseconds
    var collected = [out.read: [UInt8](), err.read: [UInt8]()]
    var open = [out.read, err.read]
    while !open.isEmpty, monotonicMilliseconds() < deadline {
        var entries = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let ready = poll(&entries, nfds_t(entries.count), Int32(max(1, deadline - monotonicMilliseconds())))
        if ready < 0, errno != EINTR { break }
        for entry in entries where entry.revents != 0 {
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
            if count > 0 {
                collected[entry.fd, default: []] += buffer.prefix(count)
            } else if count == 0 || errno != EINTR {
                open.removeAll { $0 == entry.fd }
            }
        }
    }
    let stdout = String(decoding: collected[out.read] ?? [], as: UTF8.self)
    let stderr = String(decoding: collected[err.read] ?? [], as: UTF8.self)

    // Both pipes closed: the process is exiting. Still bounded, since a child can close them early.
    var waitStatus: Int32 = 0
    while monotonicMilliseconds() < deadline {
        if waitpid(pid, &waitStatus, WNOHANG) == pid {
            return ProcessResult(status: exitStatus(fromWaitStatus: waitStatus), stdout: stdout, stderr: stderr, argv: argv)
        }
        sleep(milliseconds: 2)
    }
    kill(-pid, SIGKILL)
    waitpid(pid, &waitStatus, 0)
    throw .timedOut(argv: argv, after: timeout, output: stdout + stderr)
}
