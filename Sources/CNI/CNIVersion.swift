/// A CNI spec version (`major.minor.patch`), compared numerically.
public struct CNIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let major: Int
    public let minor: Int
    public let patch: Int

    public init(_ major: Int, _ minor: Int, _ patch: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// Parses `x.y.z` with decimal parts; nil otherwise.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var numbers: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 6, part.allSatisfy(\.isASCIIDigit), let value = Int(part) else { return nil }
            numbers.append(value)
        }
        self.init(numbers[0], numbers[1], numbers[2])
    }

    public var description: String { "\(major).\(minor).\(patch)" }

    public static func < (lhs: CNIVersion, rhs: CNIVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
    }

    /// What this plugin speaks: configurations from 0.3.0 (the first with the rich result)
    /// to 1.1.0 (GC and STATUS).
    public static let supported: [CNIVersion] = [
        CNIVersion(0, 3, 0), CNIVersion(0, 3, 1), CNIVersion(0, 4, 0), CNIVersion(1, 0, 0), CNIVersion(1, 1, 0),
    ]
    public static let latest = CNIVersion(1, 1, 0)
    /// CHECK arrived in 0.4.0; GC and STATUS in 1.1.0.
    public static let check = CNIVersion(0, 4, 0)
    public static let gcAndStatus = CNIVersion(1, 1, 0)
    /// From 1.0.0 on, result addresses no longer carry `version`.
    public static let unversionedAddresses = CNIVersion(1, 0, 0)
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
