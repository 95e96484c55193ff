import Yams

/// A YAML node with its file and field path, so any problem found while reading it becomes a
/// `ManifestError` naming file, line and field.
///
/// Manifests are read by walking YAML nodes directly instead of through Codable: Codable errors
/// carry a coding path but no position, and walking the nodes gives both for free, lets strict
/// kinds reject unknown fields, and keeps YAML's quoted-versus-plain distinction (`port: 80` is
/// a number, `port: "80"` a port name, as in Kubernetes).
struct NodeCursor {
    let document: YAMLDocument
    let index: Int32
    let path: FieldPath
    let file: String

    var node: YAMLNode { document.nodes[Int(index)] }

    var line: Int { Int(node.line) }

    /// The node's YAML tag, as Yams' default resolver gives it (`PlainScalarTag`).
    var tag: String {
        let node = node
        switch node.tag {
        case .explicit(let name): return document.strings[Int(name)]
        case .implicit where node.kind == .scalar: return PlainScalarTag.resolve(document.text(of: node)).rawValue
        case .implicit, .nonSpecific:
            switch node.kind {
            case .scalar: return Tag.Name.str.rawValue
            case .sequence: return Tag.Name.seq.rawValue
            case .mapping: return Tag.Name.map.rawValue
            }
        }
    }

    /// The text of a scalar written without quotes, nil for anything else.
    var plainText: String? {
        let node = node
        return node.kind == .scalar && node.plain ? document.text(of: node) : nil
    }

    var isEmptySequence: Bool {
        let node = node
        return node.kind == .sequence && node.count == 0
    }

    func error(_ message: String) -> ManifestError {
        ManifestError(file: file, line: line, column: Int(node.column), fieldPath: path.description, message: message)
    }

    func child(_ index: Int32, _ path: FieldPath) -> NodeCursor {
        NodeCursor(document: document, index: index, path: path, file: file)
    }

    /// Plain `null`, `~` or nothing: Kubernetes treats an explicit null like an absent field.
    var isNull: Bool {
        plainText != nil && tag == Tag.Name.null.rawValue
    }

    func mapping() throws(ManifestError) -> MappingCursor {
        let node = node
        guard node.kind == .mapping else { throw error("expected a mapping, got \(shape)") }
        // Keys that are no strings, or repeated, were refused when the document was read (YAMLReader).
        return MappingCursor(cursor: self, start: Int(node.start), pairs: Int(node.count) / 2)
    }

    func sequence() throws(ManifestError) -> [NodeCursor] {
        let node = node
        guard node.kind == .sequence else { throw error("expected a list, got \(shape)") }
        return document.children(of: node).enumerated().map { child($0.element, path.index($0.offset)) }
    }

    /// A YAML string: quoted, block, or plain text that YAML does not read as another type.
    /// Like Kubernetes, `version: 1` or `enabled: true` is not a string: quote it.
    func string() throws(ManifestError) -> String {
        let node = node
        guard node.kind == .scalar else { throw error("expected a string, got \(shape)") }
        let text = document.text(of: node)
        guard !node.plain || tag == Tag.Name.str.rawValue else {
            throw error("expected a string, got \(shape); quote it (\"\(text)\")")
        }
        return text
    }

    /// An RFC 3339 time (`2026-01-02T15:04:05Z`), quoted as the API server writes it or plain
    /// (which YAML reads as a timestamp); returned as written.
    func timestamp() throws(ManifestError) -> String {
        let node = node
        guard node.kind == .scalar, case let text = document.text(of: node), NodeCursor.isRFC3339(text),
              !node.plain || tag == Tag.Name.timestamp.rawValue
        else { throw error("expected an RFC 3339 time such as 2026-01-02T15:04:05Z, got \(shape)") }
        return text
    }

    /// `YYYY-MM-DDTHH:MM:SS`, optional fraction, then `Z` or an offset `±HH:MM`.
    static func isRFC3339(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Bool {
            range.upperBound <= bytes.count && range.allSatisfy { (0x30...0x39).contains(bytes[$0]) }
        }
        func byte(_ index: Int, _ ascii: Unicode.Scalar) -> Bool { index < bytes.count && bytes[index] == UInt8(ascii: ascii) }
        guard digits(0..<4), byte(4, "-"), digits(5..<7), byte(7, "-"), digits(8..<10),
              byte(10, "T") || byte(10, "t"), digits(11..<13), byte(13, ":"), digits(14..<16), byte(16, ":"), digits(17..<19)
        else { return false }
        var index = 19
        if byte(index, ".") {
            index += 1
            let start = index
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
            guard index > start else { return false }
        }
        if byte(index, "Z") || byte(index, "z") { return index + 1 == bytes.count }
        guard byte(index, "+") || byte(index, "-"), digits(index + 1..<index + 3), byte(index + 3, ":"),
              digits(index + 4..<index + 6) else { return false }
        return index + 6 == bytes.count
    }

    /// A plain decimal integer. YAML 1.1's other spellings (`0x50`, `0o17`, `1_000`, `1:30`) are
    /// refused: their meaning differs between parsers.
    func integer() throws(ManifestError) -> Int {
        // `!!str 80` is the string "80".
        guard let text = plainText, NodeCursor.isDecimalInteger(text), tag == Tag.Name.int.rawValue
        else { throw error("expected an integer, got \(shape)") }
        guard let value = Int(text) else { throw error("integer \(text) is too large") }
        return value
    }

