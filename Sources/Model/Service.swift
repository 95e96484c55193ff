/// Kubernetes `v1 Service` of type ClusterIP or NodePort: what the load balancer needs.
/// Read strictly: fields that would change traffic but that Sluice does not implement
/// (`externalIPs`, `LoadBalancer`, ...) are errors rather than silently ignored.
public struct Service: Sendable, Hashable {
    public var metadata: ObjectMeta
    public var spec: ServiceSpec

    public init(metadata: ObjectMeta, spec: ServiceSpec) {
        self.metadata = metadata
        self.spec = spec
    }

    public var name: String { metadata.name }
    /// Always set on decoded services ("default" when the manifest leaves it out).
    public var namespace: String { metadata.namespace ?? "default" }
}

public struct ServiceSpec: Sendable, Hashable {
    public enum ServiceType: String, Sendable, Hashable, CaseIterable {
        case clusterIP = "ClusterIP"
        case nodePort = "NodePort"
    }

    public var type: ServiceType
    /// The virtual addresses, at most one per family, primary first. Empty for a headless
    /// service (`clusterIP: None`), which has nothing to balance.
    public var clusterIPs: [IPAddress]
    public var ports: [ServicePort]
    /// Pods in the service's namespace whose labels include all of these back it. Nil (or
    /// empty in the manifest) means no selector: backends come from EndpointSlices.
    public var selector: [String: String]?
    public var sessionAffinity: SessionAffinity
    /// Not-ready pods are backends too (`publishNotReadyAddresses`).
    public var publishNotReadyAddresses: Bool

    public init(
        type: ServiceType = .clusterIP, clusterIPs: [IPAddress], ports: [ServicePort],
        selector: [String: String]? = nil, sessionAffinity: SessionAffinity = .none,
        publishNotReadyAddresses: Bool = false
    ) {
        self.type = type
        self.clusterIPs = clusterIPs
        self.ports = ports
        self.selector = selector
        self.sessionAffinity = sessionAffinity
        self.publishNotReadyAddresses = publishNotReadyAddresses
    }

    public var isHeadless: Bool { clusterIPs.isEmpty }
}

public enum SessionAffinity: Sendable, Hashable {
    case none
    /// Connections from one client address go to one backend while they keep coming
    /// within `timeoutSeconds` of each other.
    case clientIP(timeoutSeconds: UInt32)

    /// Kubernetes' default for `sessionAffinityConfig.clientIP.timeoutSeconds` (3 hours).
    public static let defaultTimeoutSeconds: UInt32 = 10800
    /// Kubernetes' upper bound (one day).
    public static let maximumTimeoutSeconds: UInt32 = 86400
}

public struct ServicePort: Sendable, Hashable {
    /// Kubernetes `IntOrString` for `targetPort`: a number, or a container port name
    /// resolved against each backend pod.
    public enum TargetPort: Sendable, Hashable {
        case number(UInt16)
        case name(String)
    }

    /// Required (and unique) when the service has more than one port; EndpointSlice ports
    /// are matched to it by this name.
    public var name: String?
    public var `protocol`: TransportProtocol
    public var port: UInt16
    /// Defaults to `port`.
    public var targetPort: TargetPort
    /// NodePort services only; nil on ClusterIP services.
    public var nodePort: UInt16?

    public init(name: String? = nil, protocol: TransportProtocol = .tcp, port: UInt16,
                targetPort: TargetPort? = nil, nodePort: UInt16? = nil) {
        self.name = name
        self.protocol = `protocol`
        self.port = port
        self.targetPort = targetPort ?? .number(port)
        self.nodePort = nodePort
    }
}
