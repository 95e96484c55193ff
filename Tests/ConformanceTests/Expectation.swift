import TestSupport

/// What a scenario should allow, written the way one reads its policies aloud and
/// evaluated without any of the product's code:
///
///     Expectation()
///         .isolatingIngress(of: "x/a")
///         .allowingIngress(to: "x/a", from: "y/*", on: [.tcp80])
///
/// A cell is reachable when its destination's ingress allows it and its source's
/// egress allows it. A pod that no policy isolates in a direction allows everything
/// in that direction; an isolated one allows only what some allowance lists (the
/// union over all policies). Replies need no allowance: they belong to the allowed
/// flow. A pod reaching its own address never leaves its namespace, so no
/// enforcement point sees it: self cells are always reachable (as Kubernetes'
/// e2e suite allows loopback).
struct Expectation: Sendable, CustomStringConvertible {
    /// Traffic between `local` pods and `peers` in one direction, on `ports` over `families`.
    struct Allowance: Sendable, CustomStringConvertible {
        var local: Pods
        var peers: Pods
        var ports: Set<ProbePort>
        var families: Set<AddressFamily>

        func covers(local pod: PodID, peer: PodID, port: ProbePort, family: AddressFamily) -> Bool {
            local.contains(pod) && peers.contains(peer) && ports.contains(port) && families.contains(family)
        }

        var description: String {
            let portText = ports == ProbePort.all ? "all ports" : ports.sorted().map(\.description).joined(separator: ",")
            let familyText = families.count == AddressFamily.allCases.count ? "" : " over " + families.map(\.rawValue).sorted().joined(separator: ",")
            return "[\(local)] with [\(peers)] on \(portText)\(familyText)"
        }
    }

    private(set) var ingressIsolated: Pods = .none
    private(set) var egressIsolated: Pods = .none
    private(set) var ingress: [Allowance] = []
    private(set) var egress: [Allowance] = []

    /// Nothing isolated: every cell reachable.
    init() {}

    func isolatingIngress(of pods: Pods) -> Expectation {
        var result = self
        result.ingressIsolated = Pods.union(ingressIsolated, pods)
        return result
    }

    func isolatingEgress(of pods: Pods) -> Expectation {
        var result = self
        result.egressIsolated = Pods.union(egressIsolated, pods)
        return result
    }

    func allowingIngress(
        to pods: Pods, from peers: Pods, on ports: Set<ProbePort> = ProbePort.all,
        over families: Set<AddressFamily> = Set(AddressFamily.allCases)
    ) -> Expectation {
        var result = self
        result.ingress.append(Allowance(local: pods, peers: peers, ports: ports, families: families))
        return result
    }

    func allowingEgress(
        from pods: Pods, to peers: Pods, on ports: Set<ProbePort> = ProbePort.all,
        over families: Set<AddressFamily> = Set(AddressFamily.allCases)
    ) -> Expectation {
        var result = self
        result.egress.append(Allowance(local: pods, peers: peers, ports: ports, families: families))
        return result
    }

    func allows(_ cell: MatrixCell) -> Bool {
        if cell.from == cell.to { return true }
        let ingressAllows = !ingressIsolated.contains(cell.to)
            || ingress.contains { $0.covers(local: cell.to, peer: cell.from, port: cell.port, family: cell.family) }
        let egressAllows = !egressIsolated.contains(cell.from)
            || egress.contains { $0.covers(local: cell.from, peer: cell.to, port: cell.port, family: cell.family) }
        return ingressAllows && egressAllows
    }

    var description: String {
        var lines = ["ingress isolated: [\(ingressIsolated)]", "egress isolated: [\(egressIsolated)]"]
        lines += ingress.map { "ingress allowed to \($0)" }
        lines += egress.map { "egress allowed from \($0)" }
        return lines.joined(separator: "\n")
    }
}
