import CSluiceBPF
import Glibc

/// An iterator program (`SEC("iter/...")`) attached through a link the caller holds; each
/// `run` walks the kernel objects once and returns what the program wrote.
public struct BPFIterator: Sendable {
    public let name: String
    let link: FileDescriptor

    /// `bpf_link_create(BPF_TRACE_ITER)`; not pinned, so it goes with the last copy.
    public init(_ program: BPFProgram) throws(BPFError) {
        let ret = bpf_link_create(program.fd.rawValue, 0, BPF_TRACE_ITER, nil)
        guard ret >= 0 else { throw .libbpf(ret, call: "bpf_link_create", subject: "iterator \(program.name)") }
        name = program.name
        link = FileDescriptor(owning: ret)
    }

    /// Walks the objects of the network namespace `namespace` (an open `/proc/PID/ns/net`;
    /// nil: the caller's) and returns how many bytes the program wrote. `bpf_iter_create`, `read`.
    public func run(inNetworkNamespace namespace: Int32? = nil) throws(BPFError) -> Int {
        let ret = sluice_iter_read(link.rawValue, namespace ?? -1)
        guard ret >= 0 else { throw .errno(Int32(-ret), call: "bpf_iter_create", subject: name) }
        return ret
    }
}
