/// The addresses a topology hands out. Pods get /32 and /128 addresses with no
/// shared subnet: everything between them is routed by the node namespace, whose
/// host veths all carry the same link-local gateway (as Calico and Cilium do).
enum TopologyAddressing {
    /// The pods' default gateway, on every host veth.
    static let gatewayIPv4 = "169.254.1.1"
    static let gatewayIPv6 = "fe80::1"
    /// The node's own addresses (on its loopback), the source of node-originated traffic.
    static let nodeIPv4 = "10.200.0.1"
    static let nodeIPv6 = "fd00:200::1"
    /// The highest pod index there is an address for.
    static let maximumPodIndex = 240

    static func podIPv4(index: Int) -> String { "10.200.0.\(10 + index)" }
    static func podIPv6(index: Int) -> String { "fd00:200::\(10 + index)" }

    /// Commands for `ip -n POD -batch`, once `eth0` has arrived in the pod.
    static func podCommands(ipv4: String, ipv6: String) -> [String] {
        [
            "link set lo up",
            "link set eth0 up",
            "address add \(ipv4)/32 dev eth0",
            "address add \(ipv6)/128 dev eth0 nodad",
            "route add \(gatewayIPv4)/32 dev eth0 scope link",
            "route add 0.0.0.0/0 via \(gatewayIPv4) dev eth0",
            "route add ::/0 via \(gatewayIPv6) dev eth0",
        ]
    }

    /// Commands for `ip -n NODE -batch`: the veth pair (its pod end created directly
    /// in the pod's namespace, so nothing ever appears in the root namespace) and the routes.
    static func nodeCommands(pod: String, hostInterface: String, ipv4: String, ipv6: String) -> [String] {
        [
            "link add \(hostInterface) type veth peer name eth0 netns \(pod)",
            "link set \(hostInterface) up",
            "address add \(gatewayIPv4)/32 dev \(hostInterface)",
            "address add \(gatewayIPv6)/64 dev \(hostInterface) nodad",
            "route add \(ipv4)/32 dev \(hostInterface) src \(nodeIPv4)",
            "route add \(ipv6)/128 dev \(hostInterface) src \(nodeIPv6)",
        ]
    }

    static let nodeSetup = [
        "link set lo up",
        "address add \(nodeIPv4)/32 dev lo",
        "address add \(nodeIPv6)/128 dev lo",
    ]

    /// Forwarding only in the node namespace; no DAD anywhere, so addresses are usable at once.
    static let nodeSysctls = [
        "net.ipv4.ip_forward=1",
        "net.ipv6.conf.all.forwarding=1",
        "net.ipv4.conf.all.rp_filter=0",
        "net.ipv4.conf.default.rp_filter=0",
        "net.ipv6.conf.all.accept_dad=0",
        "net.ipv6.conf.default.accept_dad=0",
    ]

    static let podSysctls = [
        "net.ipv6.conf.all.accept_dad=0",
        "net.ipv6.conf.default.accept_dad=0",
    ]
}
