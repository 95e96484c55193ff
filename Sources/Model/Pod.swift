/// Kubernetes `v1 Pod`, reduced to what networking needs: where it runs, its addresses,
/// its named ports, and whether it is ready. Every other field of a real manifest is ignored.
public struct Pod: Sendable, Hashable {
    public var metadata: ObjectMeta
    public var spec: PodSpec
    public var status: PodStatus

    public init(metadata: ObjectMeta, spec: PodSpec = PodSpec(), status: PodStatus = PodStatus()) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    public var name: String { metadata.name }
    /// Always set on decoded pods ("default" when the manifest leaves it out).
    public var namespace: String { metadata.namespace ?? "default" }
    public var labels: [String: String] { metadata.labels }
}

public struct PodSpec: Sendable, Hashable {
    public var nodeName: String?
    /// A host-network pod uses the node's addresses; NetworkPolicy does not apply to it.
    public var hostNetwork: Bool
    public var containers: [Container]

    public init(nodeName: String? = nil, hostNetwork: Bool = false, containers: [Container] = []) {
        self.nodeName = nodeName
        self.hostNetwork = hostNetwork
        self.containers = containers
    }
}

public struct Container: Sendable, Hashable {
    public var name: String
    public var ports: [ContainerPort]

    public init(name: String, ports: [ContainerPort] = []) {
        self.name = name
        self.ports = ports
    }
}

public struct ContainerPort: Sendable, Hashable {
    /// IANA service name that NetworkPolicy ports may refer to.
    public var name: String?
    public var containerPort: UInt16
    public var `protocol`: TransportProtocol

    public init(name: String? = nil, containerPort: UInt16, protocol: TransportProtocol = .tcp) {
        self.name = name
        self.containerPort = containerPort
        self.protocol = `protocol`
    }
}

public struct PodStatus: Sendable, Hashable {
    public enum Phase: String, Sendable, Hashable, CaseIterable {
        case pending = "Pending"
        case running = "Running"
        case succeeded = "Succeeded"
        case failed = "Failed"
        case unknown = "Unknown"
    }

    public var phase: Phase?
    /// Succeeded or Failed: its containers are done, and its address may already be another
    /// pod's, so it is in no policy, no ipcache entry and no service.
    public var isTerminated: Bool { phase == .succeeded || phase == .failed }
    /// The primary address; equals `podIPs.first` when both are given (validated).
    public var podIP: IPAddress?
    /// At most one address per family (validated).
    public var podIPs: [IPAddress]
    public var conditions: [PodCondition]

    public init(phase: Phase? = nil, podIP: IPAddress? = nil, podIPs: [IPAddress] = [], conditions: [PodCondition] = []) {
        self.phase = phase
        self.podIP = podIP
        self.podIPs = podIPs
        self.conditions = conditions
    }

    /// `podIPs`, or `podIP` alone when only that was written.
    public var addresses: [IPAddress] {
        if !podIPs.isEmpty { return podIPs }
        return podIP.map { [$0] } ?? []
    }

    /// The `Ready` condition is `True`.
    public var isReady: Bool {
        conditions.contains { $0.type == PodCondition.ready && $0.status == .true }
    }
}

public struct PodCondition: Sendable, Hashable {
    public static let ready = "Ready"

    public enum Status: String, Sendable, Hashable, CaseIterable {
        case `true` = "True"
        case `false` = "False"
        case unknown = "Unknown"
    }

    /// Condition type, e.g. `Ready`, `ContainersReady`, `PodScheduled`.
    public var type: String
    public var status: Status

    public init(type: String, status: Status) {
        self.type = type
        self.status = status
    }
}
