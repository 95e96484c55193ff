/// One field of a JSON configuration and where it is (`ipam.ranges[0][1].subnet`), so
/// every rejection says which field is wrong. Errors are "invalid network config" (7).
struct ConfigField {
    let value: JSONValue
    let path: String

    init(_ value: JSONValue, path: String) {
        self.value = value
        self.path = path
    }

    /// The member `key`; nil when absent or `null`.
    func optional(_ key: String) throws(CNIError) -> ConfigField? {
        guard case .object(let object) = value else { throw invalid("must be an object") }
        guard let member = object[key], member != .null else { return nil }
        return ConfigField(member, path: path.isEmpty ? key : "\(path).\(key)")
    }

    func required(_ key: String) throws(CNIError) -> ConfigField {
        guard let field = try optional(key) else {
            throw CNIError(.invalidNetworkConfiguration, "\(path.isEmpty ? key : "\(path).\(key)"): required")
        }
        return field
    }

    func string() throws(CNIError) -> String {
        guard let text = value.stringValue else { throw invalid("must be a string") }
        return text
    }

    func nonEmptyString() throws(CNIError) -> String {
        let text = try string()
        guard !text.isEmpty else { throw invalid("must not be empty") }
        return text
    }

    func integer(in range: ClosedRange<Int>) throws(CNIError) -> Int {
        guard let number = value.intValue, range.contains(number) else {
            throw invalid("must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    func elements() throws(CNIError) -> [ConfigField] {
        guard let array = value.arrayValue else { throw invalid("must be an array") }
        return array.enumerated().map { ConfigField($0.element, path: "\(path)[\($0.offset)]") }
    }

    func invalid(_ reason: String) -> CNIError {
        CNIError(.invalidNetworkConfiguration, "\(path): \(reason)")
    }
}
