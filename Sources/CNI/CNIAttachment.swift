/// One attachment of a container to a network: the spec's primary key within a network.
public struct CNIAttachment: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var containerID: String
    public var ifname: String

    public init(containerID: String, ifname: String) {
        self.containerID = containerID
        self.ifname = ifname
    }

    public var description: String { "\(containerID)/\(ifname)" }

    public static func < (lhs: CNIAttachment, rhs: CNIAttachment) -> Bool {
        (lhs.containerID, lhs.ifname) < (rhs.containerID, rhs.ifname)
    }

    /// The spec's container ID: an alphanumeric first character, then alphanumerics, `_`, `.` or `-`.
    public static func isValidContainerID(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCIIAlphanumeric else { return false }
        return text.unicodeScalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "_" || $0 == "." || $0 == "-" }
    }

    /// The spec's interface name: 1–15 bytes, not `.` or `..`, no `/`, `:` or whitespace.
    public static func isValidInterfaceName(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count < 16, text != ".", text != ".." else { return false }
        return !text.unicodeScalars.contains { $0 == "/" || $0 == ":" || $0.properties.isWhitespace || $0.value < 0x20 }
    }

    /// The spec's network name (same alphabet as a container ID); it becomes a directory name.
    public static func isValidNetworkName(_ text: String) -> Bool {
        isValidContainerID(text)
    }
}

extension Unicode.Scalar {
    var isASCIIAlphanumeric: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self)
    }
}
