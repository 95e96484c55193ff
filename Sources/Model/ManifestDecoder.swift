/// Turns the text of one manifest file into validated objects.
///
/// Reads YAML streams of one or more documents (`---`), JSON (a YAML subset, so positions work
/// the same), and `List` objects. Empty documents are skipped. Every error names file, line
/// and field path, and the first one found stops the file: a file is used whole or not at all.
public enum ManifestDecoder {
    public static func decode(contents: String, file: String) throws(ManifestError) -> [Manifest] {
        let reader = YAMLReader(contents)
        var manifests: [Manifest] = []
        while true {
            // One document at a time: a broken one after good ones is still an error.
            let document: YAMLDocument?
            do {
                document = try reader.next()
            } catch {
                throw yamlError(error, file: file, contents: contents)
            }
            guard let document else { return manifests }
            let root = NodeCursor(document: document, index: document.root, path: FieldPath(), file: file)
            if root.isNull { continue }
            try decodeObject(root, listAllowed: true, typedListKind: nil, into: &manifests)
        }
    }

    /// apiVersion and kind of the kinds Sluice reads.
    private static let kinds: [(apiVersion: String, kind: String)] = [
        ("v1", "Namespace"), ("v1", "Pod"), ("networking.k8s.io/v1", "NetworkPolicy"),
        ("v1", "Service"), ("discovery.k8s.io/v1", "EndpointSlice"),
    ]

    private static func decodeObject(
        _ document: NodeCursor,
        listAllowed: Bool,
        typedListKind: (apiVersion: String, kind: String)?,
        into manifests: inout [Manifest]
    ) throws(ManifestError) {
        let object = try document.mapping()
        // Items of a typed list (PodList, ...) as the API server returns them carry no kind.
        let apiVersion = try object.string("apiVersion") ?? typedListKind?.apiVersion
        let kind = try object.string("kind") ?? typedListKind?.kind
        guard let kind else { throw object.missing("kind") }
        guard let apiVersion else { throw object.missing("apiVersion") }
        let source = ManifestSource(file: document.file, line: document.line)

        switch (apiVersion, kind) {
        case ("v1", "Namespace"):
            manifests.append(.namespace(try decodeNamespace(object), source: source))
        case ("v1", "Pod"):
            manifests.append(.pod(try decodePod(object), source: source))
        case ("networking.k8s.io/v1", "NetworkPolicy"):
            manifests.append(.networkPolicy(try decodeNetworkPolicy(object), source: source))
        case ("v1", "Service"):
            manifests.append(.service(try decodeService(object), source: source))
        case ("discovery.k8s.io/v1", "EndpointSlice"):
            manifests.append(.endpointSlice(try decodeEndpointSlice(object), source: source))
        case ("v1", "List"), ("v1", "NamespaceList"), ("v1", "PodList"), ("networking.k8s.io/v1", "NetworkPolicyList"),
             ("v1", "ServiceList"), ("discovery.k8s.io/v1", "EndpointSliceList"):
            guard listAllowed else {
                throw object.location(of: "kind").error("a \(kind) may not contain another list")
            }
            let itemKind: (apiVersion: String, kind: String)? = kind == "List" ? nil : (apiVersion, String(kind.dropLast("List".count)))
            for item in try object.list("items") {
                try decodeObject(item, listAllowed: false, typedListKind: itemKind, into: &manifests)
            }
        default:
            if let known = kinds.first(where: { $0.kind == kind }) {
                throw object.location(of: "apiVersion").error(
                    "\(kind) must have apiVersion \(known.apiVersion), got \"\(apiVersion)\"")
            }
            let supported = kinds.map { "\($0.apiVersion) \($0.kind)" }.joined(separator: ", ")
            throw object.location(of: "kind").error(
                "unknown kind \"\(kind)\" (apiVersion \"\(apiVersion)\"); Sluice reads \(supported) and v1 List")
        }
    }

    private static func yamlError(_ error: YAMLError, file: String, contents: String) -> ManifestError {
        switch error.kind {
        case .reader(let offset):
            let line = contents.utf8.prefix(max(offset, 0)).reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            return ManifestError(file: file, line: line, fieldPath: "", message: "unreadable input: \(error.problem)")
        case .mappingKey:
            return ManifestError(file: file, line: error.line, column: error.column, fieldPath: error.fieldPath,
                                 message: error.problem)
        case .syntax:
            // libyaml puts "unexpected end of stream" one line past a file without a final newline.
            let lastLine = contents.utf8.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 } - (contents.hasSuffix("\n") ? 1 : 0)
            let line = min(error.line, max(lastLine, 1))
            let during = error.context.map { " \($0.text) starting at line \($0.line)" } ?? ""
            return ManifestError(file: file, line: line, column: line == error.line ? error.column : nil, fieldPath: "",
                                 message: "YAML syntax error\(during): \(error.problem)")
        }
    }
}
