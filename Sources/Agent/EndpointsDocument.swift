/// `GET /v1/endpoints`: the local pods the datapath enforces on.
public struct EndpointsDocument: Codable, Sendable, Equatable {
    public struct Endpoint: Codable, Sendable, Equatable {
        /// `namespace/name`.
        public var pod: String
        /// The planner's endpoint id, as policy and conntrack keys carry it.
        public var id: UInt32
        public var addresses: [String]
        /// Host-side interface; absent until the agent finds it (then traffic is not enforced yet).
        public var interface: String?
        /// Directions some policy isolates: `ingress`, `egress`.
        public var enforced: [String]
        /// Would-be drops are forwarded and counted (`sluice.dev/policy-audit`).
        public var audit: Bool
        /// Policy map entries of this endpoint per direction.
        public var ingressEntries: Int
        public var egressEntries: Int
    }

    public var endpoints: [Endpoint]
}
