/// The identities of a plan, indexed by the peers their signatures hold, so
/// that a rule finds the identities it allows without testing every class.
struct PeerIdentities {
    struct Entry {
        var identity: UInt32
        var signature: IdentitySignature
    }

    /// Every identity, WORLD included, in identity order.
    let entries: [Entry]
    /// The node's own addresses' identities.
    let hosts: [Int]
    private let byPeer: [UInt32: [Int]]

    init(_ identities: [UInt32: IdentitySignature]) {
        entries = identities.sorted { $0.key < $1.key }.map { Entry(identity: $0.key, signature: $0.value) }
        var byPeer: [UInt32: [Int]] = [:]
        var hosts: [Int] = []
        for (index, entry) in entries.enumerated() {
            for peer in entry.signature.peers { byPeer[peer, default: []].append(index) }
            if entry.signature.isHost { hosts.append(index) }
        }
        self.byPeer = byPeer
        self.hosts = hosts
    }

    /// Indexes into `entries` of the identities any of `peers` matches, in
    /// order; every identity when `peers` is empty (a rule without peers).
    func matching(_ peers: [UInt32]) -> [Int] {
        if peers.isEmpty { return Array(entries.indices) }
        if peers.count == 1 { return byPeer[peers[0]] ?? [] }
        var seen = Set<Int>()
        for peer in peers { seen.formUnion(byPeer[peer] ?? []) }
        return seen.sorted()
    }
}
