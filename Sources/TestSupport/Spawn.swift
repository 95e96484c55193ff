import Glibc

/// Starts `argv` (looked up in PATH plus the sbin directories) in a process group
/// of its own, so a timeout or cleanup can kill whatever it started too.
/// stdin is /dev/null; stdout and stderr go to the given descriptors.
func spawn(_ argv: [String], stdout: Int32, stderr: Int32) throws(TestSupportError) -> pid_t {
    guard let name = argv.first else { throw .spawnFailed(argv: argv, errno: EINVAL) }
    let executable = try resolveExecutable(name)

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, stdout, 1)
    posix_spawn_file_actions_adddup2(&actions, stderr, 2)

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    // The test runner's blocked and ignored signals must not leak into children.
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    var allSignals = sigset_t()
    sigfillset(&allSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    posix_spawnattr_setpgroup(&attributes, 0)
    posix_spawnattr_setflags(
        &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { cArguments.forEach { free($0) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, executable, &actions, &attributes, cArguments, environ)
    guard result == 0 else { throw .spawnFailed(argv: argv, errno: result) }
    return pid
}

private let fallbackSearchPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

/// An absolute path for `name`; test runners often lack /usr/sbin (where `ip` lives) in PATH.
func resolveExecutable(_ name: String) throws(TestSupportError) -> String {
    if name.contains("/") { return name }
    let path = getenv("PATH").map { String(cString: $0) } ?? ""
    let directories = path.split(separator: ":").map(String.init) + fallbackSearchPath
    for directory in directories where access("\(directory)/\(name)", X_OK) == 0 {
        return "\(directory)/\(name)"
    }
    throw .binaryNotFound(name: name, searched: directories)
}

/// A one-way channel whose ends are close-on-exec from the start, so a concurrent
/// spawn never inherits them (pipe2 is not in Glibc's Swift module; socketpair is).
func makePipe() throws(TestSupportError) -> (read: Int32, write: Int32) {
    var fds: [Int32] = [-1, -1]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
        throw .system(call: "socketpair", path: "", errno: errno)
    }
    shutdown(fds[0], Int32(SHUT_WR))
    shutdown(fds[1], Int32(SHUT_RD))
    return (fds[0], fds[1])
}
