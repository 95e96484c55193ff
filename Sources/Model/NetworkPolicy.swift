/// Kubernetes `networking.k8s.io/v1 NetworkPolicy`, complete.
public struct NetworkPolicy: Sendable, Hashable {
    public var metadata: ObjectMeta
    public var spec: NetworkPolicySpec

    public init(metadata: ObjectMeta, spec: NetworkPolicySpec = NetworkPolicySpec()) {
        self.metadata = metadata
        self.spec = spec
    }

    public var name: String { metadata.name }
    /// Always set on decoded policies ("default" when the manifest leaves it out).
    public var namespace: String { metadata.namespace ?? "default" }
}

public struct NetworkPolicySpec: Sendable, Hashable {
    /// Pods in the policy's namespace that it isolates; empty selects them all.
    public var podSelector: LabelSelector
    /// As written; empty when the manifest leaves it out. Read `effectivePolicyTypes` instead.
    public var policyTypes: [PolicyType]
    public var ingress: [NetworkPolicyIngressRule]
    public var egress: [NetworkPolicyEgressRule]

    public init(
        podSelector: LabelSelector = .everything,
        policyTypes: [PolicyType] = [],
        ingress: [NetworkPolicyIngressRule] = [],
        egress: [NetworkPolicyEgressRule] = []
    ) {
        self.podSelector = podSelector
        self.policyTypes = policyTypes
        self.ingress = ingress
        self.egress = egress
    }
}

public enum PolicyType: String, Sendable, Hashable, CaseIterable, Comparable {
    case ingress = "Ingress"
    case egress = "Egress"

    public static func < (lhs: PolicyType, rhs: PolicyType) -> Bool {
        lhs == .ingress && rhs == .egress
    }
}

/// Traffic into the selected pods is allowed when it comes from one of `from` (any source when
/// empty) to one of `ports` (any port when empty).
public struct NetworkPolicyIngressRule: Sendable, Hashable {
    public var from: [NetworkPolicyPeer]
    public var ports: [NetworkPolicyPort]

    public init(from: [NetworkPolicyPeer] = [], ports: [NetworkPolicyPort] = []) {
        self.from = from
        self.ports = ports
    }
}

/// Traffic out of the selected pods is allowed when it goes to one of `to` (any destination
/// when empty) on one of `ports` (any port when empty).
public struct NetworkPolicyEgressRule: Sendable, Hashable {
    public var to: [NetworkPolicyPeer]
    public var ports: [NetworkPolicyPort]

    public init(to: [NetworkPolicyPeer] = [], ports: [NetworkPolicyPort] = []) {
        self.to = to
        self.ports = ports
    }
}

/// Exactly one of: `ipBlock`; or `podSelector` and/or `namespaceSelector` (validated).
///
/// - podSelector alone: matching pods in the policy's own namespace.
/// - namespaceSelector alone: every pod in matching namespaces.
/// - both: matching pods in matching namespaces.
/// A nil selector is "not specified"; an empty one matches all.
public struct NetworkPolicyPeer: Sendable, Hashable {
    public var podSelector: LabelSelector?
    public var namespaceSelector: LabelSelector?
    public var ipBlock: IPBlock?

    public init(podSelector: LabelSelector? = nil, namespaceSelector: LabelSelector? = nil, ipBlock: IPBlock? = nil) {
        self.podSelector = podSelector
        self.namespaceSelector = namespaceSelector
        self.ipBlock = ipBlock
    }
}

/// Addresses in `cidr` but in none of `except`; every `except` lies strictly inside `cidr`
/// (validated). In Kubernetes this is meant for traffic outside the cluster, but it matches by
/// address, pod IPs included.
public struct IPBlock: Sendable, Hashable {
    public var cidr: CIDR
    public var except: [CIDR]

    public init(cidr: CIDR, except: [CIDR] = []) {
        self.cidr = cidr
        self.except = except
    }

    public func contains(_ address: IPAddress) -> Bool {
        cidr.contains(address) && !except.contains { $0.contains(address) }
    }
}

/// One `ports[]` entry: a protocol and a port, port range or named port.
public struct NetworkPolicyPort: Sendable, Hashable {
    /// Kubernetes `IntOrString`: a number, or the name of a container port of the peer pod
    /// (egress) or the selected pod (ingress).
    public enum Port: Sendable, Hashable {
        case number(UInt16)
        case name(String)
    }

    /// What this entry lets through, with invalid combinations ruled out by validation.
    public enum Match: Sendable, Hashable {
        /// Every port of `protocol`.
        case all
        /// `port...endPort`, or one port (`port...port`).
        case range(ClosedRange<UInt16>)
        /// A named container port, resolved per pod.
        case named(String)
    }

    public var `protocol`: TransportProtocol
    /// Nil means every port of `protocol`.
    public var port: Port?
    /// Only with a numeric `port`, and >= it (validated).
    public var endPort: UInt16?

    public init(protocol: TransportProtocol = .tcp, port: Port? = nil, endPort: UInt16? = nil) {
        self.protocol = `protocol`
        self.port = port
        self.endPort = endPort
    }

    public var match: Match {
        switch port {
        case nil: .all
        case .name(let name): .named(name)
        case .number(let first): .range(first...max(first, endPort ?? first))
        }
    }
}
