/// `nft -f` input shaped like kube-proxy's nftables mode: a verdict map from
/// daddr . protocol . dport to one chain per service, which picks one of three endpoint
/// chains with `numgen random`, which DNATs; masquerade marking, the node-port lookup
/// and the new-connection check on forward that kube-proxy installs.
struct KubeProxyNFTablesRules {
    static let table = "kube-proxy"

    let scale: Int
    let probedBackends: [String]

    /// The whole table in one transaction: the full load.
    func fullLoad(probedOpen: Bool) -> String {
        var lines = ["table ip \(Self.table) {"]
        lines.reserveCapacity(scale * 14 + 64)
        lines += [
            "  chain mark-for-masquerade {", "    meta mark set meta mark or 0x4000", "  }",
            "  chain masquerading {", "    meta mark & 0x4000 == 0 return", "    meta mark set meta mark xor 0x4000",
            "    masquerade fully-random", "  }",
            "  map no-endpoint-services {", "    type ipv4_addr . inet_proto . inet_service : verdict", "  }",
            "  map service-nodeports {", "    type inet_proto . inet_service : verdict", "  }",
            "  chain service-endpoints-check {",
            "    ip daddr . meta l4proto . th dport vmap @no-endpoint-services", "  }",
        ]
        for index in 0..<scale {
            for backend in 0..<3 {
                lines += ["  chain \(endpointChain(index, backend)) {"] + endpointRules(index, backend, open: probedOpen)
                    + ["  }"]
            }
            lines += ["  chain \(serviceChain(index)) {"] + serviceRules(index) + ["  }"]
        }
        lines.append("  map service-ips {")
        lines.append("    type ipv4_addr . inet_proto . inet_service : verdict")
        let elements = (0..<scale).map { index in
            "      \(ScaleAddressing.clusterIP(index)) . tcp . \(ScaleAddressing.servicePort) : goto \(serviceChain(index))"
        }
        lines.append("    elements = {\n" + elements.joined(separator: ",\n") + "\n    }")
        lines.append("  }")
        lines += [
            "  chain services {",
            "    ip daddr . meta l4proto . th dport vmap @service-ips",
            "    fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports",
            "  }",
            "  chain nat-prerouting {", "    type nat hook prerouting priority -100; policy accept;", "    jump services", "  }",
            "  chain nat-output {", "    type nat hook output priority -100; policy accept;", "    jump services", "  }",
            "  chain nat-postrouting {", "    type nat hook postrouting priority 100; policy accept;", "    jump masquerading", "  }",
            "  chain filter-forward {", "    type filter hook forward priority -110; policy accept;",
            "    ct state new jump service-endpoints-check", "  }",
            "}",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// One transaction rewriting the probed service's endpoint chains, as kube-proxy
    /// does when a service's endpoints change.
    func probedUpdate(open: Bool) -> String {
        let probed = ScaleAddressing.probedIndex(scale: scale)
        var lines: [String] = []
        for backend in 0..<3 {
            let chain = endpointChain(probed, backend)
            lines.append("flush chain ip \(Self.table) \(chain)")
            lines += endpointRules(probed, backend, open: open).map { "add rule ip \(Self.table) \(chain) \($0.trimmingLeadingSpaces)" }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func serviceRules(_ index: Int) -> [String] {
        let targets = (0..<3).map { "\($0) : goto \(endpointChain(index, $0))" }.joined(separator: ", ")
        return [
            "    ip daddr \(ScaleAddressing.clusterIP(index)) tcp dport \(ScaleAddressing.servicePort) "
                + "ip saddr != \(ScaleAddressing.podCIDR) jump mark-for-masquerade",
            "    numgen random mod 3 vmap { \(targets) }",
        ]
    }

    private func endpointRules(_ index: Int, _ backend: Int, open: Bool) -> [String] {
        let probed = index == ScaleAddressing.probedIndex(scale: scale)
        let address = probed ? probedBackends[backend % probedBackends.count]
            : ScaleAddressing.unusedBackend(service: index, backend: backend)
        let port = probed ? ScaleAddressing.probedPort(open: open) : ScaleAddressing.servedPort
        return [
            "    ip saddr \(address) jump mark-for-masquerade",
            "    meta l4proto tcp dnat to \(address):\(port)",
        ]
    }

    private func serviceChain(_ index: Int) -> String { "service-\(index)-bench-svc-\(index)-tcp-http" }
    private func endpointChain(_ index: Int, _ backend: Int) -> String { "endpoint-\(index)-\(backend)-tcp-http" }
}

extension String {
    var trimmingLeadingSpaces: String { String(drop { $0 == " " }) }
}
