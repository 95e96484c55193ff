/// iptables-restore input shaped like kube-proxy's iptables mode: nat PREROUTING and
/// OUTPUT jump to KUBE-SERVICES, one rule per service port matching cluster IP, protocol
/// and port into KUBE-SVC-*, which picks one of three KUBE-SEP-* with `statistic --mode
/// random`, which DNATs; masquerade marking and the filter-table chains kube-proxy
/// installs on FORWARD. The probed service is the last rule of KUBE-SERVICES.
struct KubeProxyIPTablesRules {
    let scale: Int
    /// The probed service's backends (the server pods).
    let probedBackends: [String]

    /// Everything, for a restore into empty tables: the full load.
    func fullRestore(probedOpen: Bool) -> String {
        var lines = ["*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]",
                     ":POSTROUTING ACCEPT [0:0]", ":KUBE-SERVICES - [0:0]", ":KUBE-NODEPORTS - [0:0]",
                     ":KUBE-MARK-MASQ - [0:0]", ":KUBE-POSTROUTING - [0:0]"]
        lines.reserveCapacity(scale * 16 + 64)
        for index in 0..<scale {
            lines.append(":\(serviceChain(index)) - [0:0]")
            lines += (0..<3).map { ":\(endpointChain(index, $0)) - [0:0]" }
        }
        lines += [
            "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
            "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
            "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING",
            "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000",
            "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
            "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000",
            "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully",
        ]
        lines += servicesChainRules()
        for index in 0..<scale {
            lines += serviceRules(index)
            for backend in 0..<3 {
                lines += endpointRules(index, backend, open: probedOpen)
            }
        }
        lines.append("COMMIT")
        lines += filterTable()
        return lines.joined(separator: "\n") + "\n"
    }

    /// What kube-proxy restores (with --noflush) when one service's endpoints change:
    /// KUBE-SERVICES whole, and the changed service's chains.
    func probedUpdate(open: Bool) -> String {
        let probed = ScaleAddressing.probedIndex(scale: scale)
        var lines = ["*nat", ":KUBE-SERVICES - [0:0]", ":\(serviceChain(probed)) - [0:0]"]
        lines += (0..<3).map { ":\(endpointChain(probed, $0)) - [0:0]" }
        lines += servicesChainRules()
        lines += serviceRules(probed)
        for backend in 0..<3 {
            lines += endpointRules(probed, backend, open: open)
        }
        lines.append("COMMIT")
        return lines.joined(separator: "\n") + "\n"
    }

    private func servicesChainRules() -> [String] {
        (0..<scale).map { index in
            "-A KUBE-SERVICES -d \(ScaleAddressing.clusterIP(index))/32 -p tcp -m comment --comment "
                + "\"bench/svc-\(index):http cluster IP\" -m tcp --dport \(ScaleAddressing.servicePort) -j \(serviceChain(index))"
        } + ["-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS"]
    }

    private func serviceRules(_ index: Int) -> [String] {
        let chain = serviceChain(index)
        return [
            "-A \(chain) ! -s \(ScaleAddressing.podCIDR) -d \(ScaleAddressing.clusterIP(index))/32 -p tcp -m tcp "
                + "--dport \(ScaleAddressing.servicePort) -j KUBE-MARK-MASQ",
            "-A \(chain) -m statistic --mode random --probability 0.33333333349 -j \(endpointChain(index, 0))",
            "-A \(chain) -m statistic --mode random --probability 0.50000000000 -j \(endpointChain(index, 1))",
            "-A \(chain) -j \(endpointChain(index, 2))",
        ]
    }

    private func endpointRules(_ index: Int, _ backend: Int, open: Bool) -> [String] {
        let probed = index == ScaleAddressing.probedIndex(scale: scale)
        let address = probed ? probedBackends[backend % probedBackends.count]
            : ScaleAddressing.unusedBackend(service: index, backend: backend)
        let port = probed ? ScaleAddressing.probedPort(open: open) : ScaleAddressing.servedPort
        let chain = endpointChain(index, backend)
        return [
            "-A \(chain) -s \(address)/32 -j KUBE-MARK-MASQ",
            "-A \(chain) -p tcp -m tcp -j DNAT --to-destination \(address):\(port)",
        ]
    }

    /// The chains kube-proxy puts on FORWARD; empty ones cost a jump for every packet.
    private func filterTable() -> [String] {
        [
            "*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]",
            ":KUBE-FORWARD - [0:0]", ":KUBE-SERVICES - [0:0]", ":KUBE-EXTERNAL-SERVICES - [0:0]",
            ":KUBE-PROXY-FIREWALL - [0:0]",
            "-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL",
            "-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD",
            "-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
            "-A FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES",
            "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP",
            "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x4000/0x4000 -j ACCEPT",
            "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            "COMMIT",
        ]
    }

    /// kube-proxy hashes names into 16 characters; an index does the same job here.
    private func serviceChain(_ index: Int) -> String { "KUBE-SVC-\(pad(index))" }
    private func endpointChain(_ index: Int, _ backend: Int) -> String { "KUBE-SEP-\(pad(index))-\(backend)" }
    private func pad(_ index: Int) -> String {
        let text = String(index)
        return String(repeating: "0", count: max(0, 6 - text.count)) + text
    }
}
