import CSluiceBPF
import Glibc

/// A per-CPU map: a lookup returns one value for every possible CPU.
public struct BPFPerCPUMap<Key: BitwiseCopyable, Value: BitwiseCopyable>: Sendable {
    public let info: BPFMapInfo
    public let fd: FileDescriptor
    /// The kernel lays per-CPU values out 8-byte aligned.
    private let stride: Int
    public let cpuCount: Int

    init(info: BPFMapInfo, fd: FileDescriptor) throws(BPFError) {
        guard Int(info.keySize) == MemoryLayout<Key>.size, Int(info.valueSize) == MemoryLayout<Value>.size,
              info.isPerCPU else {
            throw BPFError(kind: .layoutMismatch, call: "BPFPerCPUMap.init", subject:
                "\(info.name): not a per-CPU map with key \(MemoryLayout<Key>.size) B, value \(MemoryLayout<Value>.size) B",
                errno: EINVAL)
        }
        let cpus = libbpf_num_possible_cpus()
        guard cpus > 0 else { throw .libbpf(cpus, call: "libbpf_num_possible_cpus", subject: info.name) }
        self.info = info
        self.fd = fd
        self.stride = (MemoryLayout<Value>.size + 7) & ~7
        self.cpuCount = Int(cpus)
    }

    /// Opens a pinned per-CPU map. `bpf_obj_get`.
    public init(pinnedAt path: String) throws(BPFError) {
        let fd = bpf_obj_get(path)
        guard fd >= 0 else { throw .libbpf(fd, call: "bpf_obj_get", subject: path) }
        let owned = FileDescriptor(owning: fd)
        try self.init(info: try BPFMapInfo.of(fd: fd, subject: path), fd: owned)
    }

    public var name: String { info.name }

    /// One value per possible CPU; nil when the key is absent. `bpf_map_lookup_elem`.
    public func lookup(_ key: Key) throws(BPFError) -> [Value]? {
        var key = key
        var buffer = [UInt8](repeating: 0, count: stride * cpuCount)
        let ret = buffer.withUnsafeMutableBytes { bpf_map_lookup_elem(fd.rawValue, &key, $0.baseAddress) }
        if ret != 0 {
            let error = BPFError.libbpf(ret, call: "bpf_map_lookup_elem", subject: name)
            if error.errno == ENOENT { return nil }
            throw error
        }
        return buffer.withUnsafeBytes { raw in
            (0..<cpuCount).map { raw.loadUnaligned(fromByteOffset: $0 * stride, as: Value.self) }
        }
    }

    /// Sets every CPU's value to `value`. `bpf_map_update_elem`.
    public func update(_ key: Key, allCPUs value: Value) throws(BPFError) {
        var key = key
        var buffer = [UInt8](repeating: 0, count: stride * cpuCount)
        buffer.withUnsafeMutableBytes { raw in
            for cpu in 0..<cpuCount { raw.storeBytes(of: value, toByteOffset: cpu * stride, as: Value.self) }
        }
        let ret = buffer.withUnsafeMutableBytes { bpf_map_update_elem(fd.rawValue, &key, $0.baseAddress, UInt64(BPF_ANY)) }
        guard ret == 0 else { throw .libbpf(ret, call: "bpf_map_update_elem", subject: name) }
    }

    /// Sets every CPU's value of each key to `value`, thousands of keys per
    /// `bpf_map_update_batch`; as `BPFMap.update(_:)`, a failed batch is redone one key at a time.
    public func update(_ keys: [Key], allCPUs value: Value) throws(BPFError) {
        // A value per possible CPU per key: about a MiB of values per call, however many CPUs.
        let batch = max(1, min(4096, (1 << 20) / (stride * cpuCount)))
        var done = 0
        while done < keys.count {
            let chunk = min(batch, keys.count - done)
            var chunkKeys = Array(keys[done..<done + chunk])
            var buffer = [UInt8](repeating: 0, count: stride * cpuCount * chunk)
            buffer.withUnsafeMutableBytes { raw in
                for slot in 0..<cpuCount * chunk { raw.storeBytes(of: value, toByteOffset: slot * stride, as: Value.self) }
            }
            var count = UInt32(chunk)
            var opts = bpf_map_batch_opts()
            opts.sz = MemoryLayout<bpf_map_batch_opts>.size
            opts.elem_flags = UInt64(BPF_ANY)
            let ret = buffer.withUnsafeMutableBytes { bpf_map_update_batch(fd.rawValue, &chunkKeys, $0.baseAddress, &count, &opts) }
            guard ret == 0 else { break }
            done += chunk
        }
        for key in keys.dropFirst(done) { try update(key, allCPUs: value) }
    }

    /// `bpf_map_delete_elem`; false when the key was already absent.
    @discardableResult
    public func delete(_ key: Key) throws(BPFError) -> Bool {
        try MapCalls.delete(key, fd: fd, name: name)
    }

    /// Every key (`bpf_map_get_next_key`).
    public func keys() throws(BPFError) -> [Key] {
        try MapCalls.keys(fd: fd, info: info)
    }

    /// The values of all CPUs folded into one.
    public func sum(_ key: Key, _ combine: (Value, Value) -> Value) throws(BPFError) -> Value? {
        guard let values = try lookup(key), let first = values.first else { return nil }
        return values.dropFirst().reduce(first, combine)
    }
}
