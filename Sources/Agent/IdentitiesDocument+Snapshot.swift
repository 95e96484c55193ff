import CSluiceBPF
import Model
import Planner

extension IdentitiesDocument {
    init(snapshot: AgentStatus.Snapshot) {
        guard let plan = snapshot.plan, let cluster = snapshot.cluster else {
            identities = []
            return
        }
        var prefixes: [UInt32: [CIDR]] = [:]
        for (key, value) in plan.ipcache {
            if let cidr = key.cidr { prefixes[value.identity, default: []].append(cidr) }
        }
        var podsByAddress: [IPAddress: ObjectRef] = [:]
        for (ref, pod) in cluster.pods where !pod.spec.hostNetwork {
            for address in pod.status.addresses { podsByAddress[address] = ref }
        }
        let locations = Self.peerLocations(cluster: cluster, peers: PeerIndex(snapshot.peers))
        identities = plan.identities.sorted { $0.key < $1.key }.map { id, signature in
            let cidrs = (prefixes[id] ?? []).sorted()
            let pods = Set(cidrs.filter { $0.prefixLength == $0.family.bitWidth }.compactMap { podsByAddress[$0.address] })
            let kind = signature.isHost ? "host" : (signature == .world ? "world" : "peers")
            return Identity(id: id, kind: kind, prefixes: cidrs.map(\.description),
                            pods: pods.sorted().map(\.description),
                            peers: signature.peers.sorted().flatMap { locations[$0] ?? [] })
        }
    }

    /// Where each peer id is written: `default/allow ingress[0].from[1]`.
    private static func peerLocations(cluster: Cluster, peers: PeerIndex) -> [UInt32: [String]] {
        var locations: [UInt32: [String]] = [:]
        for ref in cluster.policies.keys.sorted() {
            guard let spec = cluster.policies[ref]?.spec else { continue }
            let rules = spec.ingress.enumerated().map { ("ingress[\($0.offset)].from", $0.element.from) }
                + spec.egress.enumerated().map { ("egress[\($0.offset)].to", $0.element.to) }
            for (path, list) in rules {
                for (index, peer) in list.enumerated() {
                    guard let id = peers.id(of: peer, inPolicyNamespace: ref.namespace) else { continue }
                    locations[id, default: []].append("\(ref) \(path)[\(index)]")
                }
            }
        }
        return locations
    }
}
