import Model

/// `CNI_ARGS`: `KEY=VALUE` pairs separated by `;`. Kubernetes runtimes pass the pod's
/// namespace and name here. Unknown keys are an error unless `IgnoreUnknown` is set,
/// as the CNI conventions ask.
public struct CNIArgs: Sendable, Equatable {
    public var podNamespace: String?
    public var podName: String?
    /// `IP=a[,b]`: addresses the runtime asks for (host-local's convention).
    public var requestedAddresses: [IPAddress] = []

    static let knownKeys: Set<String> = [
        "IgnoreUnknown", "K8S_POD_NAMESPACE", "K8S_POD_NAME", "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID", "IP",
    ]

    public init(podNamespace: String? = nil, podName: String? = nil) {
        self.podNamespace = podNamespace
        self.podName = podName
    }

    /// Parses the variable; the error names `CNI_ARGS` (code 4, invalid environment).
    public init(parsing text: String) throws(CNIError) {
        var pairs: [(String, String)] = []
        for item in text.split(separator: ";") where !item.isEmpty {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw CNIError(.invalidEnvironment, "CNI_ARGS: '\(item)' is not KEY=VALUE")
            }
            pairs.append((String(item[..<equals]), String(item[item.index(after: equals)...])))
        }
        let ignoreUnknown = pairs.contains { $0.0 == "IgnoreUnknown" && ["1", "true", "True"].contains($0.1) }
        for (key, value) in pairs {
            switch key {
            case "K8S_POD_NAMESPACE": podNamespace = value.isEmpty ? nil : value
            case "K8S_POD_NAME": podName = value.isEmpty ? nil : value
            case "IP":
                for text in value.split(separator: ",") {
                    do {
                        requestedAddresses.append(try IPAddress(parsing: String(text)))
                    } catch {
                        throw CNIError(.invalidEnvironment, "CNI_ARGS: IP \(error)")
                    }
                }
            default:
                if !Self.knownKeys.contains(key) && !ignoreUnknown {
                    throw CNIError(.invalidEnvironment, "CNI_ARGS: unknown key '\(key)' (set IgnoreUnknown=1 to allow it)")
                }
            }
        }
    }
}
