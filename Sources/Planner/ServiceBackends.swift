import CSluiceBPF
import Model

/// A backend of one service port, before ids.
struct ServiceBackend: Hashable {
    var ref: BackendRef
    var weight: UInt32
    /// Active backends are in the Maglev table; terminating ones only keep what they have.
    var terminating: Bool
}

/// Finds the backends of service ports: pods matching the selector in the service's namespace
/// (ready ones, or all with `publishNotReadyAddresses`), or, for services without a selector,
/// the endpoints of their EndpointSlices. Made once per plan; the pods are indexed by label
/// the first time a selector needs them, so that ten thousand services do not each scan
/// every pod, and a plan of selectorless services never indexes them.
struct ServiceBackends {
    private let cluster: Cluster
    /// namespace -> "key=value" -> pods carrying that label; nil until a selector needs it.
    private var podsByLabel: [String: [String: [ObjectRef]]]?
    private(set) var warnings: [String] = []
    private var warnedPods: Set<ObjectRef> = []

    init(cluster: Cluster) {
        self.cluster = cluster
    }

    /// What a service's backends are found from: equal inputs give equal backends.
    enum Inputs: Sendable, Equatable {
        /// The pods the selector matches, by name.
        case pods([Pod])
        /// The service's slices, by name, and the weight annotation of each endpoint's
        /// target pod (nil: no such pod or no annotation), in endpoint order.
        case slices([EndpointSlice], targetWeights: [String?])
    }

    mutating func inputs(of service: Service) -> Inputs {
        if let selector = service.spec.selector {
            return .pods(selectedPods(selector, namespace: service.namespace).sorted().compactMap { cluster.pods[$0] })
        }
        let slices = cluster.endpointSlices(of: ObjectRef(namespace: service.namespace, name: service.name))
        var weights: [String?] = []
        for slice in slices {
            for endpoint in slice.endpoints {
                guard let name = endpoint.targetPod else { continue }
                weights.append(cluster.pods[ObjectRef(namespace: slice.namespace, name: name)]?
                    .metadata.annotations[ServiceAnnotations.weight])
            }
        }
        return .slices(slices, targetWeights: weights)
    }

    /// The warnings added since the last call.
    mutating func takeWarnings() -> [String] {
        defer { warnings = [] }
        return warnings
    }

    /// The backends of `port` of `service` in `family`, one per address and port, sorted.
    mutating func backends(of service: Service, port: ServicePort, family: IPAddress.Family) -> [ServiceBackend] {
        var found: [BackendRef: ServiceBackend] = [:]
        func add(_ backend: ServiceBackend) {
            // The same address in two slices: an active entry wins over a terminating one.
            if let existing = found[backend.ref], !existing.terminating { return }
            found[backend.ref] = backend
        }
        if let selector = service.spec.selector {
            for ref in selectedPods(selector, namespace: service.namespace) {
                guard let pod = cluster.pods[ref], let backend = podBackend(pod, ref: ref, service: service, port: port, family: family)
                else { continue }
                add(backend)
            }
        } else {
            let key = ObjectRef(namespace: service.namespace, name: service.name)
            for slice in cluster.endpointSlices(of: key) where slice.addressType.family == family {
                for backend in sliceBackends(slice, port: port) { add(backend) }
            }
        }
        return found.values.sorted { $0.ref < $1.ref }
    }

    private mutating func selectedPods(_ selector: [String: String], namespace: String) -> [ObjectRef] {
        if podsByLabel == nil {
            var index: [String: [String: [ObjectRef]]] = [:]
            for (ref, pod) in cluster.pods {
                for (key, value) in pod.labels { index[ref.namespace, default: [:]]["\(key)=\(value)", default: []].append(ref) }
            }
            podsByLabel = index
        }
        guard let index = podsByLabel?[namespace] else { return [] }
        // Start from the rarest label, then check the rest on each candidate.
        let lists = selector.map { index["\($0.key)=\($0.value)"] ?? [] }
        guard let smallest = lists.min(by: { $0.count < $1.count }) else { return [] }
        return smallest.filter { ref in
            guard let labels = cluster.pods[ref]?.labels else { return false }
            return selector.allSatisfy { labels[$0.key] == $0.value }
        }
    }

