import CSluiceBPF
import Planner

extension PoliciesDocument {
    init(snapshot: AgentStatus.Snapshot) {
        guard let plan = snapshot.plan, let cluster = snapshot.cluster else {
            policies = []
            return
        }
        var credited: [UInt32: Int] = [:]
        for value in plan.policy.values { credited[value.policy_id, default: 0] += 1 }
        let local = plan.endpoints.map(\.pod)
        policies = plan.policyNames.sorted { $0.value < $1.value }.compactMap { id, ref in
            guard let policy = cluster.policies[ref] else { return nil }
            let spec = policy.spec
            let selected = local.filter { pod in
                pod.namespace == ref.namespace && cluster.pods[pod].map { spec.podSelector.matches($0.labels) } == true
            }
            return Policy(
                namespace: ref.namespace, name: ref.name, id: id,
                isolates: spec.effectivePolicyTypes.map { $0.rawValue.lowercased() },
                selectedPods: selected.sorted().map(\.description),
                ingressRules: spec.isolatesIngress ? spec.ingress.count : 0,
                egressRules: spec.isolatesEgress ? spec.egress.count : 0,
                entries: credited[id] ?? 0)
        }
    }
}
