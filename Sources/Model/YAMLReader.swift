import CYaml

/// Reads a YAML stream one document at a time through libyaml's event parser (the C library
/// inside Yams), as `YAMLDocument`s. Like Yams' composer: an anchor names its node once the
/// node is complete (so an alias inside its own anchor is undefined), and keys repeated in a
/// mapping are an error; unlike it, keys are compared as the strings they are, as Kubernetes
/// does (`port` and `"port"` are the same key), a key must be a string, and an anchor holds
/// within its document only, as YAML says (kubectl, too, reads each document on its own).
final class YAMLReader {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>
    private var finished = false

    init(_ contents: String) {
        parser = .allocate(capacity: 1)
        parser.initialize(to: yaml_parser_t())
        // Fails only without memory for the parser's buffers, as any allocation can.
        _ = yaml_parser_initialize(parser)
        input = .allocate(capacity: max(contents.utf8.count, 1))
        _ = input.initialize(from: contents.utf8)
        yaml_parser_set_input_string(parser, input.baseAddress, contents.utf8.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// The next document, nil after the last.
    func next() throws(YAMLError) -> YAMLDocument? {
        guard !finished else { return nil }
        while true {
            var event = yaml_event_t()
            try parse(&event)
            defer { yaml_event_delete(&event) }
            switch event.type {
            case YAML_STREAM_END_EVENT:
                finished = true
                return nil
            case YAML_DOCUMENT_START_EVENT:
                var builder = Builder()
                return try builder.document(from: self)
            default:
                continue
            }
        }
    }

    fileprivate func parse(_ event: inout yaml_event_t) throws(YAMLError) {
        guard yaml_parser_parse(parser, &event) == 1 else { throw YAMLError(parser: parser.pointee) }
    }
}

/// Builds one document from its events, with an explicit stack (no recursion, however deep).
private struct Builder {
    var nodes: [YAMLNode] = []
    var children: [Int32] = []
    var strings: [String] = []
    /// Children of the collections still open, each collection's after its `first`.
    var pending: [Int32] = []
    var open: [(node: Int32, first: Int, anchor: String?)] = []
    var anchors: [String: Int32] = [:]
    var root: Int32 = -1

    mutating func document(from reader: YAMLReader) throws(YAMLError) -> YAMLDocument {
        while true {
            var event = yaml_event_t()
            try reader.parse(&event)
            defer { yaml_event_delete(&event) }
            let line = Int32(truncatingIfNeeded: event.start_mark.line + 1)
            let column = Int32(truncatingIfNeeded: event.start_mark.column + 1)
            switch event.type {
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let tag: YAMLNode.Tag = scalar.quoted_implicit != 0 ? .nonSpecific : self.tag(scalar.tag)
                strings.append(String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self))
                let node = add(YAMLNode(kind: .scalar, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE, tag: tag,
                                        line: line, column: column, start: Int32(strings.count - 1), count: 0))
                if let anchor = scalar.anchor { anchors[String(cString: anchor)] = node }
            case YAML_ALIAS_EVENT:
                let name = String(cString: event.data.alias.anchor)
                guard let node = anchors[name] else {
                    throw YAMLError(kind: .syntax, problem: "found undefined alias", line: Int(line), column: Int(column))
                }
                attach(node)
            case YAML_SEQUENCE_START_EVENT:
                let start = event.data.sequence_start
                begin(.sequence, tag: start.implicit != 0 ? .implicit : tag(start.tag), line: line, column: column,
                      anchor: start.anchor)
            case YAML_MAPPING_START_EVENT:
                let start = event.data.mapping_start
                begin(.mapping, tag: start.implicit != 0 ? .implicit : tag(start.tag), line: line, column: column,
                      anchor: start.anchor)
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                let (node, anchor) = try end()
                if let anchor { anchors[anchor] = node }
            case YAML_DOCUMENT_END_EVENT:
                return YAMLDocument(nodes: nodes, children: children, strings: strings, root: root)
            default:
                continue
            }
        }
    }

    private mutating func tag(_ text: UnsafeMutablePointer<UInt8>?) -> YAMLNode.Tag {
        guard let text else { return .implicit }
        let name = String(cString: text)
        if name == "!" { return .nonSpecific }
        strings.append(name)
        return .explicit(Int32(strings.count - 1))
    }

    private mutating func add(_ node: YAMLNode) -> Int32 {
        nodes.append(node)
        let index = Int32(nodes.count - 1)
        attach(index)
        return index
    }

    private mutating func attach(_ node: Int32) {
        if open.isEmpty { root = node } else { pending.append(node) }
    }

    private mutating func begin(_ kind: YAMLNode.Kind, tag: YAMLNode.Tag, line: Int32, column: Int32,
                                anchor: UnsafeMutablePointer<UInt8>?) {
        nodes.append(YAMLNode(kind: kind, plain: false, tag: tag, line: line, column: column, start: 0, count: 0))
        open.append((Int32(nodes.count - 1), pending.count, anchor.map { String(cString: $0) }))
    }

    /// Closes the innermost collection; returns it and its anchor, which names it only now.
    private mutating func end() throws(YAMLError) -> (node: Int32, anchor: String?) {
        guard let (node, first, _) = open.last else { return (root, nil) }
        let start = Int32(children.count)
        children.append(contentsOf: pending[first...])
        nodes[Int(node)].start = start
        nodes[Int(node)].count = Int32(pending.count - first)
        if nodes[Int(node)].kind == .mapping { try checkKeys(of: nodes[Int(node)]) }
        pending.removeSubrange(first...)
        let anchor = open.removeLast().anchor
        attach(node)
        return (node, anchor)
    }

    /// A mapping's keys must be strings, each written once: Kubernetes reads manifests as JSON,
    /// whose keys are strings, and YAML, too, forbids a key twice.
    private func checkKeys(of mapping: YAMLNode) throws(YAMLError) {
        let pairs = Int(mapping.count) / 2
        let keys = (0..<pairs).map { nodes[Int(children[Int(mapping.start) + 2 * $0])] }
        if let key = keys.first(where: { $0.kind != .scalar }) {
            throw YAMLError(kind: .mappingKey, problem: "mapping keys must be plain strings, got "
                            + (key.kind == .sequence ? "a list" : "a mapping"),
                            line: Int(key.line), column: Int(key.column), fieldPath: openPath().description)
        }
        guard pairs > 1 else { return }
        let names = keys.map { strings[Int($0.start)] }
        var seen = Set<String>(minimumCapacity: pairs > 16 ? pairs : 0)
        for (pair, name) in names.enumerated() {
            let repeated = pairs > 16 ? !seen.insert(name).inserted : names[..<pair].contains(name)
            guard repeated, let first = names.firstIndex(of: name) else { continue }
            throw YAMLError(kind: .mappingKey, problem: "duplicate mapping key \"\(name)\"",
                            line: Int(keys[first].line), column: Int(keys[first].column),
                            fieldPath: openPath().description)
        }
    }

    /// The field path of the collection being closed (the innermost open one).
    private func openPath() -> FieldPath {
        var path = FieldPath()
        for (level, entry) in open.dropLast().enumerated() {
            let end = open[level + 1].first
            let written = end - entry.first
            if nodes[Int(entry.node)].kind == .sequence {
                path = path.index(written)
            } else if written % 2 == 1, case let key = nodes[Int(pending[end - 1])], key.kind == .scalar {
                path = path.child(strings[Int(key.start)])
            }
        }
        return path
    }
}

/// A problem reading YAML, where libyaml or the document builder found it.
struct YAMLError: Error {
    enum Kind {
        /// Bytes that are no text (bad UTF-8, a control character); `offset` in bytes.
        case reader(offset: Int)
        /// What libyaml refuses (and an alias to no anchor, or running out of memory).
        case syntax
        /// A key that is no string, or one written twice.
        case mappingKey
    }

    var kind: Kind
    var problem: String
    var line: Int
    var column: Int
    /// What libyaml was reading when it found the problem, and the line it started on.
    var context: (text: String, line: Int)? = nil
    var fieldPath = ""

    init(kind: Kind, problem: String, line: Int, column: Int, fieldPath: String = "") {
        self.kind = kind
        self.problem = problem
        self.line = line
        self.column = column
        self.fieldPath = fieldPath
    }

    init(parser: yaml_parser_t) {
        let problem = parser.problem.map { String(cString: $0) } ?? "out of memory"
        let line = Int(parser.problem_mark.line) + 1
        let column = Int(parser.problem_mark.column) + 1
        switch parser.error {
        case YAML_READER_ERROR:
            self.init(kind: .reader(offset: Int(parser.problem_offset)), problem: problem, line: line, column: column)
        case YAML_MEMORY_ERROR:
            self.init(kind: .syntax, problem: problem, line: line, column: column)
        default:
            self.init(kind: .syntax, problem: problem, line: line, column: column)
            context = parser.context.map { (String(cString: $0), Int(parser.context_mark.line) + 1) }
        }
    }
}
