import Testing
@testable import Planner

/// Maglev's three promises: fair shares, small disruption, the same table everywhere.
struct MaglevTests {
    static let size = 16381

    /// Distinct, realistic identities: family 4, 10.244.x.y, port 8080, TCP.
    static func backend(_ index: Int, weight: UInt32 = 1) -> Maglev.Backend {
        Maglev.Backend(identity: [4, 10, 244, UInt8(index / 250), UInt8(index % 250 + 1), 0x1f, 0x90, 6], weight: weight)
    }

    static func shares(_ table: [Int], count: Int) -> [Double] {
        var counts = [Int](repeating: 0, count: count)
        for index in table { counts[index] += 1 }
        return counts.map { Double($0) / Double(table.count) }
    }

    @Test(arguments: [2, 3, 7, 50, 100])
    func equalWeightsGetSharesWithinOnePercentOfEqual(count: Int) {
        let table = Maglev.table((0..<count).map { Self.backend($0) }, size: Self.size)
        #expect(table.count == Self.size)
        let expected = 1.0 / Double(count)
        for (index, share) in Self.shares(table, count: count).enumerated() {
            #expect(abs(share - expected) <= 0.01 * expected, "backend \(index): \(share) vs \(expected)")
        }
    }

    @Test func weightedSharesFollowTheWeightsWithinOnePercent() {
        let weights: [UInt32] = [1, 2, 3, 4, 10]
        let backends = weights.enumerated().map { Self.backend($0.offset, weight: $0.element) }
        let table = Maglev.table(backends, size: Self.size)
        let total = Double(weights.reduce(0, +))
        for (index, share) in Self.shares(table, count: weights.count).enumerated() {
            let expected = Double(weights[index]) / total
            #expect(abs(share - expected) <= 0.01 * expected, "backend \(index) weight \(weights[index]): \(share) vs \(expected)")
        }
    }

    @Test func zeroWeightBackendGetsNoSlotAndAllZeroGivesNoTable() {
        let table = Maglev.table([Self.backend(0), Self.backend(1, weight: 0)], size: 251)
        #expect(!table.contains(1))
        #expect(Maglev.table([Self.backend(0, weight: 0)], size: 251).isEmpty)
    }

    @Test(arguments: [3, 10, 50])
    func removingOneOfNBackendsMovesAboutOneNthOfTheSlots(count: Int) {
        let backends = (0..<count).map { Self.backend($0) }
        let before = Maglev.table(backends, size: Self.size)
        let removed = count / 2
        var remaining = backends
        remaining.remove(at: removed)
        let after = Maglev.table(remaining, size: Self.size).map { $0 >= removed ? $0 + 1 : $0 }

        let moved = zip(before, after).filter { $0 != $1 }.count
        let ownSlots = before.filter { $0 == removed }.count
        let fraction = Double(moved) / Double(Self.size)
        // Every slot of the removed backend must move; Maglev moves a few others too.
        #expect(moved >= ownSlots)
        #expect(fraction <= 1.0 / Double(count) * 1.5 + 0.01, "moved \(moved) of \(Self.size) (\(fraction))")
        // No slot moves between two backends that both stay, beyond that small extra.
        let collateral = zip(before, after).filter { $0 != $1 && $0 != removed }.count
        #expect(Double(collateral) / Double(Self.size) <= 0.5 / Double(count) + 0.01, "collateral \(collateral)")
    }

    @Test func addingABackendTakesSlotsMostlyFromEveryoneEvenly() {
        let backends = (0..<9).map { Self.backend($0) }
        let before = Maglev.table(backends, size: Self.size)
        let after = Maglev.table(backends + [Self.backend(9)], size: Self.size)
        let moved = zip(before, after).filter { $0 != $1 }.count
        let gained = after.filter { $0 == 9 }.count
        #expect(Double(moved) <= Double(gained) * 1.5)
    }

    @Test func sameBackendsInAnyOrderGiveTheSameTable() {
        let backends = (0..<20).map { Self.backend($0, weight: UInt32($0 % 3 + 1)) }
        let table = Maglev.table(backends, size: Self.size)
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<3 {
            let shuffled = backends.shuffled(using: &generator)
            let other = Maglev.table(shuffled, size: Self.size).map { backends.firstIndex(of: shuffled[$0]) ?? -1 }
            #expect(other == table)
        }
    }

    /// Pinned output: nodes running different builds must still agree, so the hash and the
    /// fill order may never change by accident.
    /// Restarted agents keep kernel tables stamped with this fill version (MaglevTable.digest):
    /// a change that moves a slot breaks these pins and must bump the version too.
    @Test func tableIsPinnedAcrossBuilds() {
        #expect(Maglev.fillVersion == 1, "new pins go with a new fill version")
        let table = Maglev.table((0..<3).map { Self.backend($0) }, size: 13)
        #expect(table == Self.pinned13, "\(table)")
        #expect(StableHash.hash([1, 2, 3], seed: 0) == Self.pinnedHash)
    }

    /// The same at full size, weighted and with equal weights (each its own loop), and with
    /// more backends than a byte can number (the fill marks slots in the narrowest integer
    /// that holds every backend's index).
    @Test(arguments: [(5, true, 11_438_355_955_384_080_543), (300, true, 3_244_741_228_301_781_972),
                      (5, false, 1_726_709_722_037_330_055), (300, false, 5_298_559_358_189_627_438)] as [(Int, Bool, UInt64)])
    func fullSizeTableIsPinnedAcrossBuilds(count: Int, weighted: Bool, pinned: UInt64) {
        let backends = (0..<count).map { Self.backend($0, weight: weighted ? UInt32($0 % 4) : 1) }
        let table = Maglev.table(backends, size: Self.size)
        let bytes = table.flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] }
        #expect(StableHash.hash(bytes, seed: 0) == pinned)
    }

    static let pinned13 = [2, 0, 1, 1, 1, 0, 2, 0, 1, 2, 0, 2, 0]
    static let pinnedHash: UInt64 = 9_863_372_152_255_764_309

    /// What the agent writes into a new inner map's memory is the table `slots` describes,
    /// element by element at the map's stride, and nothing at all for a table of no weight.
    @Test(arguments: [4, 8])
    func writtenTableHoldsTheSlotsAtTheGivenStride(stride: Int) {
        let members = [(7, 1), (3, 2), (11, 0), (5, 3)].map { id, weight in
            MaglevTable.Member(id: UInt32(id), identity: Self.backend(id).identity, weight: UInt32(weight))
        }
        let table = MaglevTable(members: members, size: 251)
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: 251 * stride, alignment: 8)
        defer { memory.deallocate() }
        memory.initializeMemory(as: UInt8.self, repeating: 0xaa)
        table.write(into: memory, stride: stride)
        let written = (0..<251).map { memory.load(fromByteOffset: $0 * stride, as: UInt32.self) }
        #expect(written == table.slots)
        #expect(!written.contains(11))

        memory.initializeMemory(as: UInt8.self, repeating: 0xaa)
        MaglevTable(members: [members[2]], size: 251).write(into: memory, stride: stride)
        #expect(memory.allSatisfy { $0 == 0xaa })
    }

    @Test func sizeMustBePrime() {
        #expect(Primes.isPrime(16381))
        #expect(Primes.isPrime(65521) && Primes.isPrime(131071) && Primes.isPrime(251))
        #expect(!Primes.isPrime(16383) && !Primes.isPrime(1) && !Primes.isPrime(65536))
    }
}

/// xorshift64*, so shuffles in tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed == 0 ? 0x9e37_79b9_7f4a_7c15 : seed
    }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_f491_4f6c_dd1d
    }
}
