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
    /// Bumped whenever the same backends, weights and size would fill a different table (the
    /// hashes, the walk, the weighting): tables stamped with another version are rebuilt. How
    /// slots sit in an inner map is not part of it: a new layout is a new map name
    /// (`sluice_mgl_v2` packs two slots to an element), whose tables are all written anew.
    static let fillVersion: UInt32 = 1

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
        var table = [UInt32](repeating: 0, count: size)
        let filled = table.withUnsafeMutableBytes { memory in
            write(backends, ids: backends.indices.map { UInt32($0) }, size: size, into: memory, stride: 4)
        }
        return filled ? table.map { Int($0) } : []
    }

    /// Writes the table into `memory` as `ids` (one per backend), `stride` bytes apart.
    /// False, leaving the memory untouched, when no backend has a weight.
    ///
    /// The fill marks slots in a compact scratch array (16 KiB at the default size for up to
    /// 254 backends; its walk probes it a few times per slot, always in the first-level
    /// cache), then writes the ids in one sequential pass, which costs less than scattering
    /// them over `stride` × `size` bytes of a map's mapping.
    @discardableResult
    static func write(_ backends: [Backend], ids: [UInt32], size: Int,
                      into memory: UnsafeMutableRawBufferPointer, stride: Int) -> Bool {
        precondition(size > 1 && Primes.isPrime(size), "Maglev table size \(size) is not a prime")
        precondition(ids.count == backends.count, "one id per backend")
        switch backends.count {
        case ..<Int(UInt8.max): return write(UInt8.self, backends, ids: ids, size: size, into: memory, stride: stride)
        case ..<Int(UInt16.max): return write(UInt16.self, backends, ids: ids, size: size, into: memory, stride: stride)
        default: return write(UInt32.self, backends, ids: ids, size: size, into: memory, stride: stride)
        }
    }

    /// `write` with marks of type `Mark`: 0 for a free slot, else 1 + its backend's index.
    private static func write<Mark: FixedWidthInteger & UnsignedInteger>(
        _: Mark.Type, _ backends: [Backend], ids: [UInt32], size: Int,
        into memory: UnsafeMutableRawBufferPointer, stride: Int
    ) -> Bool {
        let marks = UnsafeMutableBufferPointer<Mark>.allocate(capacity: size)
        defer { marks.deallocate() }
        marks.initialize(repeating: 0)
        guard fill(backends, size: size, marks: marks) else { return false }
        ids.withUnsafeBufferPointer { ids in
            for slot in 0..<size {
                memory.storeBytes(of: ids[Int(marks[slot]) &- 1], toByteOffset: slot &* stride, as: UInt32.self)
            }
        }
        return true
    }

    /// Marks every slot with its backend. False, marking none, when no backend has a weight.
    private static func fill<Mark: FixedWidthInteger & UnsignedInteger>(
        _ backends: [Backend], size: Int, marks: UnsafeMutableBufferPointer<Mark>
    ) -> Bool {
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
                          weight: UInt64(backends[index].weight), credit: 0,
                          mark: Mark(truncatingIfNeeded: index &+ 1))
        }
        let maximum = walkers.map(\.weight).max() ?? 1
        let equal = walkers.allSatisfy { $0.weight == maximum }
        walkers.withUnsafeMutableBufferPointer { walkers in
            var filled = 0
            // Equal weights (the usual case) claim one slot a turn, without the credit.
            if equal {
                while true {
                    for rank in walkers.indices {
                        claim(&walkers[rank], size: size, marks: marks)
                        filled &+= 1
                        if filled == size { return }
                    }
                }
            }
            while filled < size {
                for rank in walkers.indices {
                    walkers[rank].credit &+= walkers[rank].weight
                    while walkers[rank].credit >= maximum && filled < size {
                        walkers[rank].credit &-= maximum
                        claim(&walkers[rank], size: size, marks: marks)
                        filled &+= 1
                    }
                    if filled == size { break }
                }
            }
        }
        return true
    }

    /// Marks the next free slot along the walker's permutation as its own.
    @inline(__always)
    private static func claim<Mark: FixedWidthInteger>(_ walker: inout Walker<Mark>, size: Int,
                                                       marks: UnsafeMutableBufferPointer<Mark>) {
        let skip = walker.skip
        var slot = walker.position
        while marks[slot] != 0 { slot = step(slot, skip, size) }
        marks[slot] = walker.mark
        walker.position = step(slot, skip, size)
    }

    /// `slot + skip` modulo `size`, for both below `size`. Branch-free: whether a step wraps
    /// is a coin toss, so a branch on it was mispredicted half the time; as unsigned numbers
    /// the wrapped candidate is the smaller exactly when the sum reached `size`, and `min`
    /// compiles to a conditional move.
    @inline(__always)
    private static func step(_ slot: Int, _ skip: Int, _ size: Int) -> Int {
        let sum = UInt(bitPattern: slot &+ skip)
        return Int(bitPattern: Swift.min(sum, sum &- UInt(bitPattern: size)))
    }

    /// One backend's walk along its permutation.
    private struct Walker<Mark> {
        var position: Int
        let skip: Int
        let weight: UInt64
        var credit: UInt64
        /// What its slots are marked with: 1 + its index in the caller's `backends`.
        let mark: Mark
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
