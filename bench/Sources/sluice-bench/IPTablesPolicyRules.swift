/// iptables-restore input for NetworkPolicy-style filtering the way iptables-based policy
/// controllers do it: established traffic accepted first on FORWARD, new connections to
/// the server pods walk one chain of N allow rules (the one matching the client last),
/// then a drop.
struct IPTablesPolicyRules {
    static let chain = "POD-INGRESS-POLICY"

    let scale: Int
    let client: String
    let servers: [String]

    /// The filter table with the policy chain holding only its final drop: default deny.
    func denyAll() -> String {
        table(rules: [])
    }

    /// The full load: all N rules.
    func fullRestore(probedOpen: Bool) -> String {
        table(rules: allowRules(probedOpen: probedOpen))
    }

    /// A controller's sync after one policy changed: the chain rewritten whole (--noflush).
    func probedUpdate(open: Bool) -> String {
        (["*filter", ":\(Self.chain) - [0:0]"] + allowRules(probedOpen: open) + [dropRule, "COMMIT"])
            .joined(separator: "\n") + "\n"
    }

    private func table(rules: [String]) -> String {
        var lines = ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]",
                     ":\(Self.chain) - [0:0]",
                     "-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"]
        lines += servers.map { "-A FORWARD -d \($0)/32 -j \(Self.chain)" }
        lines += rules
        lines += [dropRule, "COMMIT"]
        return lines.joined(separator: "\n") + "\n"
    }

    private var dropRule: String { "-A \(Self.chain) -j DROP" }

    private func allowRules(probedOpen: Bool) -> [String] {
        var rules = (0..<(scale - 1)).map { index in
            "-A \(Self.chain) -s \(ScaleAddressing.unusedPeer(index))/32 -p tcp -m tcp "
                + "--dport \(ScaleAddressing.unusedPeerPort(index)) -j ACCEPT"
        }
        rules.append("-A \(Self.chain) -s \(client)/32 -p tcp -m tcp --dport \(ScaleAddressing.probedPort(open: probedOpen)) -j ACCEPT")
        return rules
    }
}
