import Glibc

/// Runs a helper (`ip`, `nsenter`) to completion with a bounded wait: stdin from
/// `input`, stdout and stderr collected. The child gets its own process group, so a
/// timeout kills whatever it started too.
struct Subprocess {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    enum Failure: Error, CustomStringConvertible {
        case notFound(String)
        case spawn(argv: [String], errno: Int32)
        case timedOut(argv: [String])

        var description: String {
            switch self {
            case .notFound(let name): "\(name) not found in PATH or the sbin directories"
            case .spawn(let argv, let code): "spawning \(argv.joined(separator: " ")): \(String(cString: strerror(code)))"
            case .timedOut(let argv): "\(argv.joined(separator: " ")) did not finish in time"
            }
        }
    }

    private static let fallbackPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    static func run(_ argv: [String], input: String = "", timeout: Duration = .seconds(10)) throws(Failure) -> Output {
        guard let name = argv.first else { throw .notFound("") }
        let executable = try resolve(name)
        var inputPipe: [Int32] = [-1, -1]
        var outputPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        // The plugin is single-threaded: nothing can spawn between pipe() and FD_CLOEXEC.
        guard makePipe(&inputPipe) else { throw .spawn(argv: argv, errno: errno) }
        guard makePipe(&outputPipe) else {
            inputPipe.forEach { close($0) }
            throw .spawn(argv: argv, errno: errno)
        }
        guard makePipe(&errorPipe) else {
            (inputPipe + outputPipe).forEach { close($0) }
            throw .spawn(argv: argv, errno: errno)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inputPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        let cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, cArguments, environ)
        [inputPipe[0], outputPipe[1], errorPipe[1]].forEach { close($0) }
        guard spawned == 0 else {
            [inputPipe[1], outputPipe[0], errorPipe[0]].forEach { close($0) }
            throw .spawn(argv: argv, errno: spawned)
        }
        // Inputs are a few hundred bytes, well under a pipe's buffer: written at once.
        let bytes = Array(input.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(inputPipe[1], $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            written += count
        }
        close(inputPipe[1])
        defer { [outputPipe[0], errorPipe[0]].forEach { close($0) } }

        let deadline = ContinuousClock.now + timeout
        var collected: [Int32: [UInt8]] = [outputPipe[0]: [], errorPipe[0]: []]
        var open = [outputPipe[0], errorPipe[0]]
        while !open.isEmpty, ContinuousClock.now < deadline {
            var entries = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&entries, nfds_t(entries.count), 50)
            if ready < 0, errno != EINTR { break }
            for entry in entries where entry.revents != 0 {
                var buffer = [UInt8](repeating: 0, count: 16384)
                let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    collected[entry.fd, default: []] += buffer.prefix(count)
                } else if count == 0 || errno != EINTR {
                    open.removeAll { $0 == entry.fd }
                }
            }
        }
        var waitStatus: Int32 = 0
        while ContinuousClock.now < deadline {
            let reaped = waitpid(pid, &waitStatus, WNOHANG)
            if reaped == pid {
                let signal = waitStatus & 0x7f
                return Output(status: signal == 0 ? (waitStatus >> 8) & 0xff : 128 + signal,
                              stdout: String(decoding: collected[outputPipe[0]] ?? [], as: UTF8.self),
                              stderr: String(decoding: collected[errorPipe[0]] ?? [], as: UTF8.self))
            }
            if reaped < 0 && errno != EINTR { break }
            usleep(1000)
        }
        kill(-pid, SIGKILL)
        waitpid(pid, &waitStatus, 0)
        throw .timedOut(argv: argv)
    }

    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    /// An absolute path for `name`: runtimes often start plugins with a bare PATH.
    private static func resolve(_ name: String) throws(Failure) -> String {
        if name.contains("/") { return name }
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        for directory in path.split(separator: ":").map(String.init) + fallbackPath
        where access("\(directory)/\(name)", X_OK) == 0 {
            return "\(directory)/\(name)"
        }
        throw .notFound(name)
    }
}
