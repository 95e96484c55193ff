/// `GET /v1/policies`: every NetworkPolicy in force and what it does on this node.
public struct PoliciesDocument: Codable, Sendable, Equatable {
    public struct Policy: Codable, Sendable, Equatable {
        public var namespace: String
        public var name: String
        /// The agent's id, as per-policy counters and policy entries carry it.
        public var id: UInt32
        /// Directions it isolates the pods it selects in: `ingress`, `egress`.
        public var isolates: [String]
        /// Local pods it selects (`namespace/name`).
        public var selectedPods: [String]
        public var ingressRules: Int
        public var egressRules: Int
        /// Policy entries credited to it (an entry several policies allow is
        /// credited to the lowest id).
        public var entries: Int
    }

    public var policies: [Policy]
}
