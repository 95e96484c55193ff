import Yams

/// Turns the text of one manifest file into validated objects.
///
/// Reads YAML streams of one or more documents (`---`), JSON (a YAML subset, so positions work
/// the same), and `List` objects. Empty documents are skipped. Every error names file, line
/// and field path, and the first one found stops the file: a file is used whole or not at all.
public enum ManifestDecoder {
    public static func decode(contents: String, file: String) throws(ManifestError) -> [Manifest] {
        // Parser.nextRoot() rather than `for … in compose_all(...)`: the sequence swallows a
        // parse error into its `.error` and just ends, silently dropping a broken document.
        let parser: Parser
        let untagged = PlainScalarTag.hasNoTags(contents)
        do {
            parser = try Parser(yaml: contents, resolver: untagged ? .basic : PlainScalarTag.resolver, encoding: .utf8)
        } catch {
            throw yamlError(error, file: file, contents: contents)
        }
        var manifests: [Manifest] = []
        while true {
            let root: Node?
            do {
                root = try parser.nextRoot()
            } catch {
                throw yamlError(error, file: file, contents: contents)
            }
            guard let root else { return manifests }
            let document = NodeCursor(node: root, path: FieldPath(), file: file, untagged: untagged)
            if document.isNull { continue }
            try decodeObject(document, listAllowed: true, typedListKind: nil, into: &manifests)
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

    private static func yamlError(_ error: any Error, file: String, contents: String) -> ManifestError {
        func located(_ mark: Mark, _ message: String) -> ManifestError {
            // libyaml puts "unexpected end of stream" one line past a file without a final newline.
            let lastLine = contents.utf8.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 } - (contents.hasSuffix("\n") ? 1 : 0)
            let line = min(mark.line, max(lastLine, 1))
            return ManifestError(file: file, line: line, column: line == mark.line ? mark.column : nil, fieldPath: "", message: message)
        }
        func syntax(_ problem: String, _ context: YamlError.Context?) -> String {
            let during = context.map { " \($0.text) starting at line \($0.mark.line)" } ?? ""
            return "YAML syntax error\(during): \(problem)"
        }
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return located(mark, syntax(problem, context))
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return located(context.mark, "duplicate mapping key \(keys)")
        case .reader(let problem, let offset, _, _):
            let prefix = contents.utf8.prefix(max(offset ?? 0, 0))
            let line = prefix.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            return ManifestError(file: file, line: line, fieldPath: "", message: "unreadable input: \(problem)")
        default:
            return ManifestError(file: file, line: 1, fieldPath: "", message: "YAML error: \(error)")
        }
    }
}
