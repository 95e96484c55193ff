import Model

/// The ipBlock peers of every policy, grouped by network, so that finding
/// the blocks holding an address probes each distinct prefix length once
/// instead of testing every block: with one block per policy, the plan of
/// 10,000 policies would otherwise test 10,000 blocks per address.
struct BlockIndex {
    struct Block {
        var peer: UInt32
        var except: [CIDR]
    }

    /// An address as two integers, masked to a prefix: cheap to hash, no allocation.
    private struct Network: Hashable {
        var family: IPAddress.Family
        var prefixLength: Int
        var high: UInt64
        var low: UInt64

        init(_ address: IPAddress, prefixLength: Int) {
            family = address.family
            self.prefixLength = prefixLength
            var high: UInt64 = 0
            var low: UInt64 = 0
            // IPv4 fills `high` from the top, as the first 4 of 16 bytes would.
            for (index, byte) in address.bytes.enumerated() {
                if index < 8 {
                    high |= UInt64(byte) << (56 - 8 * index)
                } else {
                    low |= UInt64(byte) << (56 - 8 * (index - 8))
                }
            }
            self.high = high & Self.mask(prefixLength)
            self.low = low & Self.mask(prefixLength - 64)
        }

        /// The top `bits` bits of a 64-bit word set (none when `bits` <= 0).
        private static func mask(_ bits: Int) -> UInt64 {
            if bits <= 0 { return 0 }
            if bits >= 64 { return .max }
            return ~(UInt64.max >> bits)
        }
    }

    private var blocks: [Network: [Block]] = [:]
    /// The distinct prefix lengths of the blocks of each family.
    private var lengths: [IPAddress.Family: [Int]] = [:]

    init(_ peers: [(peer: UInt32, block: IPBlock)]) {
        var lengthSets: [IPAddress.Family: Set<Int>] = [:]
        for (peer, block) in peers {
            let cidr = block.cidr
            blocks[Network(cidr.address, prefixLength: cidr.prefixLength), default: []]
                .append(Block(peer: peer, except: block.except))
            lengthSets[cidr.family, default: []].insert(cidr.prefixLength)
        }
        lengths = lengthSets.mapValues { $0.sorted() }
    }

    var isEmpty: Bool { blocks.isEmpty }

    /// The peers whose block holds all of `cidr` and no `except` of which covers it.
    func peers(containing cidr: CIDR) -> [UInt32] {
        var result: [UInt32] = []
        for length in lengths[cidr.family] ?? [] {
            guard length <= cidr.prefixLength else { break }
            for block in blocks[Network(cidr.address, prefixLength: length)] ?? []
                where !block.except.contains(where: { $0.contains(cidr) }) {
                result.append(block.peer)
            }
        }
        return result
    }

    func peers(containing address: IPAddress) -> [UInt32] {
        peers(containing: CIDR(host: address))
    }
}
