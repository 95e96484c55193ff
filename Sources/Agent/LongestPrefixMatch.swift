import CSluiceBPF

/// A `BPF_MAP_TYPE_LPM_TRIE` lookup done in Swift over planned entries, so
/// an explanation finds the entry the kernel finds. The ABI's trie keys all
/// start with a `__u32 prefixlen` followed by the data it counts bits of;
/// the kernel compares that data byte by byte, high bit first, up to the
/// entry's prefix length — and so does this.
enum LongestPrefixMatch {
    /// The entry of `entries` whose first `prefixlen` data bits equal those
    /// of `key`, the longest such; `key.prefixlen` caps the length as it
    /// does in the kernel.
    static func lookup<Key: BitwiseCopyable, Value>(_ key: Key, in entries: [Key: Value]) -> (key: Key, value: Value)? {
        let keyBits = prefixLength(of: key)
        var best: (key: Key, value: Value, bits: Int)?
        for (entryKey, value) in entries {
            let bits = prefixLength(of: entryKey)
            guard bits <= keyBits, bits > (best?.bits ?? -1), dataMatches(entryKey, key, bits: bits) else { continue }
            best = (entryKey, value, bits)
        }
        return best.map { ($0.key, $0.value) }
    }

    static func prefixLength<Key: BitwiseCopyable>(of key: Key) -> Int {
        withUnsafeBytes(of: key) { Int($0.load(as: UInt32.self)) }
    }

    /// True when the first `bits` bits after the prefix length field agree.
    static func dataMatches<Key: BitwiseCopyable>(_ a: Key, _ b: Key, bits: Int) -> Bool {
        withUnsafeBytes(of: a) { left in
            withUnsafeBytes(of: b) { right in
                let data = MemoryLayout<UInt32>.size
                let available = (left.count - data) * 8
                guard bits <= available else { return false }
                let whole = bits / 8
                for index in data..<(data + whole) where left[index] != right[index] { return false }
                let rest = bits % 8
                guard rest > 0 else { return true }
                let mask = UInt8(truncatingIfNeeded: 0xff << (8 - rest))
                return left[data + whole] & mask == right[data + whole] & mask
            }
        }
    }
}
