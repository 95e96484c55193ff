import CSluiceBPF

/// What a test puts in the maps before its packet runs: plain data, so
/// fixture tables can state it.
struct DatapathSetup: Sendable {
    struct Endpoint: Sendable {
        var id: UInt32
        var flags: UInt32
        var ifindex: UInt32 = LoadedDatapath.testRunIfindex
        /// The policies drops in each direction are counted against (abi.h).
        var ingressPolicyID: UInt32 = 0
        var egressPolicyID: UInt32 = 0
    }

    struct Identity: Sendable {
        var address: IPAddress
        var prefixLength: UInt32?
        var identity: UInt32
    }

    var endpoints: [Endpoint]
    var identities: [Identity]
    var rules: [PolicyRule]
}
