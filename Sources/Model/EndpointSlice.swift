/// Kubernetes `discovery.k8s.io/v1 EndpointSlice`: the backends of a service without a
/// selector. A slice belongs to the service named by its `kubernetes.io/service-name` label
/// in its own namespace.
public struct EndpointSlice: Sendable, Hashable {
    /// The label that ties a slice to its service.
    public static let serviceNameLabel = "kubernetes.io/service-name"

    public enum AddressType: String, Sendable, Hashable, CaseIterable {
        case ipv4 = "IPv4"
        case ipv6 = "IPv6"

        public var family: IPAddress.Family { self == .ipv4 ? .v4 : .v6 }
    }

    public var metadata: ObjectMeta
    public var addressType: AddressType
    public var endpoints: [Endpoint]
    public var ports: [EndpointPort]

    public init(metadata: ObjectMeta, addressType: AddressType, endpoints: [Endpoint] = [], ports: [EndpointPort] = []) {
        self.metadata = metadata
        self.addressType = addressType
        self.endpoints = endpoints
        self.ports = ports
    }

    public var name: String { metadata.name }
    public var namespace: String { metadata.namespace ?? "default" }
    /// The service this slice belongs to (the label is required on decode).
    public var serviceName: String { metadata.labels[Self.serviceNameLabel] ?? "" }
}

public struct Endpoint: Sendable, Hashable {
    /// All of `addressType`'s family; Kubernetes consumers use the first, and so does Sluice.
    public var addresses: [IPAddress]
    public var conditions: EndpointConditions
    /// The pod behind the endpoint, when the slice names one (`targetRef` of kind Pod).
    public var targetPod: String?
    public var nodeName: String?

    public init(addresses: [IPAddress], conditions: EndpointConditions = EndpointConditions(),
                targetPod: String? = nil, nodeName: String? = nil) {
        self.addresses = addresses
        self.conditions = conditions
        self.targetPod = targetPod
        self.nodeName = nodeName
    }
}

/// Kubernetes leaves each condition unset ("unknown") when the producer does not know it.
public struct EndpointConditions: Sendable, Hashable {
    public var ready: Bool?
    public var serving: Bool?
    public var terminating: Bool?

    public init(ready: Bool? = nil, serving: Bool? = nil, terminating: Bool? = nil) {
        self.ready = ready
        self.serving = serving
        self.terminating = terminating
    }

    /// The API's rule: an unknown `ready` counts as ready.
    public var isReady: Bool { ready ?? true }
    /// An unknown `serving` follows `ready`.
    public var isServing: Bool { serving ?? isReady }
    public var isTerminating: Bool { terminating ?? false }
}

public struct EndpointPort: Sendable, Hashable {
    /// Matches the service port of the same name; empty for the unnamed port.
    public var name: String
    public var `protocol`: TransportProtocol
    /// Nil means "all ports" in the API; Sluice then has nothing to balance to for this port.
    public var port: UInt16?

    public init(name: String = "", protocol: TransportProtocol = .tcp, port: UInt16?) {
        self.name = name
        self.protocol = `protocol`
        self.port = port
    }
}
