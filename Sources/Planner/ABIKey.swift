import CSluiceBPF

/// Equality and hashing by bytes for the ABI's C structs, so planned and
/// read-back map entries compare directly. Sound because every producer
/// zeroes padding and unused prefix bits (see `zeroed()` and the planner).
public protocol BytewiseHashable: Hashable {}

extension BytewiseHashable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        withUnsafeBytes(of: lhs) { l in withUnsafeBytes(of: rhs) { r in l.elementsEqual(r) } }
    }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes(of: self) { hasher.combine(bytes: $0) }
    }
}

extension sluice_endpoint_key: @retroactive Equatable, @retroactive Hashable, BytewiseHashable {}
extension sluice_endpoint_value: @retroactive Equatable, @retroactive Hashable, BytewiseHashable {}
extension sluice_endpoint_address_key: @retroactive Equatable, @retroactive Hashable, BytewiseHashable {}
extension sluice_ipcache_key: @retroactive Equatable, @retroactive Hashable, BytewiseHashable {}
extension sluice_ipcache_value: @retroactive Equatable, @retroactive Hashable, BytewiseHashable {}
extension sluice_policy_key: @retroactive Equatable, @retroactive Hashable, BytewiseHashable {}
extension sluice_policy_value: @retroactive Equatable, @retroactive Hashable, BytewiseHashable {}

/// A value with every byte zero, padding included. On the stack: the planner
/// builds one per map entry.
public func zeroedABI<T: BitwiseCopyable>(_ type: T.Type = T.self) -> T {
    withUnsafeTemporaryAllocation(byteCount: MemoryLayout<T>.size, alignment: MemoryLayout<T>.alignment) { raw in
        raw.initializeMemory(as: UInt8.self, repeating: 0)
        return raw.load(as: T.self)
    }
}
