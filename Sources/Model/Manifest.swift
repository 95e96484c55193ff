/// One decoded, validated Kubernetes object and where it came from.
///
/// The objects themselves carry no source, so two manifests that say the same thing compare
/// equal as objects even when they moved within or between files.
public enum Manifest: Sendable, Hashable {
    case namespace(Namespace, source: ManifestSource)
    case pod(Pod, source: ManifestSource)
    case networkPolicy(NetworkPolicy, source: ManifestSource)
    case service(Service, source: ManifestSource)
    case endpointSlice(EndpointSlice, source: ManifestSource)

    public var source: ManifestSource {
        switch self {
        case .namespace(_, let source), .pod(_, let source), .networkPolicy(_, let source),
             .service(_, let source), .endpointSlice(_, let source): source
        }
    }

    public var metadata: ObjectMeta {
        switch self {
        case .namespace(let namespace, _): namespace.metadata
        case .pod(let pod, _): pod.metadata
        case .networkPolicy(let policy, _): policy.metadata
        case .service(let service, _): service.metadata
        case .endpointSlice(let slice, _): slice.metadata
        }
    }

    /// The Kubernetes `kind`, e.g. `NetworkPolicy`.
    public var kind: String {
        switch self {
        case .namespace: "Namespace"
        case .pod: "Pod"
        case .networkPolicy: "NetworkPolicy"
        case .service: "Service"
        case .endpointSlice: "EndpointSlice"
        }
    }
}

/// Where an object starts: the file and the 1-based line of its first field.
public struct ManifestSource: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}