    func bool() throws(ManifestError) -> Bool {
        // YAML 1.1's words, in any case once tagged `!!bool` (as Yams reads them).
        switch plainText.map({ tag == Tag.Name.bool.rawValue ? $0.lowercased() : "" }) {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("expected true or false, got \(shape)")
        }
    }

    /// A port number 1...65535; `what` names it in the message ("port 0 out of range 1-65535").
    func port(_ what: String) throws(ManifestError) -> UInt16 {
        let value = try integer()
        guard (1...65535).contains(value) else { throw error("\(what) \(value) out of range 1-65535") }
        return UInt16(value)
    }

    /// How a node reads in an error message: "a list", "the integer 80", "the string \"80\"".
    var shape: String {
        let node = node
        switch node.kind {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar:
            let text = document.text(of: node)
            guard node.plain else { return "the string \"\(text)\"" }
            switch tag {
            case Tag.Name.null.rawValue: return "null"
            case Tag.Name.bool.rawValue: return "the boolean \(text)"
            case Tag.Name.int.rawValue: return "the integer \(text)"
            case Tag.Name.float.rawValue: return "the number \(text)"
            case Tag.Name.timestamp.rawValue: return "the timestamp \(text)"
            default: return "the string \"\(text)\""
            }
        }
    }

    static func isDecimalInteger(_ text: String) -> Bool {
        let digits = text.utf8.first == UInt8(ascii: "-") ? text.utf8.dropFirst() : text.utf8[...]
        guard let first = digits.first, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return false }
        return first != 0x30 || digits.count == 1
    }
}

/// A YAML mapping being read field by field, in place: its keys and values are the
/// document's, looked up by name without copying them out.
struct MappingCursor {
    /// A field as written.
    struct Entry {
        var name: String
        var key: Int32
        var value: Int32
    }

    let cursor: NodeCursor
    /// Where the mapping's keys and values start in the document's `children`.
    let start: Int
    let pairs: Int

    private var document: YAMLDocument { cursor.document }

    /// The fields as written, in order.
    var entries: [Entry] {
        (0..<pairs).map { pair in
            let key = document.children[start + 2 * pair]
            return Entry(name: document.strings[Int(document.nodes[Int(key)].start)], key: key,
                         value: document.children[start + 2 * pair + 1])
        }
    }

    func key(of entry: Entry) -> NodeCursor {
        cursor.child(entry.key, cursor.path.child(entry.name))
    }

    func value(of entry: Entry) -> NodeCursor {
        cursor.child(entry.value, cursor.path.child(entry.name))
    }

    /// The value of the field `name`, or nil when it is absent.
    private func valueIndex(_ name: String) -> Int32? {
        let children = document.children
        let nodes = document.nodes
        let strings = document.strings
        for pair in 0..<pairs where strings[Int(nodes[Int(children[start + 2 * pair])].start)] == name {
            return children[start + 2 * pair + 1]
        }
        return nil
    }

    /// The field's value, or nil when it is absent or null.
    func field(_ name: String) -> NodeCursor? {
        guard let index = valueIndex(name) else { return nil }
        let value = cursor.child(index, cursor.path.child(name))
        return value.isNull ? nil : value
    }

    /// The field's value; an error at this mapping when it is absent or null.
    func required(_ name: String) throws(ManifestError) -> NodeCursor {
        guard let value = field(name) else { throw missing(name) }
        return value
    }

    func missing(_ name: String) -> ManifestError {
        location(of: name).error("required value")
    }

    /// Where to report a problem with a field: its value when written (even as null),
    /// otherwise this mapping, under the field's path.
    func location(of name: String) -> NodeCursor {
        cursor.child(valueIndex(name) ?? cursor.index, cursor.path.child(name))
    }

    /// For kinds read strictly: a misspelt field must not be silently ignored (a policy with a
    /// typo in `ingress` would otherwise deny everything).
    func rejectUnknownFields(_ allowed: [String]) throws(ManifestError) {
        for entry in entries where !allowed.contains(entry.name) {
            throw key(of: entry).error("unknown field \"\(entry.name)\" (allowed: \(allowed.joined(separator: ", ")))")
        }
    }

    func string(_ name: String) throws(ManifestError) -> String? {
        try field(name)?.string()
    }

    /// The items of a list field; empty when absent or null.
    func list(_ name: String) throws(ManifestError) -> [NodeCursor] {
        try field(name)?.sequence() ?? []
    }

    /// A string-to-string map such as labels; each entry's cursor for validation.
    func stringMap(_ name: String) throws(ManifestError) -> [(key: String, value: String, cursor: NodeCursor)] {
        guard let node = field(name) else { return [] }
        var result: [(key: String, value: String, cursor: NodeCursor)] = []
        for entry in try node.mapping().entries {
            let value = node.child(entry.value, node.path.key(entry.name))
            // As in Kubernetes, `key:` with no value is the empty string.
            result.append((entry.name, value.isNull ? "" : try value.string(), value))
        }
        return result
    }
}