    /// As the EndpointSlice controller reads a pod: a pod being deleted (`deletionTimestamp`)
    /// is terminating, draining while it is still Ready and gone otherwise; with
    /// `publishNotReadyAddresses` every pod is ready, deleted or not.
    private mutating func podBackend(_ pod: Pod, ref: ObjectRef, service: Service, port: ServicePort,
                                     family: IPAddress.Family) -> ServiceBackend? {
        let deleting = pod.metadata.deletionTimestamp != nil
        let ready = service.spec.publishNotReadyAddresses || (Self.isReady(pod) && !deleting)
        guard !pod.status.isTerminated,
              ready || Self.isReady(pod),
              let address = pod.status.addresses.first(where: { $0.family == family }),
              let number = Self.targetPort(port, of: pod)
        else { return nil }
        return ServiceBackend(ref: BackendRef(address: address, port: number, protocol: port.protocol),
                              weight: weight(of: pod, ref: ref), terminating: !ready)
    }

    /// Kubernetes' reading of the Ready condition for endpoints, with an absent condition
    /// counting as ready (manifests written by hand seldom carry status conditions).
    static func isReady(_ pod: Pod) -> Bool {
        guard let ready = pod.status.conditions.first(where: { $0.type == PodCondition.ready }) else { return true }
        return ready.status == .true
    }

    /// A numeric targetPort as is; a name resolved against this pod's container ports of the
    /// same protocol. Nil when the pod has no such port: it does not back this port.
    static func targetPort(_ port: ServicePort, of pod: Pod) -> UInt16? {
        switch port.targetPort {
        case .number(let number):
            return number
        case .name(let name):
            return pod.spec.containers.flatMap(\.ports)
                .first { $0.name == name && $0.protocol == port.protocol }?.containerPort
        }
    }

    private mutating func weight(of pod: Pod, ref: ObjectRef) -> UInt32 {
        switch ServiceAnnotations.weight(in: pod.metadata.annotations) {
        case nil:
            return ServiceAnnotations.defaultWeight
        case .success(let weight):
            return weight
        case .failure(let problem):
            if warnedPods.insert(ref).inserted { warnings.append("pod \(ref): \(problem.description)") }
            return ServiceAnnotations.defaultWeight
        }
    }

    /// Ready endpoints are active; serving but terminating ones drain. The slice's port of the
    /// service port's name and protocol gives the number.
    private mutating func sliceBackends(_ slice: EndpointSlice, port: ServicePort) -> [ServiceBackend] {
        guard let number = slice.ports.first(where: { $0.name == (port.name ?? "") && $0.protocol == port.protocol })?.port
        else { return [] }
        var sliceWeight = ServiceAnnotations.defaultWeight
        switch ServiceAnnotations.weight(in: slice.metadata.annotations) {
        case .success(let weight): sliceWeight = weight
        case .failure(let problem): warnings.append("EndpointSlice \(slice.namespace)/\(slice.name): \(problem.description)")
        case nil: break
        }
        var result: [ServiceBackend] = []
        for endpoint in slice.endpoints {
            guard let address = endpoint.addresses.first else { continue }
            let conditions = endpoint.conditions
            let terminating = conditions.isTerminating
            guard terminating ? conditions.isServing : conditions.isReady else { continue }
            var weight = sliceWeight
            if let name = endpoint.targetPod {
                let ref = ObjectRef(namespace: slice.namespace, name: name)
                if let pod = cluster.pods[ref], pod.metadata.annotations[ServiceAnnotations.weight] != nil {
                    weight = self.weight(of: pod, ref: ref)
                }
            }
            result.append(ServiceBackend(ref: BackendRef(address: address, port: number, protocol: port.protocol),
                                         weight: weight, terminating: terminating))
        }
        return result
    }
}
