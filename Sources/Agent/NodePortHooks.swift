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
    }

    /// Puts both programs on every configured interface, replacing older ones in place.
    func attach() throws(BPFError) {
        for (_, ifindex) in interfaces {
            try TCAttachment(ifindex: ifindex, direction: .ingress).attach(fromNetwork)
            try TCAttachment(ifindex: ifindex, direction: .egress).attach(toNetwork)
        }
    }
}
