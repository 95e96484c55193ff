import CSluiceBPF
import Glibc

/// bpffs: where maps and links are pinned so they outlive the agent.
public enum BPFFileSystem {
    public static let defaultRoot = "/sys/fs/bpf"
    private static let magic = Int(BPF_FS_MAGIC)

    /// True when `path` is on a bpf filesystem. `statfs`.
    public static func isMounted(at path: String = defaultRoot) -> Bool {
        var stats = statfs()
        return statfs(path, &stats) == 0 && Int(stats.f_type) == magic
    }

    /// Mounts bpffs at /sys/fs/bpf when nothing is mounted there. `mount(2)`.
    public static func ensureMounted(at path: String = defaultRoot) throws(BPFError) {
        if isMounted(at: path) { return }
        mkdir(path, 0o700)
        guard mount("bpf", path, "bpf", 0, nil) == 0 else {
            throw .errno(errno, call: "mount", subject: "bpffs at \(path)")
        }
    }

    /// Creates `path` (and parents) inside a mounted bpffs.
    public static func ensureDirectory(_ path: String) throws(BPFError) {
        try ensureMounted()
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw .errno(errno, call: "mkdir", subject: prefix)
            }
        }
    }

    /// Removes a pin directory and everything pinned in it (one level of subdirectories).
    /// Returns the number of pins removed.
    @discardableResult
    public static func removeDirectory(_ path: String) throws(BPFError) -> Int {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return 0 }
            throw .errno(errno, call: "opendir", subject: path)
        }
        var removed = 0
        var subdirectories: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." { continue }
            let child = path + "/" + name
            if entry.pointee.d_type == UInt8(DT_DIR) {
                subdirectories.append(child)
            } else if unlink(child) == 0 {
                removed += 1
            }
        }
        closedir(dir)
        for child in subdirectories { removed += try removeDirectory(child) }
        guard rmdir(path) == 0 || errno == ENOENT else { throw .errno(errno, call: "rmdir", subject: path) }
        return removed
    }
}
