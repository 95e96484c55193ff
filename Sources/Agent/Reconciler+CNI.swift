import BPF
import CNI
import CSluiceBPF
import Model
import Planner

extension Reconciler {
    /// Whether the agent enforces a CNI endpoint, as the plugin needs to hear it.
    enum CNIEnforcement: Sendable, Equatable {
        case enforced
        /// Transient: the plugin answers "try again later".
        case notReady(String)
        case failed(String)
    }

    func useCNIEndpoints(_ registry: CNIEndpointRegistry) {
        cniEndpoints = registry
    }

    /// The cluster with the registered CNI endpoints joined in (see `CNIManifests`),
    /// after replaying DELs queued while the agent was down.
    func mergingCNIEndpoints(_ cluster: Cluster) -> Cluster {
        guard let registry = cniEndpoints else { return cluster }
        registry.replayPendingDeletes()
        return CNIManifests.merge(cluster, endpoints: registry.all, nodeName: configuration.nodeName)
    }

    /// After a reconcile: the endpoint's veth carries this agent's programs and its
    /// endpoint entry is in the map, so its packets are under policy.
    func cniEnforcement(of endpoint: CNIEndpoint) -> CNIEnforcement {
        let snapshot = status.snapshot
        guard snapshot.ready else {
            return .notReady(snapshot.lastSyncError ?? "the first sync has not finished")
        }
        if let error = snapshot.lastSyncError {
            return .notReady("the last sync failed: \(error)")
        }
        guard let ifindex = NetworkInterface.index(of: endpoint.hostInterface) else {
            return .failed("host interface \(endpoint.hostInterface) does not exist in the agent's network namespace")
        }
        do {
            guard try datapath.isAttached(ifindex: ifindex) else {
                return .failed("the datapath is not attached to \(endpoint.hostInterface)")
            }
            guard try datapath.maps.endpoints.lookup(sluice_endpoint_key(ifindex: UInt32(bitPattern: ifindex))) != nil else {
                return .failed("\(endpoint.hostInterface) has no endpoint entry")
            }
        } catch {
            return .failed("checking \(endpoint.hostInterface): \(error)")
        }
        return .enforced
    }
}
