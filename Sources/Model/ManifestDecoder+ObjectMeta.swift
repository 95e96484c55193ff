extension ManifestDecoder {
    enum NameRule {
        case dns1123Label
        case dns1123Subdomain

        func problem(_ name: String) -> String? {
            switch self {
            case .dns1123Label: KubernetesNames.dns1123LabelProblem(name)
            case .dns1123Subdomain: KubernetesNames.dns1123SubdomainProblem(name)
            }
        }
    }

    /// Every field of Kubernetes `ObjectMeta`. Objects exported from a cluster carry many of
    /// them, so all are accepted, but nothing else: a misspelt `namespace` would otherwise
    /// silently move an object to "default".
    private static let objectMetaFields = [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
        "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
        "ownerReferences", "finalizers", "managedFields", "clusterName",
    ]

    /// Reads `metadata`, keeping name, namespace, labels and annotations, validated as the API
    /// server would.
    static func decodeMetadata(_ object: MappingCursor, nameRule: NameRule, namespaced: Bool) throws(ManifestError) -> ObjectMeta {
        guard let metadataNode = object.field("metadata") else { throw object.missing("metadata") }
        let metadata = try metadataNode.mapping()
        try metadata.rejectUnknownFields(objectMetaFields)

        guard let nameNode = metadata.field("name") else {
            if metadata.field("generateName") != nil {
                throw metadata.missing("name").with(message: "required value (generateName is not supported: Sluice needs a stable name)")
            }
            throw metadata.missing("name")
        }
        let name = try nameNode.string()
        if name.isEmpty { throw nameNode.error("required value") }
        if let problem = nameRule.problem(name) { throw nameNode.error("\"\(name)\": \(problem)") }

        var namespace: String?
        // An empty namespace is an absent one to the API server: "default", or none for a
        // cluster-scoped kind.
        if let namespaceNode = metadata.field("namespace"), case let value = try namespaceNode.string(), !value.isEmpty {
            guard namespaced else { throw namespaceNode.error("not allowed on this kind (it is cluster-scoped)") }
            if let problem = KubernetesNames.dns1123LabelProblem(value) {
                throw namespaceNode.error("\"\(value)\": \(problem)")
            }
            namespace = value
        }
        if namespaced && namespace == nil { namespace = "default" }

        var labels: [String: String] = [:]
        for (key, value, cursor) in try metadata.stringMap("labels") {
            try validateLabel(key: key, value: value, at: cursor)
            labels[key] = value
        }

        var annotations: [String: String] = [:]
        var annotationBytes = 0
        for (key, value, cursor) in try metadata.stringMap("annotations") {
            if let problem = KubernetesNames.qualifiedNameProblem(key.lowercased()) {
                throw cursor.error("invalid annotation key \"\(key)\": \(problem)")
            }
            annotationBytes += key.utf8.count + value.utf8.count
            annotations[key] = value
        }
        // The API server's limit on all annotations of one object together.
        if annotationBytes > 256 * 1024, let node = metadata.field("annotations") {
            throw node.error("annotations are \(annotationBytes) bytes, more than the 262144 allowed")
        }

        let deletionTimestamp = try metadata.field("deletionTimestamp").map { node throws(ManifestError) in try node.timestamp() }
        return ObjectMeta(name: name, namespace: namespace, labels: labels, annotations: annotations,
                          deletionTimestamp: deletionTimestamp)
    }

    static func validateLabel(key: String, value: String, at cursor: NodeCursor) throws(ManifestError) {
        if let problem = KubernetesNames.qualifiedNameProblem(key) {
            throw cursor.error("invalid label key \"\(key)\": \(problem)")
        }
        if let problem = KubernetesNames.labelValueProblem(value) {
            throw cursor.error("invalid label value \"\(value)\": \(problem)")
        }
    }
}

extension ManifestError {
    func with(message: String) -> ManifestError {
        var copy = self
        copy.message = message
        return copy
    }
}
