import CSluiceBPF
import Glibc

/// A program on a cgroup v2 hook through a BPF link pinned in bpffs, so the attachment
/// outlives the agent (a link lives while its pin or an fd holds it), a restarted agent
/// swaps in its new program atomically (`bpf_link_update`), and removing the pin detaches
/// it. Links on a cgroup hook always share it with other programs (multi-attach).
public struct CgroupLink: Sendable {
    public let pinPath: String
    public let fd: FileDescriptor

    /// Puts `program` on `attachType` of `cgroupPath`: by updating the link pinned at
    /// `pinPath` when it is still attached to that cgroup, otherwise by a new link pinned
    /// there. `bpf_obj_get`, `bpf_link_update`, `bpf_link_create`, `bpf_obj_pin`.
    public static func attach(_ program: BPFProgram, cgroupPath: String, attachType: bpf_attach_type,
                              pinPath: String) throws(BPFError) -> CgroupLink {
        let cgroupFD = open(cgroupPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard cgroupFD >= 0 else { throw .errno(errno, call: "open", subject: cgroupPath) }
        let cgroup = FileDescriptor(owning: cgroupFD)
        let cgroupID = try Self.cgroupID(of: cgroup.rawValue, path: cgroupPath)

        let pinned = bpf_obj_get(pinPath)
        if pinned >= 0 {
            let link = FileDescriptor(owning: pinned)
            let info = try Self.info(of: link.rawValue, subject: pinPath)
            if info.type == BPF_LINK_TYPE_CGROUP.rawValue && info.cgroup.cgroup_id == cgroupID
                && info.cgroup.attach_type == attachType.rawValue {
                let ret = bpf_link_update(link.rawValue, program.fd.rawValue, nil)
                if ret == 0 { return CgroupLink(pinPath: pinPath, fd: link) }
                // ENOLINK: the cgroup went away under the link; make a new one below.
                let error = BPFError.libbpf(ret, call: "bpf_link_update", subject: "\(pinPath), \(program.name)")
                guard error.errno == ENOLINK else { throw error }
            }
            // A link of another cgroup or hook: replace it.
            unlink(pinPath)
        }

        let ret = bpf_link_create(program.fd.rawValue, cgroup.rawValue, attachType, nil)
        guard ret >= 0 else { throw .libbpf(ret, call: "bpf_link_create", subject: "\(cgroupPath), \(program.name)") }
        let link = FileDescriptor(owning: ret)
        let pin = bpf_obj_pin(link.rawValue, pinPath)
        guard pin == 0 else { throw .libbpf(pin, call: "bpf_obj_pin", subject: pinPath) }
        return CgroupLink(pinPath: pinPath, fd: link)
    }

    /// The id of the program the link runs now. `bpf_obj_get_info_by_fd`.
    public func programID() throws(BPFError) -> UInt32 {
        try Self.info(of: fd.rawValue, subject: pinPath).prog_id
    }

    /// Detaches: unpins and ends the link (other holders of it are cut off too). `bpf_link_detach`.
    public func detach() throws(BPFError) {
        unlink(pinPath)
        let ret = bpf_link_detach(fd.rawValue)
        guard ret == 0 else { throw .libbpf(ret, call: "bpf_link_detach", subject: pinPath) }
    }

    private static func info(of fd: Int32, subject: String) throws(BPFError) -> bpf_link_info {
        var info = bpf_link_info()
        var length = UInt32(MemoryLayout<bpf_link_info>.size)
        let ret = bpf_obj_get_info_by_fd(fd, &info, &length)
        guard ret == 0 else { throw .libbpf(ret, call: "bpf_obj_get_info_by_fd", subject: subject) }
        return info
    }

    /// A cgroup v2 directory's id is its inode number (what link info reports).
    private static func cgroupID(of fd: Int32, path: String) throws(BPFError) -> UInt64 {
        var stats = stat()
        guard fstat(fd, &stats) == 0 else { throw .errno(errno, call: "fstat", subject: path) }
        return UInt64(stats.st_ino)
    }
}
