import Yams

/// The tag Yams' default resolver gives a plain scalar, without running its seven
/// regular expressions on every key and value of every manifest (most of decoding
/// 10,000 files went there).
///
/// Only text that starts like a number, a timestamp, `~`, `<<` or `=` can match a rule
/// other than bool and null, so that text goes through the default resolver itself; any
/// other text is a bool or null literal, or a string.
enum PlainScalarTag {
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
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return NumericShape(text).map(\.tag) ?? Resolver.default.resolveTag(of: Node(text))
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "<"),
             UInt8(ascii: "="):
            return Resolver.default.resolveTag(of: Node(text))
        default:
            return words[text] ?? .str
        }
    }

    /// The two shapes of digit-led text that fill manifests (ports, counts, IPv4 addresses).
    /// Every rule of the default resolver matches all of a shape's texts or none of them (no
    /// rule tells one digit from another, or counts dots past the second), so one sample's
    /// tag, worked out once by the resolver itself, is every member's.
    private enum NumericShape {
        /// Digits without a leading zero (a leading zero may be octal).
        case decimal
        /// Two or more dots between non-empty runs of digits.
        case dotted

        init?(_ text: String) {
            var dots = 0
            var previous: UInt8 = 0
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): break
                case UInt8(ascii: ".") where previous != UInt8(ascii: ".") && previous != 0: dots += 1
                default: return nil
                }
                previous = byte
            }
            if dots == 0 {
                guard text.utf8.count == 1 || text.utf8.first != UInt8(ascii: "0") else { return nil }
                self = .decimal
            } else {
                guard dots >= 2, previous != UInt8(ascii: ".") else { return nil }
                self = .dotted
            }
        }

        private static let decimalTag = Resolver.default.resolveTag(of: Node("80"))
        private static let dottedTag = Resolver.default.resolveTag(of: Node("10.96.0.1"))

        var tag: Tag.Name { self == .decimal ? Self.decimalTag : Self.dottedTag }
    }
}
