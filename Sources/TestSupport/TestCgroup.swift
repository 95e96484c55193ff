import BPF
import Foundation
import Glibc

/// A fresh child cgroup (`<cgroup2 mount>/sl<random>`, never the root cgroup) for
/// attaching cgroup programs; processes are started inside it with `command(_:)`.
/// `remove()` or `deinit` kills what is left in it and removes it.
public final class TestCgroup: Sendable {
    public let path: String

    private init(path: String) {
        self.path = path
    }

    deinit {
        remove()
    }

    /// Makes the cgroup under the cgroup2 mount found in /proc/self/mountinfo.
    public static func make() throws(TestSupportError) -> TestCgroup {
        guard let mount = CgroupFileSystem.mountPoint() else {
            throw .mountNotFound(filesystem: "cgroup2")
        }
        for _ in 0..<8 {
            let path = "\(mount)/\(randomName())"
            if mkdir(path, 0o755) == 0 { return TestCgroup(path: path) }
            guard errno == EEXIST else { throw .system(call: "mkdir", path: path, errno: errno) }
        }
        throw .namesExhausted(prefix: "\(mount)/sl", attempts: 8)
    }

    /// `argv` wrapped so that it joins this cgroup before it execs: its first
    /// connect() already runs under the cgroup's programs.
    public func command(_ argv: [String]) -> [String] {
        ["/bin/sh", "-c", "echo $$ > '\(path)/cgroup.procs' && exec \"$@\"", "sh"] + argv
    }

    /// The processes in the cgroup now.
    public var processes: [pid_t] {
        guard let data = FileManager.default.contents(atPath: "\(path)/cgroup.procs") else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { pid_t($0) }
    }

    /// Kills the processes left inside (never the test process itself) and removes the cgroup.
    public func remove() {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let deadline = monotonicMilliseconds() + 2000
        while true {
            let left = processes.filter { $0 != getpid() }
            left.forEach { kill($0, SIGKILL) }
            if rmdir(path) == 0 || errno == ENOENT { return }
            let code = errno
            if monotonicMilliseconds() >= deadline {
                reportCleanupFailure("rmdir \(path): \(errorText(code)); processes: \(processes)")
                return
            }
            sleep(milliseconds: 10)
        }
    }
}
