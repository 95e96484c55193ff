import CSluiceBPF
import Glibc

/// A program on a cgroup v2 hook (socket connect/sendmsg/..., skb), attached
/// with BPF_F_ALLOW_MULTI so other users of the hook keep theirs, and removed
/// by program so Sluice only ever takes off what it put on.
public struct CgroupAttachment: Sendable {
    public var cgroupPath: String
    public var attachType: bpf_attach_type

    public init(cgroupPath: String, attachType: bpf_attach_type) {
        self.cgroupPath = cgroupPath
        self.attachType = attachType
    }

    /// `bpf_prog_attach` with BPF_F_ALLOW_MULTI, or BPF_F_REPLACE of `replacing`.
    public func attach(_ program: BPFProgram, replacing old: BPFProgram? = nil) throws(BPFError) {
        let cgroup = try openCgroup()
        var ret: Int32
        if let old {
            var opts = bpf_prog_attach_opts()
            opts.sz = MemoryLayout<bpf_prog_attach_opts>.size
            opts.flags = UInt32(BPF_F_ALLOW_MULTI | BPF_F_REPLACE)
            opts.replace_prog_fd = old.fd.rawValue
            ret = bpf_prog_attach_opts(program.fd.rawValue, cgroup.rawValue, attachType, &opts)
        } else {
            ret = bpf_prog_attach(program.fd.rawValue, cgroup.rawValue, attachType, UInt32(BPF_F_ALLOW_MULTI))
        }
        guard ret == 0 else { throw .libbpf(ret, call: "bpf_prog_attach", subject: "\(cgroupPath), \(program.name)") }
    }

    /// `bpf_prog_detach2`; false when the program was not attached here.
    @discardableResult
    public func detach(_ program: BPFProgram) throws(BPFError) -> Bool {
        let cgroup = try openCgroup()
        let ret = bpf_prog_detach2(program.fd.rawValue, cgroup.rawValue, attachType)
        if ret == 0 { return true }
        let error = BPFError.libbpf(ret, call: "bpf_prog_detach2", subject: "\(cgroupPath), \(program.name)")
        if error.errno == ENOENT { return false }
        throw error
    }

    /// Ids of the programs attached to this hook. `bpf_prog_query`.
    public func attachedProgramIDs() throws(BPFError) -> [UInt32] {
        let cgroup = try openCgroup()
        var ids = [UInt32](repeating: 0, count: 64)
        var count = UInt32(ids.count)
        var flags: UInt32 = 0
        let ret = bpf_prog_query(cgroup.rawValue, attachType, 0, &flags, &ids, &count)
        guard ret == 0 else { throw .libbpf(ret, call: "bpf_prog_query", subject: cgroupPath) }
        return Array(ids.prefix(Int(count)))
    }

    private func openCgroup() throws(BPFError) -> FileDescriptor {
        let fd = open(cgroupPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .errno(errno, call: "open", subject: cgroupPath) }
        return FileDescriptor(owning: fd)
    }
}
