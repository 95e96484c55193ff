extension NetworkPolicySpec {
    /// The directions this policy isolates, as the API server defaults them.
    ///
    /// When `policyTypes` is written, it alone decides: egress rules of a policy that lists only
    /// `Ingress` are ignored, and `[Egress]` alone leaves ingress untouched. When it is left out
    /// (or empty), the policy always isolates ingress, and egress too if it has egress rules.
    /// Ordered ingress first; no duplicates.
    public var effectivePolicyTypes: [PolicyType] {
        let types: Set<PolicyType> = policyTypes.isEmpty
            ? (egress.isEmpty ? [.ingress] : [.ingress, .egress])
            : Set(policyTypes)
        return types.sorted()
    }

    public var isolatesIngress: Bool { effectivePolicyTypes.contains(.ingress) }
    public var isolatesEgress: Bool { effectivePolicyTypes.contains(.egress) }
}
