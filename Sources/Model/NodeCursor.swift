import Yams

/// A YAML node with its file and field path, so any problem found while reading it becomes a
/// `ManifestError` naming file, line and field.
///
/// Manifests are read by walking Yams nodes directly instead of through Codable: Codable errors
/// carry a coding path but no position, and walking the nodes gives both for free, lets strict
/// kinds reject unknown fields, and keeps YAML's quoted-versus-plain distinction (`port: 80` is
/// a number, `port: "80"` a port name, as in Kubernetes).
struct NodeCursor {
    let node: Node
    let path: FieldPath
    let file: String
    /// The file has no explicit tag (no `!` anywhere), so it was parsed without the marker
    /// rule and every plain scalar is an untagged one (PlainScalarTag).
    var untagged = false

    var line: Int { node.mark?.line ?? 1 }

    /// The node's YAML tag, as the default resolver gives it (`PlainScalarTag`).
    var tag: String { PlainScalarTag.of(node, untagged: untagged) }

    func error(_ message: String) -> ManifestError {
        ManifestError(file: file, line: line, column: node.mark?.column, fieldPath: path.description, message: message)
    }

    func child(_ node: Node, _ path: FieldPath) -> NodeCursor {
        NodeCursor(node: node, path: path, file: file, untagged: untagged)
    }

    /// Plain `null`, `~` or nothing: Kubernetes treats an explicit null like an absent field.
    var isNull: Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return tag == Tag.Name.null.rawValue
    }

    func mapping() throws(ManifestError) -> MappingCursor {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping, got \(shape)") }
        var entries: [MappingCursor.Entry] = []
        var names: [String] = []
        entries.reserveCapacity(mapping.count)
        names.reserveCapacity(mapping.count)
        // Yams finds duplicates by resolved tag, which tells `port` from `"port"` in a file with
        // a `!`; Kubernetes compares the strings. A set only pays off for long mappings.
        let long = mapping.count > 32
        var seen = Set<String>(minimumCapacity: long ? mapping.count : 0)
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw child(key, path).error("mapping keys must be plain strings, got \(child(key, path).shape)")
            }
            let name = scalar.string
            let repeated = long ? !seen.insert(name).inserted : names.contains(name)
            if repeated, let first = names.firstIndex(of: name) {
                throw child(entries[first].keyNode, path).error("duplicate mapping key \"\(name)\"")
            }
            entries.append(MappingCursor.Entry(name: name, keyNode: key, valueNode: value))
            names.append(name)
        }
        return MappingCursor(cursor: self, entries: entries, names: names)
    }

    func sequence() throws(ManifestError) -> [NodeCursor] {
        guard case .sequence(let sequence) = node else { throw error("expected a list, got \(shape)") }
        return sequence.enumerated().map { child($0.element, path.index($0.offset)) }
    }

    /// A YAML string: quoted, block, or plain text that YAML does not read as another type.
    /// Like Kubernetes, `version: 1` or `enabled: true` is not a string: quote it.
    func string() throws(ManifestError) -> String {
        guard case .scalar(let scalar) = node else { throw error("expected a string, got \(shape)") }
        guard scalar.style != .plain || tag == Tag.Name.str.rawValue else {
            throw error("expected a string, got \(shape); quote it (\"\(scalar.string)\")")
        }
        return scalar.string
    }

    /// An RFC 3339 time (`2026-01-02T15:04:05Z`), quoted as the API server writes it or plain
    /// (which YAML reads as a timestamp); returned as written.
    func timestamp() throws(ManifestError) -> String {
        guard case .scalar(let scalar) = node, NodeCursor.isRFC3339(scalar.string),
              scalar.style != .plain || tag == Tag.Name.timestamp.rawValue
        else { throw error("expected an RFC 3339 time such as 2026-01-02T15:04:05Z, got \(shape)") }
        return scalar.string
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
        // `!!str 80` is the string "80" (a file with no `!` has no such tag to look up).
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any,
              NodeCursor.isDecimalInteger(scalar.string), untagged || tag == Tag.Name.int.rawValue
        else { throw error("expected an integer, got \(shape)") }
        guard let value = Int(scalar.string) else { throw error("integer \(scalar.string) is too large") }
        return value
    }

    func bool() throws(ManifestError) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any,
              tag == Tag.Name.bool.rawValue, let value = node.bool
        else { throw error("expected true or false, got \(shape)") }
        return value
    }

    /// A port number 1...65535; `what` names it in the message ("port 0 out of range 1-65535").
    func port(_ what: String) throws(ManifestError) -> UInt16 {
        let value = try integer()
        guard (1...65535).contains(value) else { throw error("\(what) \(value) out of range 1-65535") }
        return UInt16(value)
    }

    /// How a node reads in an error message: "a list", "the integer 80", "the string \"80\"".
    var shape: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if scalar.style != .plain && scalar.style != .any { return "the string \"\(scalar.string)\"" }
            switch tag {
            case Tag.Name.null.rawValue: return "null"
            case Tag.Name.bool.rawValue: return "the boolean \(scalar.string)"
            case Tag.Name.int.rawValue: return "the integer \(scalar.string)"
            case Tag.Name.float.rawValue: return "the number \(scalar.string)"
            case Tag.Name.timestamp.rawValue: return "the timestamp \(scalar.string)"
            default: return "the string \"\(scalar.string)\""
            }
        }
    }

    static func isDecimalInteger(_ text: String) -> Bool {
        let digits = text.utf8.first == UInt8(ascii: "-") ? text.utf8.dropFirst() : text.utf8[...]
        guard let first = digits.first, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return false }
        return first != 0x30 || digits.count == 1
    }
}

/// A YAML mapping being read field by field.
struct MappingCursor {
    /// A field as written; its cursors (and their paths) are made only for the fields read.
    struct Entry {
        var name: String
        var keyNode: Node
        var valueNode: Node
    }

    let cursor: NodeCursor
    let entries: [Entry]
    /// The entries' names alone: a field is looked up in these, without copying entries.
    let names: [String]

    func key(of entry: Entry) -> NodeCursor {
        cursor.child(entry.keyNode, cursor.path.child(entry.name))
    }

    func value(of entry: Entry) -> NodeCursor {
        cursor.child(entry.valueNode, cursor.path.child(entry.name))
    }

    /// The field's value, or nil when it is absent or null.
    func field(_ name: String) -> NodeCursor? {
        guard let index = names.firstIndex(of: name) else { return nil }
        let value = cursor.child(entries[index].valueNode, cursor.path.child(name))
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
        let value = names.firstIndex(of: name).map { entries[$0].valueNode } ?? cursor.node
        return cursor.child(value, cursor.path.child(name))
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
            let value = node.child(entry.valueNode, node.path.key(entry.name))
            // As in Kubernetes, `key:` with no value is the empty string.
            result.append((entry.name, value.isNull ? "" : try value.string(), value))
        }
        return result
    }
}
