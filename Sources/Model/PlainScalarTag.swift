import Yams

/// The tag Yams' default resolver gives a plain scalar, without running its seven
/// regular expressions on every key and value of every manifest (most of decoding
/// 10,000 files went there).
///
/// Manifests are parsed with a resolver whose one rule marks every plain scalar with
/// `marker`; a marked scalar's tag is then found here. Only text that starts like a
/// number, a timestamp, `~`, `<<` or `=` can match a rule other than bool and null,
/// so that text goes through the default resolver itself; any other text is a bool
/// or null literal, or a string. Explicit tags (`!!str 80`) never carry the marker.
enum PlainScalarTag {
    static let marker = Tag.Name("tag:sluice.dev,2026:plain")

    static let resolver: Resolver = (try? Resolver.basic.appending(marker, "^")) ?? .default

    /// The default resolver's bool and null literals.
    private static let words: [String: Tag.Name] = {
        var words: [String: Tag.Name] = ["null": .null, "Null": .null, "NULL": .null]
        for word in ["yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
                     "on", "On", "ON", "off", "Off", "OFF"] {
            words[word] = .bool
        }
        return words
    }()

    /// What `Resolver.default` resolves plain `text` to.
    static func resolve(_ text: String) -> Tag.Name {
        guard let first = text.utf8.first else { return .null }
        switch first {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "~"), UInt8(ascii: "<"), UInt8(ascii: "="):
            return Resolver.default.resolveTag(of: Node(text))
        default:
            return words[text] ?? .str
        }
    }

    /// The tag `node` has under the default resolver.
    static func of(_ node: Node) -> String {
        let tag = node.tag.rawValue
        guard tag == marker.rawValue, case .scalar(let scalar) = node else { return tag }
        return resolve(scalar.string).rawValue
    }
}
