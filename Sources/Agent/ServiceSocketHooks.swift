import BPF
import CSluiceBPF

/// sock_lb.bpf.o's eight programs on the configured cgroup, each through a link pinned
/// next to the maps (`<pin dir>/sluice_lnk_<program>`): the hooks stay while the agent is
/// down, a restarted agent swaps its programs in atomically, and `sluicectl teardown`
/// (which removes the pin directory) detaches them.
enum ServiceSocketHooks {
    static let programs: [(name: String, attachType: bpf_attach_type)] = [
        (SLUICE_PROG_CONNECT4, BPF_CGROUP_INET4_CONNECT), (SLUICE_PROG_CONNECT6, BPF_CGROUP_INET6_CONNECT),
        (SLUICE_PROG_SENDMSG4, BPF_CGROUP_UDP4_SENDMSG), (SLUICE_PROG_SENDMSG6, BPF_CGROUP_UDP6_SENDMSG),
        (SLUICE_PROG_RECVMSG4, BPF_CGROUP_UDP4_RECVMSG), (SLUICE_PROG_RECVMSG6, BPF_CGROUP_UDP6_RECVMSG),
        (SLUICE_PROG_GETPEERNAME4, BPF_CGROUP_INET4_GETPEERNAME),
        (SLUICE_PROG_GETPEERNAME6, BPF_CGROUP_INET6_GETPEERNAME),
    ]

    static func pinPath(_ pinDirectory: String, program: String) -> String {
        pinDirectory + "/sluice_lnk_" + program.replacingOccurrences(of: "sluice_", with: "")
    }

    /// Links every program of `object` to `cgroupPath`, replacing this pin directory's earlier links.
    static func attach(_ object: BPFObject, cgroupPath: String, pinDirectory: String) throws(BPFError) -> [CgroupLink] {
        var links: [CgroupLink] = []
        for (name, attachType) in programs {
            links.append(try CgroupLink.attach(try object.program(name), cgroupPath: cgroupPath, attachType: attachType,
                                               pinPath: pinPath(pinDirectory, program: name)))
        }
        return links
    }
}
