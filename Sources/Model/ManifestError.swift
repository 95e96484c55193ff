/// A manifest that cannot be used, located precisely enough to fix it:
/// `policies/deny.yaml:12: spec.ingress[0].ports[0].port: port 70000 out of range 1-65535`.
public struct ManifestError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// 1-based.
    public var line: Int
    /// 1-based, counted in Unicode scalars; nil when unknown.
    public var column: Int?
    /// Kubernetes-style path such as `spec.ingress[0].from[1].ipBlock.cidr`; empty for errors
    /// about the stream itself (YAML syntax).
    public var fieldPath: String
    public var message: String

    public init(file: String, line: Int, column: Int? = nil, fieldPath: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.fieldPath = fieldPath
        self.message = message
    }

    public var description: String {
        fieldPath.isEmpty ? "\(file):\(line): \(message)" : "\(file):\(line): \(fieldPath): \(message)"
    }
}
