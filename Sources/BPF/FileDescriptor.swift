import Glibc

/// An fd that is closed exactly once, when the last reference goes away.
/// Shared by value types (maps, programs) so copies never double-close.
public final class FileDescriptor: Sendable {
    public let rawValue: Int32
    private let owned: Bool

    /// Takes ownership of `rawValue`.
    public init(owning rawValue: Int32) {
        self.rawValue = rawValue
        self.owned = true
    }

    /// Borrows `rawValue`; something else (a libbpf object) closes it.
    init(borrowing rawValue: Int32) {
        self.rawValue = rawValue
        self.owned = false
    }

    deinit {
        if owned && rawValue >= 0 { close(rawValue) }
    }
}
