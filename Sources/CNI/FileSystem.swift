import Glibc

/// The few file operations the plugin and the agent share, on plain syscalls so every
/// failure keeps its errno and path, and so exclusive creation is really exclusive.
public enum FileSystem {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var call: String
        public var path: String
        public var errno: Int32

        public var description: String { "\(call) \(path): \(String(cString: strerror(errno)))" }
    }

    /// `mkdir -p` with `mode` for the directories it makes.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(Failure) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0 && errno != EEXIST {
                throw Failure(call: "mkdir", path: current, errno: errno)
            }
        }
    }

    /// The names in `path` except `.` and `..`; empty when it does not exist.
    public static func list(_ path: String) throws(Failure) -> [String] {
        guard let directory = opendir(path) else {
            if errno == ENOENT { return [] }
            throw Failure(call: "opendir", path: path, errno: errno)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The whole file (up to 1 MiB); nil when it does not exist.
    public static func read(_ path: String) throws(Failure) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw Failure(call: "open", path: path, errno: errno)
        }
        defer { close(fd) }
        var contents: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while contents.count < 1 << 20 {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(call: "read", path: path, errno: errno)
            }
            if count == 0 { break }
            contents += buffer.prefix(count)
        }
        return contents
    }

    /// Writes `contents` so that readers see the old file or the new one, never a part:
    /// a temporary file in the same directory, fsync, rename.
    public static func writeAtomically(_ path: String, _ contents: [UInt8], mode: mode_t = 0o644) throws(Failure) {
        let temporary = try writeTemporary(next: path, contents, mode: mode)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw Failure(call: "rename", path: path, errno: code)
        }
    }

    /// Creates `path` holding `contents` only if nothing is there: the contents are
    /// complete before the name appears (link(2) of a written temporary file), so a crash
    /// never leaves an empty record. False when `path` exists.
    public static func createExclusively(_ path: String, _ contents: [UInt8], mode: mode_t = 0o644) throws(Failure) -> Bool {
        let temporary = try writeTemporary(next: path, contents, mode: mode)
        defer { unlink(temporary) }
        guard link(temporary, path) == 0 else {
            if errno == EEXIST { return false }
            throw Failure(call: "link", path: path, errno: errno)
        }
        return true
    }

    /// Removes a file; false when it was not there.
    @discardableResult
    public static func remove(_ path: String) throws(Failure) -> Bool {
        guard unlink(path) == 0 else {
            if errno == ENOENT { return false }
            throw Failure(call: "unlink", path: path, errno: errno)
        }
        return true
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Temporary files start with this; a crash can leave one behind, never a half record.
    public static let temporaryPrefix = ".tmp-"

    private static func writeTemporary(next path: String, _ contents: [UInt8], mode: mode_t) throws(Failure) -> String {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let directory = String(path[..<slash])
        var fd: Int32 = -1
        var temporary = ""
        for _ in 0..<8 {
            temporary = directory + temporaryPrefix + String(getpid()) + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw Failure(call: "open", path: temporary, errno: errno) }
        defer { close(fd) }
        var written = 0
        while written < contents.count {
            let count = contents[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                let code = errno
                unlink(temporary)
                throw Failure(call: "write", path: temporary, errno: code)
            }
            written += count
        }
        guard fsync(fd) == 0 else {
            let code = errno
            unlink(temporary)
            throw Failure(call: "fsync", path: temporary, errno: code)
        }
        return temporary
    }
}
