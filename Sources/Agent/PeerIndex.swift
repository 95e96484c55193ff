import Model
import Planner

/// The plan's peer ids by where the peer is written: a policy's namespace and
/// the peer itself (`PeerKey` has no public initializer outside the planner).
struct PeerIndex {
    private var ids: [String: [NetworkPolicyPeer: UInt32]] = [:]

    init(_ peers: [PeerKey: UInt32]) {
        for (key, id) in peers { ids[key.policyNamespace, default: [:]][key.peer] = id }
    }

    func id(of peer: NetworkPolicyPeer, inPolicyNamespace namespace: String) -> UInt32? {
        ids[namespace]?[peer]
    }
}
