/// Kubernetes' syntax rules for names, label keys and values, and port names
/// (k8s.io/apimachinery/pkg/util/validation). Each check returns nil when the text is valid,
/// otherwise the reason, phrased to follow a field path.
enum KubernetesNames {
    /// RFC 1123 label: namespace names, container names, `metadata.namespace`.
    static func dns1123LabelProblem(_ text: String) -> String? {
        if text.utf8.count > 63 { return "must be no more than 63 characters" }
        guard isDNS1123Label(text.utf8) else {
            return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name')"
        }
        return nil
    }

    /// RFC 1123 subdomain: pod and network policy names, label key prefixes.
    static func dns1123SubdomainProblem(_ text: String) -> String? {
        if text.utf8.count > 253 { return "must be no more than 253 characters" }
        let labels = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.allSatisfy(isDNS1123Label) else {
            return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')"
        }
        return nil
    }

    /// Label and annotation keys: `[prefix/]name`, prefix a DNS subdomain, name up to 63 characters.
    static func qualifiedNameProblem(_ text: String) -> String? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let name: Substring
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            if parts[0].isEmpty { return "prefix part must be non-empty" }
            if let problem = dns1123SubdomainProblem(String(parts[0])) { return "prefix part " + problem }
            name = parts[1]
        default:
            return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        }
        if name.isEmpty { return "name part must be non-empty" }
        if name.utf8.count > 63 { return "name part must be no more than 63 characters" }
        guard isLabelValueShaped(name.utf8) else {
            return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', 'my.name', or '123-abc')"
        }
        return nil
    }

    /// Label values: empty, or up to 63 characters shaped like a qualified name's name part.
    static func labelValueProblem(_ text: String) -> String? {
        if text.isEmpty { return nil }
        if text.utf8.count > 63 { return "must be no more than 63 characters" }
        guard isLabelValueShaped(text.utf8) else {
            return "a valid label value must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', 'my_value', or '12345')"
        }
        return nil
    }

    /// IANA service names (RFC 6335), used for named ports.
    static func portNameProblem(_ text: String) -> String? {
        let bytes = text.utf8
        if bytes.isEmpty { return "must not be empty" }
        if bytes.count > 15 { return "must be no more than 15 characters" }
        guard bytes.allSatisfy({ isLowerAlnum($0) || $0 == UInt8(ascii: "-") }) else {
            return "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
        }
        guard bytes.contains(where: { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) }) else {
            return "must contain at least one letter (a-z)"
        }
        if zip(bytes, bytes.dropFirst()).contains(where: { $0 == UInt8(ascii: "-") && $1 == $0 }) {
            return "must not contain consecutive hyphens"
        }
        if bytes.first == UInt8(ascii: "-") || bytes.last == UInt8(ascii: "-") {
            return "must not begin or end with a hyphen"
        }
        return nil
    }

    /// The shape alone: a subdomain's parts need not be labels' length (Kubernetes limits
    /// only the whole, to 253).
    private static func isDNS1123Label(_ bytes: some BidirectionalCollection<UInt8>) -> Bool {
        guard let first = bytes.first, let last = bytes.last else { return false }
        return isLowerAlnum(first) && isLowerAlnum(last) && bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    private static func isLabelValueShaped(_ bytes: some BidirectionalCollection<UInt8>) -> Bool {
        guard let first = bytes.first, let last = bytes.last else { return false }
        return isAlnum(first) && isAlnum(last) && bytes.allSatisfy {
            isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
        }
    }

    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isAlnum(_ byte: UInt8) -> Bool {
        isLowerAlnum(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
}
