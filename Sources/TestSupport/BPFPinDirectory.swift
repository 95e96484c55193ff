import BPF
import Glibc

/// A fresh directory in bpffs (`/sys/fs/bpf/sl<random>`) for a test's pins, removed
/// with everything pinned in it by `remove()` or `deinit`.
public final class BPFPinDirectory: Sendable {
    public static let bpffsMountPoint = BPFFileSystem.defaultRoot

    public let path: String

    private init(path: String) {
        self.path = path
    }

    deinit {
        remove()
    }

    /// Mounts bpffs at /sys/fs/bpf when nothing is mounted there, then makes the directory.
    public static func make() throws(TestSupportError) -> BPFPinDirectory {
        try mountBPFFSIfNeeded()
        for _ in 0..<8 {
            let path = "\(bpffsMountPoint)/\(randomName())"
            if mkdir(path, 0o700) == 0 { return BPFPinDirectory(path: path) }
            guard errno == EEXIST else { throw .system(call: "mkdir", path: path, errno: errno) }
        }
        throw .namesExhausted(prefix: "\(bpffsMountPoint)/sl", attempts: 8)
    }

    /// Deletes the directory and every pin under it. Idempotent.
    public func remove() {
        do {
            try BPFFileSystem.removeDirectory(path)
        } catch {
            reportCleanupFailure("removing \(path): \(error)")
        }
    }

    /// A lock file serializes the check and the mount across test processes, so two
    /// never stack a second bpffs over pins the first one already made.
    static func mountBPFFSIfNeeded() throws(TestSupportError) {
        let lockPath = "/run/sluice-test-bpffs.lock"
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw .system(call: "open", path: lockPath, errno: errno) }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else { throw .system(call: "flock", path: lockPath, errno: errno) }
        defer { flock(lock, LOCK_UN) }
        do {
            try BPFFileSystem.ensureMounted(at: bpffsMountPoint)
        } catch {
            throw .underlying("\(error)")
        }
    }
}
