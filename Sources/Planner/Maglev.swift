/// Maglev consistent hashing (Eisenbud et al., NSDI 2016) with weights.
///
/// Every backend walks its own permutation of the table's slots, derived only from the
/// backend's identity bytes, and claims the next free slot of it in turn. So every node
/// given the same backends, weights and size builds the same table, whatever order it
/// learned them in, and removing one of N backends moves little more than its own 1/N of
/// the slots. Weights: each round, a backend gains its weight in credit and claims one
/// slot per `maximum weight` of credit, so the heaviest claims one slot a round and the
/// others proportionally fewer, which keeps every share within a slot or two of its
/// weight's share.
public enum Maglev {
    public struct Backend: Sendable, Hashable {
        /// What makes the backend the same backend on every node: family, address, port.
        public var identity: [UInt8]
        /// Relative share of the table; 0 takes no slots.
        public var weight: UInt32

        public init(identity: [UInt8], weight: UInt32) {
            self.identity = identity
            self.weight = weight
        }
    }

    /// The table: for each of `size` slots, the index in `backends` of its backend.
    /// Empty when no backend has a weight. `size` must be a prime (the permutation
    /// needs `skip` coprime to it) and larger than the number of backends.
    public static func table(_ backends: [Backend], size: Int) -> [Int] {
        ranks(backends, size: size).map { Int($0) }
    }

    /// `table` as 32-bit indexes, filled as the agent fills a table it writes (`MaglevSlots`).
    static func ranks(_ backends: [Backend], size: Int) -> [Int32] {
        var ranks = [Int32](repeating: -1, count: size)
        let indexes = backends.indices.map { UInt32($0) }
        let filled = ranks.withUnsafeMutableBytes { memory in
            MaglevSlots.with(memory: memory, stride: MemoryLayout<Int32>.stride, ids: indexes, size: size) { slots in
                fill(backends, size: size, into: slots)
            }
        }
        return filled ? ranks : []
    }

    /// Fills `slots` (all free on entry) as `table` describes. False, leaving them free, when
    /// no backend has a weight.
    static func fill(_ backends: [Backend], size: Int, into slots: MaglevSlots) -> Bool {
        precondition(size > 1 && Primes.isPrime(size), "Maglev table size \(size) is not a prime")
        // Order by identity, so the input order (file order, map order) never matters.
        let order = backends.indices.filter { backends[$0].weight > 0 }
            .sorted { backends[$0].identity.lexicographicallyPrecedes(backends[$1].identity) }
        guard !order.isEmpty else { return false }

        // Each backend's permutation is offset, offset + skip, ... (mod size); `position`
        // holds where it stands, advanced by addition alone (no division in the hot loop).
        var walkers = order.map { index in
            let identity = backends[index].identity
            return Walker(position: Int(StableHash.hash(identity, seed: 0x6f66_6673_6574) % UInt64(size)),
                          skip: Int(StableHash.hash(identity, seed: 0x736b_6970) % UInt64(size - 1)) + 1,
                          weight: UInt64(backends[index].weight), credit: 0, index: Int32(index))
        }
        let maximum = walkers.map(\.weight).max() ?? 1
        walkers.withUnsafeMutableBufferPointer { walkers in
            var filled = 0
            while filled < size {
                for rank in walkers.indices {
                    walkers[rank].credit &+= walkers[rank].weight
                    while walkers[rank].credit >= maximum && filled < size {
                        walkers[rank].credit &-= maximum
                        // Next free slot along this backend's permutation.
                        let skip = walkers[rank].skip
                        var slot = walkers[rank].position
                        while !slots.isFree(slot) {
                            slot &+= skip
                            if slot >= size { slot &-= size }
                        }
                        slots.claim(slot, by: walkers[rank].index)
                        slot &+= skip
                        walkers[rank].position = slot >= size ? slot &- size : slot
                        filled &+= 1
                    }
                    if filled == size { break }
                }
            }
        }
        return true
    }

    /// One backend's walk along its permutation.
    private struct Walker {
        var position: Int
        let skip: Int
        let weight: UInt64
        var credit: UInt64
        /// Its index in the caller's `backends`.
        let index: Int32
    }
}

/// Where a fill puts its slots: backend ids bound for memory, `stride` bytes apart. The fill
/// claims slots in a compact array of ids (64 KiB at the default size) and a bitmap of which
/// are taken (the walk probes it about M ln M times, and 2 KiB of bits stay in the
/// first-level cache); the ids then go to `memory` in one sequential pass, which costs less
/// than scattering them over its `stride` × M bytes.
struct MaglevSlots {
    /// The id of each input backend.
    let ids: [UInt32]
    /// One bit per slot, set once taken; zeroed on entry.
    let taken: UnsafeMutableBufferPointer<UInt64>
    /// Each slot's backend id while the fill runs.
    let claimed: UnsafeMutableBufferPointer<UInt32>

    func isFree(_ slot: Int) -> Bool { taken[slot &>> 6] & (1 &<< UInt64(slot & 63)) == 0 }

    /// Gives `slot` to the backend at `index` of the fill's input.
    func claim(_ slot: Int, by index: Int32) {
        taken[slot &>> 6] |= 1 &<< UInt64(slot & 63)
        claimed[slot] = ids[Int(index)]
    }

    /// Runs `body` with slots for `size` ids, then writes what it claimed into `memory`
    /// (nothing when `body` returns false: the memory stays as it was). Returns what `body` did.
    @discardableResult
    static func with(memory: UnsafeMutableRawBufferPointer, stride: Int, ids: [UInt32], size: Int,
                     _ body: (MaglevSlots) -> Bool) -> Bool {
        let taken = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: (size + 63) / 64)
        taken.initialize(repeating: 0)
        let claimed = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: size)
        defer {
            taken.deallocate()
            claimed.deallocate()
        }
        guard body(MaglevSlots(ids: ids, taken: taken, claimed: claimed)) else { return false }
        for slot in 0..<size {
            memory.storeBytes(of: claimed[slot], toByteOffset: slot &* stride, as: UInt32.self)
        }
        return true
    }
}

/// Hashes that are the same on every node and every run (Swift's `Hasher` is seeded per
/// process, so it cannot place backends).
enum StableHash {
    /// FNV-1a over the bytes, finished with splitmix64's mixer so that identities differing
    /// in one byte land far apart.
    static func hash(_ bytes: [UInt8], seed: UInt64) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
        value ^= value >> 30
        value = value &* 0xbf58_476d_1ce4_e5b9
        value ^= value >> 27
        value = value &* 0x94d0_49bb_1331_11eb
        return value ^ (value >> 31)
    }
}

public enum Primes {
    public static func isPrime(_ value: Int) -> Bool {
        guard value >= 2 else { return false }
        if value < 4 { return true }
        if value % 2 == 0 { return false }
        var divisor = 3
        while divisor * divisor <= value {
            if value % divisor == 0 { return false }
            divisor += 2
        }
        return true
    }
}
