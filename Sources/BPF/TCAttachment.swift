import CSluiceBPF
import Glibc

/// A program on an interface's clsact qdisc, as a classic tc filter with
/// Sluice's fixed handle and priority. Classic filters stay attached when the
/// agent exits, so the datapath keeps enforcing while it restarts; attaching
/// again replaces the program atomically (no window without a filter).
public struct TCAttachment: Equatable, Sendable {
    public enum Direction: String, Sendable, CaseIterable {
        /// Packets the interface receives.
        case ingress
        /// Packets the interface sends.
        case egress
    }

    public var ifindex: Int32
    public var direction: Direction
    public var handle: UInt32
    public var priority: UInt32

    public init(ifindex: Int32, direction: Direction, handle: UInt32 = UInt32(SLUICE_TC_HANDLE),
                priority: UInt32 = UInt32(SLUICE_TC_PRIORITY)) {
        self.ifindex = ifindex
        self.direction = direction
        self.handle = handle
        self.priority = priority
    }

    private var subject: String { "\(NetworkInterface.name(of: ifindex) ?? "ifindex \(ifindex)") \(direction.rawValue)" }

    /// Attaches `program`, replacing whatever program holds this handle and priority.
    /// Creates the clsact qdisc when missing. `bpf_tc_hook_create`, `bpf_tc_attach`.
    public func attach(_ program: BPFProgram) throws(BPFError) {
        let ret = sluice_tc_attach(ifindex, direction == .ingress, program.fd.rawValue, handle, priority, true)
        guard ret == 0 else { throw .libbpf(ret, call: "bpf_tc_attach", subject: "\(subject), \(program.name)") }
    }

    /// Removes this filter; false when it was not there. Leaves the qdisc and other filters alone.
    /// `bpf_tc_detach`.
    @discardableResult
    public func detach() throws(BPFError) -> Bool {
        let ret = sluice_tc_detach(ifindex, direction == .ingress, handle, priority)
        if ret == 0 { return true }
        let error = BPFError.libbpf(ret, call: "bpf_tc_detach", subject: subject)
        if error.errno == ENOENT || error.errno == ENODEV || error.errno == EINVAL { return false }
        throw error
    }

    /// The id of the attached program, nil when no filter holds this handle. `bpf_tc_query`.
    public func attachedProgramID() throws(BPFError) -> UInt32? {
        var id: UInt32 = 0
        let ret = sluice_tc_query(ifindex, direction == .ingress, handle, priority, &id)
        if ret == 0 { return id }
        let error = BPFError.libbpf(ret, call: "bpf_tc_query", subject: subject)
        if error.errno == ENOENT || error.errno == EINVAL { return nil }
        throw error
    }
}
