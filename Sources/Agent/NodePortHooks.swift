import BPF
import CSluiceBPF
import Glibc

/// tc_node.bpf.o on the interfaces named by `--nodeport-interfaces`: DNAT of NodePort and
/// ClusterIP packets arriving there (tc ingress), reverse NAT of the replies leaving there
/// (tc egress). It shares the service maps with the socket load balancer through the pin
/// directory. Classic tc filters with Sluice's handle and priority, like the pod datapath:
/// they stay while the agent restarts, and attaching again swaps the programs in place.
final class NodePortHooks {
    static let objectName = "tc_node.bpf.o"

    let object: BPFObject
    let fromNetwork: BPFProgram
    let toNetwork: BPFProgram
    let nat: BPFMap<sluice_nat_key, sluice_nat_value>
    /// Which interfaces carry tc_node, for `sluicectl teardown`.
    let attachedInterfaces: BPFMap<UInt32, UInt32>
    /// Interface names as configured, with their indexes at start-up.
    let interfaces: [(name: String, ifindex: Int32)]

    /// `capacities` resizes maps by name before load, as for the other objects sharing the pins.
    init(objectDirectory: String, pinDirectory: String, interfaces names: [String],
         capacities: [String: UInt32] = [:]) throws(BPFError) {
        var interfaces: [(name: String, ifindex: Int32)] = []
        for name in names {
            guard let ifindex = NetworkInterface.index(of: name) else {
                throw .errno(ENODEV, call: "if_nametoindex", subject: "--nodeport-interfaces \(name)")
            }
            interfaces.append((name, ifindex))
        }
        self.interfaces = interfaces
        object = try BPFObject(path: objectDirectory + "/" + Self.objectName, pinDirectory: pinDirectory,
                               capacities: capacities)
        fromNetwork = try object.program(SLUICE_PROG_FROM_NETWORK)
        toNetwork = try object.program(SLUICE_PROG_TO_NETWORK)
        nat = try object.map(SLUICE_MAP_NAT)
        attachedInterfaces = try object.map(SLUICE_MAP_NODEPORT_INTERFACES)
    }

    /// Puts both programs on every configured interface, replacing older ones in place, and
    /// records the interfaces. An interface an earlier agent recorded and this one is not
    /// told about loses the programs, if they are still tc_node's: its index may name another
    /// interface by now (a pod's, with a filter of the same handle), so the index alone is
    /// not enough to detach.
    func attach() throws(BPFError) {
        guard interfaces.count <= Int(SLUICE_NODEPORT_INTERFACES_MAX) else {
            throw .errno(E2BIG, call: "attach", subject: "--nodeport-interfaces: more than \(SLUICE_NODEPORT_INTERFACES_MAX)")
        }
        let wanted = Set(interfaces.map(\.ifindex))
        for slot in 0..<UInt32(SLUICE_NODEPORT_INTERFACES_MAX) {
            guard let recorded = try attachedInterfaces.lookup(slot), recorded != 0 else { continue }
            let ifindex = Int32(bitPattern: recorded)
            guard !wanted.contains(ifindex) else { continue }
            if try Self.carriesNodePortPrograms(ifindex: ifindex) { try Self.detach(ifindex: ifindex) }
        }
        for (slot, (_, ifindex)) in interfaces.enumerated() {
            try TCAttachment(ifindex: ifindex, direction: .ingress).attach(fromNetwork)
            try TCAttachment(ifindex: ifindex, direction: .egress).attach(toNetwork)
            try attachedInterfaces.update(UInt32(slot), UInt32(bitPattern: ifindex))
        }
        for slot in interfaces.count..<Int(SLUICE_NODEPORT_INTERFACES_MAX) {
            try attachedInterfaces.update(UInt32(slot), 0)
        }
    }

    static func detach(ifindex: Int32) throws(BPFError) {
        for direction in TCAttachment.Direction.allCases {
            try TCAttachment(ifindex: ifindex, direction: direction).detach()
        }
    }

    /// Detaches tc_node from the interfaces recorded under `pinDirectory`; their names.
    static func detachRecorded(pinDirectory: String) throws(BPFError) -> [String] {
        guard let recorded = try? BPFMap<UInt32, UInt32>(pinnedAt: pinDirectory + "/" + SLUICE_MAP_NODEPORT_INTERFACES)
        else { return [] }
        var names: [String] = []
        for slot in 0..<UInt32(SLUICE_NODEPORT_INTERFACES_MAX) {
            guard let ifindex = try recorded.lookup(slot), ifindex != 0,
                  let name = NetworkInterface.name(of: Int32(bitPattern: ifindex)),
                  try carriesNodePortPrograms(ifindex: Int32(bitPattern: ifindex)) else { continue }
            try detach(ifindex: Int32(bitPattern: ifindex))
            names.append(name)
        }
        return names
    }

    /// True when Sluice's ingress filter on the interface runs tc_node's program (by name:
    /// the kernel keeps the first BPF_OBJ_NAME_LEN - 1 characters).
    static func carriesNodePortPrograms(ifindex: Int32) throws(BPFError) -> Bool {
        guard let id = try TCAttachment(ifindex: ifindex, direction: .ingress).attachedProgramID() else { return false }
        let fd = bpf_prog_get_fd_by_id(id)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var info = bpf_prog_info()
        var length = UInt32(MemoryLayout<bpf_prog_info>.size)
        guard bpf_obj_get_info_by_fd(fd, &info, &length) == 0 else { return false }
        let name = withUnsafeBytes(of: info.name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return !name.isEmpty && SLUICE_PROG_FROM_NETWORK.hasPrefix(name)
    }
}
