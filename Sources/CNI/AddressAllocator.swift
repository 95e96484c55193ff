import Model

/// Hands out one address per range set to an attachment, under the store's lock, and
/// takes them back. Requested addresses are honoured exactly; the others go round robin
/// from the last address handed out, so a crash-looping pod does not get its previous
/// address straight back (its old flows and conntrack entries cannot mistake the new one).
public struct AddressAllocator: Sendable {
    public struct Allocation: Sendable, Equatable {
        public var address: IPAddress
        public var range: AddressRange
    }

    public let store: AddressStore
    public let rangeSets: [RangeSet]

    public init(configuration: IPAMConfiguration) {
        store = AddressStore(directory: configuration.directory)
        rangeSets = configuration.rangeSets
    }

    /// Reserves one address of every range set for `owner`, `requested` ones where they fall.
    /// Reserves nothing when any set cannot be served.
    public func allocate(for owner: CNIAttachment, requested: [IPAddress] = []) throws(CNIError) -> [Allocation] {
        var wanted: [Int: IPAddress] = [:]
        for address in requested {
            guard let index = rangeSets.firstIndex(where: { $0.contains(address) }) else {
                throw CNIError(.addressPool, "requested address \(address) is in no configured range")
            }
            if let other = wanted[index] {
                throw CNIError(.addressPool, "requested addresses \(other) and \(address) fall in one range set")
            }
            wanted[index] = address
        }
        return try store.locked { () throws(CNIError) -> [Allocation] in
            let reservations = try store.reservations()
            if let held = reservations.first(where: { $0.owner == owner }) {
                throw CNIError(.addressPool, "\(owner) already holds \(held.address); DEL it before adding it again")
            }
            var made: [Allocation] = []
            do throws(CNIError) {
                for (index, set) in rangeSets.enumerated() {
                    let allocation: Allocation
                    if let address = wanted[index] {
                        allocation = try reserveRequested(address, in: set, for: owner, reservations: reservations)
                    } else {
                        allocation = try reserveNext(in: set, index: index, for: owner)
                    }
                    made.append(allocation)
                }
            } catch {
                _ = try? store.release(owner)
                throw error
            }
            for (index, allocation) in made.enumerated() where wanted[index] == nil {
                try? store.setLastReserved(allocation.address, rangeSet: index)
            }
            return made
        }
    }

    /// Frees every address `owner` holds; nothing held is not an error.
    @discardableResult
    public func release(_ owner: CNIAttachment) throws(CNIError) -> [IPAddress] {
        try store.locked { () throws(CNIError) -> [IPAddress] in try store.release(owner) }
    }

    /// Frees every reservation whose owner is not in `valid`; returns who lost what.
    public func releaseAll(except valid: Set<CNIAttachment>) throws(CNIError) -> [(address: IPAddress, owner: CNIAttachment)] {
        try store.locked { () throws(CNIError) -> [(address: IPAddress, owner: CNIAttachment)] in
            var released: [(address: IPAddress, owner: CNIAttachment)] = []
            for owner in Set(try store.reservations().map(\.owner)).subtracting(valid).sorted() {
                for address in try store.release(owner) { released.append((address, owner)) }
            }
            return released
        }
    }

    /// The addresses `owner` holds.
    public func addresses(of owner: CNIAttachment) throws(CNIError) -> [IPAddress] {
        try store.reservations().filter { $0.owner == owner }.map(\.address).sorted()
    }

    /// Range sets (their index) that have no address left to hand out.
    public func exhaustedRangeSets() throws(CNIError) -> [Int] {
        let reserved = try store.occupied()
        return rangeSets.indices.filter { index in
            let set = rangeSets[index]
            let taken = reserved.filter { set.contains($0) && !set.isGateway($0) }.count
            return UInt128(taken) >= set.capacity
        }
    }

    private func reserveRequested(
        _ address: IPAddress, in set: RangeSet, for owner: CNIAttachment,
        reservations: [(address: IPAddress, owner: CNIAttachment)]
    ) throws(CNIError) -> Allocation {
        guard let range = set.range(containing: address) else {
            throw CNIError(.addressPool, "requested address \(address) is in no configured range")
        }
        guard range.gateway != address else {
            throw CNIError(.addressPool, "requested address \(address) is the range's gateway")
        }
        guard try store.reserve(address, for: owner) else {
            let holder = reservations.first { $0.address == address }.map { " by \($0.owner)" } ?? ""
            throw CNIError(.addressPool, "requested address \(address) is already reserved\(holder)")
        }
        return Allocation(address: address, range: range)
    }

    /// Walks from the cursor; every occupied address is skipped at most once, so the walk
    /// ends within (occupied + gateways + 1) steps or after the whole set.
    private func reserveNext(in set: RangeSet, index: Int, for owner: CNIAttachment) throws(CNIError) -> Allocation {
        let takenInSet = try store.occupied().filter { set.contains($0) }.count
        let steps = min(set.ranges.reduce(UInt128(0)) { $0 &+ $1.size }, UInt128(takenInSet + set.ranges.count + 1))
        var candidate = set.next(after: store.lastReserved(rangeSet: index))
        var step: UInt128 = 0
        while step < steps {
            step += 1
            defer { candidate = set.next(after: candidate) }
            guard !set.isGateway(candidate), !store.isReserved(candidate) else { continue }
            if try store.reserve(candidate, for: owner), let range = set.range(containing: candidate) {
                return Allocation(address: candidate, range: range)
            }
        }
        throw CNIError(.addressPool, "no free address left in \(set.ranges.map(\.description).joined(separator: ", "))")
    }
}
