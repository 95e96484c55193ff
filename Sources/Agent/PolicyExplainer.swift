import CSluiceBPF
import Model
import Planner

/// Answers "what happens to this flow" from the planned state the kernel's
/// maps hold, looking entries up the way the datapath does: the remote's
/// identity by longest prefix in the ipcache, then the longest policy entry
/// for (endpoint, identity, direction, protocol, port). The rules behind an
/// answer come from the identity's signature, which names the peers that
/// match the remote.
struct PolicyExplainer {
    let plan: DesiredState
    let cluster: Cluster
    /// Host interface by `namespace/name`.
    let interfaces: [String: String]
    let peers: PeerIndex

    init(snapshot: AgentStatus.Snapshot) throws(ExplainError) {
        guard let plan = snapshot.plan, let cluster = snapshot.cluster else {
            throw .notReady("no plan yet: \(snapshot.lastSyncError ?? "the first sync has not finished")")
        }
        self.init(plan: plan, cluster: cluster, interfaces: snapshot.interfaces, peers: snapshot.peers)
    }

    init(plan: DesiredState, cluster: Cluster, interfaces: [String: String], peers: [PeerKey: UInt32]) {
        self.plan = plan
        self.cluster = cluster
        self.interfaces = interfaces
        self.peers = PeerIndex(peers)
    }

    /// One side of the flow after resolution.
    struct Resolved {
        var address: IPAddress
        var pod: ObjectRef?
        var endpoint: PlannedEndpoint?
        var identity: UInt32
        var identityPrefix: CIDR?
    }

    func explain(_ query: ExplainQuery) throws(ExplainError) -> ExplainDocument {
        let family = try family(for: query)
        let from = try resolve(query.from, family: family)
        let to = try resolve(query.to, family: family)
        try refuseServiceAddress(to.address, query: query)
        let egress = side(SLUICE_DIR_EGRESS, local: from, remote: to, query: query)
        let ingress = side(SLUICE_DIR_INGRESS, local: to, remote: from, query: query)
        let denied = [egress, ingress].contains { $0.outcome == "denied" }
        return ExplainDocument(
            from: party(from, input: query.fromText), to: party(to, input: query.toText),
            family: family.description, protocol: query.protocol.rawValue, port: Int(query.port),
            verdict: denied ? "denied" : "allowed", egress: egress, ingress: ingress)
    }

    private func party(_ resolved: Resolved, input: String) -> ExplainDocument.Party {
        ExplainDocument.Party(input: input, address: resolved.address.description, pod: resolved.pod?.description,
                              identity: resolved.identity, identityPrefix: resolved.identityPrefix?.description ?? "world")
    }

    /// The family of an address given; otherwise one both pods have, IPv4 first.
    private func family(for query: ExplainQuery) throws(ExplainError) -> IPAddress.Family {
        var given: [IPAddress.Family] = []
        for party in [query.from, query.to] {
            if case .address(let address) = party { given.append(address.family) }
        }
        if let first = given.first {
            guard given.allSatisfy({ $0 == first }) else { throw .badRequest("from and to are of different address families") }
            if let asked = query.family, asked != first {
                throw .badRequest("family \(asked) does not match the address given (\(first))")
            }
            return first
        }
        if let asked = query.family { return asked }
        let families = try [query.from, query.to].map { party throws(ExplainError) in
            Set(try pod(party).status.addresses.map(\.family))
        }
        for candidate in [IPAddress.Family.v4, .v6] where families.allSatisfy({ $0.contains(candidate) }) {
            return candidate
        }
        throw .badRequest("the two pods have no address family in common")
    }

    private func pod(_ party: ExplainQuery.Party) throws(ExplainError) -> Pod {
        guard case .pod(let namespace, let name) = party else { throw .badRequest("not a pod") }
        guard let pod = cluster.pods[ObjectRef(namespace: namespace, name: name)] else {
            throw .notFound("no pod \(namespace)/\(name) in the manifests")
        }
        return pod
    }

    private func resolve(_ party: ExplainQuery.Party, family: IPAddress.Family) throws(ExplainError) -> Resolved {
        let address: IPAddress
        let ref: ObjectRef?
        switch party {
        case .address(let given):
            address = given
            ref = cluster.pod(withAddress: given)
        case .pod(let namespace, let name):
            let found = try pod(party)
            guard let first = found.status.addresses.first(where: { $0.family == family }) else {
                throw .notFound("pod \(namespace)/\(name) has no \(family) address")
            }
            address = first
            ref = ObjectRef(namespace: namespace, name: name)
        }
        // A hostNetwork pod has the node's address and no endpoint of its own.
        let endpoint = plan.endpoints.first { endpoint in
            if let ref { endpoint.pod == ref } else { endpoint.addresses.contains(address) }
        }
        let found = LongestPrefixMatch.lookup(sluice_ipcache_key(lookingUp: address), in: plan.ipcache)
        let identity = found.map(\.value.identity).flatMap { $0 == UInt32(SLUICE_IDENTITY_UNKNOWN.rawValue) ? nil : $0 }
        return Resolved(address: address, pod: ref, endpoint: endpoint,
                        identity: identity ?? UInt32(SLUICE_IDENTITY_WORLD.rawValue),
                        identityPrefix: identity == nil ? nil : found?.key.cidr)
    }

    /// The socket load balancer turns a service address into a backend's
    /// before any policy sees the flow, so a service address has no answer
    /// of its own: each backend does.
    private func refuseServiceAddress(_ address: IPAddress, query: ExplainQuery) throws(ExplainError) {
        var key = zeroedABI(sluice_service_key.self)
        key.addr = address.abi
        key.port = query.port.bigEndian
        key.protocol = query.protocol.ipProtocolNumber
        key.family = address.family.abi
        let services = plan.services
        guard let service = services.frontends[key]?.service_id else { return }
        let backends = services.members
            .filter { $0.key.service_id == service && $0.value.state == UInt32(SLUICE_MEMBER_ACTIVE.rawValue) }
            .compactMap { services.backendNames[$0.key.backend_id] }.sorted().map(\.description)
        let name = services.frontendNames[service]?.service.description ?? "service id \(service)"
        throw .badRequest("\(address) port \(query.port) is service \(name), translated to a backend before policy applies: "
            + "explain a backend instead (\(backends.isEmpty ? "it has none" : backends.joined(separator: ", ")))")
    }
}
