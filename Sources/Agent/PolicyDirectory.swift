import Foundation
import Glibc

/// The manifest files of the policy directory, as the agent reads them.
/// Top level only: a Kubernetes ConfigMap mount shows its keys there as
/// symlinks into `..data`, which is followed because it stays inside.
struct PolicyDirectory: Sendable {
    let path: String
    /// Refuse what users other than the agent's own (root) could have written,
    /// as sshd's StrictModes does: whoever can write a policy file can open the node.
    var strict = true

    static let extensions: Set<String> = ["yaml", "yml", "json"]
    /// Files above this size are refused unread (a ConfigMap holds at most 1 MiB).
    static let maximumFileSize = 8 << 20

    /// Dotfiles, editor swap/backup files and temp files are never manifests.
    static func isManifestName(_ name: String) -> Bool {
        guard !name.hasPrefix("."), !name.hasSuffix("~"), !name.hasPrefix("#"),
              let dot = name.lastIndex(of: ".") else { return false }
        return extensions.contains(name[name.index(after: dot)...].lowercased())
    }

    var exists: Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Why `target` (a file, or the directory itself) must not be trusted, or nil:
    /// owned by another user than the agent's, or writable by group or others.
    func securityProblem(_ target: String) -> String? {
        guard strict else { return nil }
        var info = stat()
        guard stat(target, &info) == 0 else { return "cannot stat \(target)" }
        return securityProblem(target, info)
    }

    private func securityProblem(_ target: String, _ info: stat) -> String? {
        guard strict else { return nil }
        if info.st_uid != geteuid() {
            return "\(target) is owned by uid \(info.st_uid), not \(geteuid()); refused (--allow-insecure-policy-files)"
        }
        if info.st_mode & (S_IWGRP | S_IWOTH) != 0 {
            return "\(target) is writable by group or others (mode \(String(info.st_mode & 0o777, radix: 8))); "
                + "refused (--allow-insecure-policy-files)"
        }
        return nil
    }

    /// Manifest file names, sorted so that planning order never depends on readdir order.
    func manifestNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).filter(Self.isManifestName).sorted()
    }

    enum ReadResult: Sendable {
        case contents(String)
        case failure(String)
    }

    /// Reads one file whole, refusing what is too large, not UTF-8, or a
    /// symlink that resolves outside the directory. Plain system calls: at
    /// 10,000 files Foundation's path handling cost more than the reading.
    func read(_ name: String) -> ReadResult {
        let full = path + "/" + name
        // A plain file is inside by construction; only a symlink is resolved (realpath costs
        // a system call per path component, which shows at 10,000 files). O_NONBLOCK: a FIFO
        // named like a manifest must not hang the agent in open(2).
        var fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        var opened = full
        if fd < 0 && errno == ELOOP {
            guard let resolved = Self.realPath(full) else {
                let target = Self.linkTarget(full).map { " (dangling symlink to \($0))" } ?? ""
                return .failure("cannot read file\(target)")
            }
            let root = Self.realPath(path) ?? path
            guard resolved.hasPrefix(root + "/") else {
                return .failure("symlink leaves the policy directory (points to \(resolved))")
            }
            fd = open(resolved, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            opened = resolved
        }
        guard fd >= 0 else { return .failure("cannot read file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return .failure("not a regular file") }
        // A regular file: reads block as usual again (some network filesystems honour the flag).
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        if let problem = securityProblem(opened, info) { return .failure(problem) }
        let size = Int(info.st_size)
        guard size <= Self.maximumFileSize else {
            return .failure("file is \(size) bytes, over the limit of \(Self.maximumFileSize)")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress.map { $0 + filled }, size - filled) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            filled += count
        }
        guard filled == size else { return .failure("cannot read file: it changed size while being read") }
        // On the bytes: a string search costs more than the decoding.
        guard !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) else {
            return .failure("not UTF-8 text")
        }
        return .contents(text)
    }

    /// `read` of each name, on every core: at 10,000 files the system calls add up.
    func read(_ names: [String]) -> [ReadResult] {
        names.concurrentMap { read($0) }
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether the directory has an entry `name` (a dangling symlink counts).
    func holds(_ name: String) -> Bool {
        var info = stat()
        return lstat(path + "/" + name, &info) == 0
    }

    /// What stat(2) says of the file behind `name` (symlinks followed): when
    /// none of it changed, neither did the file, and it need not be read again.
    func stamp(_ name: String) -> FileStamp? {
        var info = stat()
        guard stat(path + "/" + name, &info) == 0 else { return nil }
        return FileStamp(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                         modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
                         changed: Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec))
    }
}

/// A file's identity and last change, as stat(2) reports them.
struct FileStamp: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: Int64
    var changed: Int64
}
