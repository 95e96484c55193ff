/// A row of the report: one way of getting the client's traffic to the servers.
struct Subject: Sendable {
    enum Kind: String, Codable, Sendable {
        /// Nothing attached: the machine's limit.
        case baseline
        /// NetworkPolicy enforcement; traffic goes pod to pod.
        case policy
        /// Service load balancing; traffic goes to a cluster IP.
        case service
    }

    /// Which baseline a row's ratios divide by: the client pod straight to a server pod, or
    /// the external client straight to a server pod through the node's routing.
    enum Baseline: String, Codable, Sendable {
        case pod, external
    }

    /// A second row measured on the same loaded system, alternately with this one.
    struct Companion: Sendable {
        let id: String
        let title: String
    }

    let id: String
    let title: String
    let kind: Kind
    var baseline: Baseline = .pod
    /// For a service row whose session names a `backendTarget`: the row of the same agent and
    /// client with the client connecting straight to the backend, so the ratio between the two
    /// is what the service translation costs, without the pod datapath both share.
    var straightToBackend: Companion?
    /// Why the subject cannot run in this build, if it cannot.
    let unavailableReason: String?
    /// Nil for the baseline, which has nothing to load or change.
    let makeSession: (@Sendable (SessionContext) throws -> SubjectSession)?
}

enum SubjectCatalog {
    static let baseline = Subject(id: "baseline", title: "baseline (nothing attached)", kind: .baseline,
                                  unavailableReason: nil, makeSession: nil)
    /// For rows whose client is outside the node: its namespace straight to the first server.
    static let externalBaseline = Subject(id: "baseline-external", title: "baseline, external client (nothing attached)",
                                          kind: .baseline, baseline: .external, unavailableReason: nil, makeSession: nil)

    static func baseline(_ which: Subject.Baseline) -> Subject {
        which == .pod ? baseline : externalBaseline
    }

    /// Every row besides the baseline, policy rows first.
    static func all(environment: BenchEnvironment) -> [Subject] {
        let socketLB = environment.socketLBObject == nil
            ? "not available in this build: no \(BenchEnvironment.socketLBObject) in \(environment.bpfDirectory)" : nil
        let nodePort = environment.nodePortObject == nil
            ? "not available in this build: no \(BenchEnvironment.nodePortObject) in \(environment.bpfDirectory)" : nil
        return [
            Subject(id: "sluice-policy", title: "Sluice, N NetworkPolicies", kind: .policy, unavailableReason: nil,
                    makeSession: { SluicePolicySession($0) }),
            Subject(id: "iptables-policy-nft", title: "iptables (nft) policy chain, N rules", kind: .policy,
                    unavailableReason: nil, makeSession: { try IPTablesPolicySession($0, backend: .nft) }),
            Subject(id: "iptables-policy-legacy", title: "iptables (legacy) policy chain, N rules", kind: .policy,
                    unavailableReason: nil, makeSession: { try IPTablesPolicySession($0, backend: .legacy) }),
            Subject(id: "sluice-socket-lb", title: "Sluice services, socket LB", kind: .service,
                    straightToBackend: Subject.Companion(id: "sluice-socket-lb-backend",
                                                         title: "Sluice services, socket LB: same agent, straight to the backend"),
                    unavailableReason: socketLB, makeSession: { SluiceServiceSession($0) }),
            Subject(id: "sluice-per-packet-lb", title: "Sluice services, per-packet path (NodePort, external client)",
                    kind: .service, baseline: .external, unavailableReason: nodePort,
                    makeSession: { SluiceNodePortSession($0) }),
            Subject(id: "kube-proxy-iptables-nft", title: "kube-proxy iptables mode (nft backend)", kind: .service,
                    unavailableReason: nil, makeSession: { try KubeProxyIPTablesSession($0, backend: .nft) }),
            Subject(id: "kube-proxy-iptables-legacy", title: "kube-proxy iptables mode (legacy backend)", kind: .service,
                    unavailableReason: nil, makeSession: { try KubeProxyIPTablesSession($0, backend: .legacy) }),
            Subject(id: "kube-proxy-nftables", title: "kube-proxy nftables mode", kind: .service,
                    unavailableReason: nil, makeSession: { try KubeProxyNFTablesSession($0) }),
        ]
    }
}
