import CSluiceBPF
import Model

/// The last plan's address classes (identities, ipcache, the peer index) and
/// everything they were computed from. A change that leaves all of it alone,
/// such as a policy edit that names no new peer and drops none, reuses them:
/// classifying thousands of pods again would give the same result.
/// Unchanged dictionaries compare in O(1) (they share storage), so checking
/// costs next to nothing.
struct AddressClassMemo: Sendable, Equatable {
    /// Compared in declaration order: the cheap and the likely to differ first.
    struct Inputs: Sendable, Equatable {
        var peerIDs: Set<UInt32>
        var namedPortsInEgress: Set<String>
        var nodeAddresses: [IPAddress]
        var namespaceLabels: [String: [String: String]]
        var pods: [ObjectRef: Pod]
    }

    struct Classes: Sendable {
        var identities: [UInt32: IdentitySignature]
        var ipcache: [sluice_ipcache_key: sluice_ipcache_value]
        var peerIdentities: PeerIdentities
    }

    private var inputs: Inputs?
    private var classes: Classes?

    /// What was computed from `inputs`, if the last plan had exactly these.
    func classes(for inputs: Inputs) -> Classes? {
        self.inputs == inputs ? classes : nil
    }

    mutating func remember(_ classes: Classes, for inputs: Inputs) {
        self.inputs = inputs
        self.classes = classes
    }

    /// A cache: it never makes two allocations different.
    static func == (lhs: AddressClassMemo, rhs: AddressClassMemo) -> Bool { true }
}
