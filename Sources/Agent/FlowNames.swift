import CSluiceBPF
import Model
import Planner

/// What turns the numbers of a datapath event into names: built once per
/// sync from the status snapshot, read for every event until the next.
struct FlowNames {
    /// Endpoint id -> local pod.
    var endpoints: [UInt32: ObjectRef] = [:]
    /// Pod address (ABI bytes, 4 or 16) -> pod, local or not.
    var pods: [[UInt8]: ObjectRef] = [:]
    var policies: [UInt32: String] = [:]
    /// Endpoint id and direction -> the policies isolating it there, sorted.
    var isolating: [Key: [String]] = [:]
    /// Service id -> `namespace/name:port`.
    var services: [UInt32: String] = [:]

    struct Key: Hashable {
        var endpointID: UInt32
        var direction: UInt8
    }

    init() {}

    init(snapshot: AgentStatus.Snapshot) {
        guard let plan = snapshot.plan, let cluster = snapshot.cluster else { return }
        for endpoint in plan.endpoints { endpoints[endpoint.endpointID] = endpoint.pod }
        for (ref, pod) in cluster.pods {
            for address in pod.status.addresses { pods[address.bytes] = ref }
        }
        policies = plan.policyNames.mapValues(\.description)
        for endpoint in plan.endpoints {
            guard let pod = cluster.pods[endpoint.pod] else { continue }
            for (ref, policy) in cluster.policies where ref.namespace == endpoint.pod.namespace
                && policy.spec.podSelector.matches(pod.labels) {
                if policy.spec.isolatesIngress {
                    isolating[Key(endpointID: endpoint.endpointID, direction: UInt8(SLUICE_DIR_INGRESS.rawValue)),
                              default: []].append(ref.description)
                }
                if policy.spec.isolatesEgress {
                    isolating[Key(endpointID: endpoint.endpointID, direction: UInt8(SLUICE_DIR_EGRESS.rawValue)),
                              default: []].append(ref.description)
                }
            }
        }
        for key in isolating.keys { isolating[key]?.sort() }
        for (id, frontend) in plan.services.frontendNames {
            services[id] = "\(frontend.service):\(frontend.port)"
        }
    }
}
