import BPF
import Foundation
import Glibc

/// The network namespaces of the processes in a cgroup and its descendants: where the
/// socket hooks on that cgroup can have made sockets, so where the sockets they translated
/// are found. Each namespace once, as an open `/proc/PID/ns/net`, which stays valid after
/// the process exits.
enum ClientNamespaces {
    /// Bounds on a walk of a large tree; what is past them waits for the next walk.
    static let maximumCgroups = 10_000
    static let maximumProcesses = 100_000

    static func of(cgroupPath: String) -> [Namespace] {
        var seen = Set<NamespaceID>()
        var namespaces: [Namespace] = []
        var processes = 0
        for directory in cgroups(under: cgroupPath) {
            guard let text = try? String(contentsOfFile: directory + "/cgroup.procs", encoding: .utf8) else { continue }
            for pid in text.split(separator: "\n") where processes < maximumProcesses {
                processes += 1
                let fd = open("/proc/\(pid)/ns/net", O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { continue } // exited since the list was read
                var status = stat()
                guard fstat(fd, &status) == 0, seen.insert(NamespaceID(device: status.st_dev, inode: status.st_ino)).inserted
                else {
                    close(fd)
                    continue
                }
                namespaces.append(Namespace(file: FileDescriptor(owning: fd), pid: String(pid)))
            }
        }
        return namespaces
    }

    /// `path` and every cgroup below it, breadth first.
    private static func cgroups(under path: String) -> [String] {
        var found = [path]
        var next = 0
        while next < found.count && found.count < maximumCgroups {
            let directory = found[next]
            next += 1
            let children = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for child in children.sorted() where found.count < maximumCgroups {
                var isDirectory: ObjCBool = false
                let childPath = directory + "/" + child
                if FileManager.default.fileExists(atPath: childPath, isDirectory: &isDirectory), isDirectory.boolValue {
                    found.append(childPath)
                }
            }
        }
        return found
    }

    struct Namespace {
        /// `/proc/PID/ns/net`, open.
        var file: FileDescriptor
        /// A process that was in it, for messages.
        var pid: String
    }

    private struct NamespaceID: Hashable {
        var device: UInt
        var inode: UInt
    }
}
