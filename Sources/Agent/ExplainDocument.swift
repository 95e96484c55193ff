/// `GET /v1/explain?from=...&to=...&port=80/TCP`: what the datapath does
/// with the first packet of such a flow, and why, computed from the plan
/// the kernel's maps hold. A flow passes two enforcement points on this
/// node at most: the source pod's egress and the destination pod's ingress.
public struct ExplainDocument: Codable, Sendable, Equatable {
    public struct Party: Codable, Sendable, Equatable {
        /// As asked: `namespace/pod`, `pod` (namespace `default`) or an address.
        public var input: String
        public var address: String
        /// `namespace/name` of the pod with this address, if any.
        public var pod: String?
        /// Its identity in the ipcache, as the other side's policy entries see it.
        public var identity: UInt32
        /// The ipcache prefix that gives it (`world` when none does).
        public var identityPrefix: String
    }

    /// The policy map entry the datapath's longest-prefix lookup finds.
    public struct Entry: Codable, Sendable, Equatable {
        public var identity: UInt32
        /// `TCP`, `UDP`, `SCTP` or `any`.
        public var `protocol`: String
        /// `80`, `8080-8083` or `any`.
        public var ports: String
        /// `allow` or `deny`.
        public var action: String
        /// The policy credited with it; 0 for the node's own traffic.
        public var policyID: UInt32
    }

    public struct Side: Codable, Sendable, Equatable {
        /// `egress` (checked at the source pod) or `ingress` (at the destination pod).
        public var direction: String
        /// The local pod enforcing this side; absent when that pod is not on this node.
        public var endpoint: String?
        public var interface: String?
        /// `not-local`, `no-interface`, `not-enforced`, `allowed`, `denied`, or `audit`
        /// (denied, but forwarded and counted because the namespace is in audit mode).
        public var outcome: String
        /// One sentence saying why.
        public var reason: String
        public var entry: Entry?
        /// `namespace/name` of the policy credited with allowing it.
        public var policy: String?
        /// Policies that select the endpoint and isolate this direction.
        public var isolatedBy: [String]
        /// Rules of those policies that allow this flow, e.g. `default/allow ingress[0]`.
        public var rules: [String]
    }

    public var from: Party
    public var to: Party
    public var family: String
    public var `protocol`: String
    public var port: Int
    /// `allowed` or `denied`: denied when either side denies.
    public var verdict: String
    public var egress: Side
    public var ingress: Side
}
