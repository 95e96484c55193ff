/// `GET /v1/identities`: the classes of remote addresses every policy peer
/// treats alike, and the ipcache prefixes that map to each.
public struct IdentitiesDocument: Codable, Sendable, Equatable {
    public struct Identity: Codable, Sendable, Equatable {
        public var id: UInt32
        /// `world` (no peer matches), `host` (the node's own addresses), or `peers`.
        public var kind: String
        /// ipcache prefixes with this identity.
        public var prefixes: [String]
        /// Pods whose addresses have it (`namespace/name`).
        public var pods: [String]
        /// The policy peers that match it, e.g. `default/allow ingress[0].from[1]`.
        public var peers: [String]
    }

    public var identities: [Identity]
}
