import CSluiceBPF
import Glibc

/// How an update treats an existing key. `BPF_ANY`, `BPF_NOEXIST`, `BPF_EXIST`.
public enum BPFUpdateMode: Sendable {
    case upsert, createOnly, replaceOnly

    var flags: UInt64 {
        switch self {
        case .upsert: UInt64(BPF_ANY)
        case .createOnly: UInt64(BPF_NOEXIST)
        case .replaceOnly: UInt64(BPF_EXIST)
        }
    }
}

/// A typed view of one BPF map whose key and value are the C structs of the ABI header.
public struct BPFMap<Key: BitwiseCopyable, Value: BitwiseCopyable>: Sendable {
    public let info: BPFMapInfo
    public let fd: FileDescriptor

    init(info: BPFMapInfo, fd: FileDescriptor) throws(BPFError) {
        guard Int(info.keySize) == MemoryLayout<Key>.size, Int(info.valueSize) == MemoryLayout<Value>.size,
              !info.isPerCPU else {
            throw BPFError(kind: .layoutMismatch, call: "BPFMap.init", subject:
                "\(info.name): map has key \(info.keySize) B, value \(info.valueSize) B; "
                + "Swift has \(MemoryLayout<Key>.size) B, \(MemoryLayout<Value>.size) B", errno: EINVAL)
        }
        self.info = info
        self.fd = fd
    }

    /// Opens a pinned map. `bpf_obj_get`.
    public init(pinnedAt path: String) throws(BPFError) {
        let fd = bpf_obj_get(path)
        guard fd >= 0 else { throw .libbpf(fd, call: "bpf_obj_get", subject: path) }
        let owned = FileDescriptor(owning: fd)
        try self.init(info: try BPFMapInfo.of(fd: fd, subject: path), fd: owned)
    }

    public var name: String { info.name }

    /// `bpf_map_lookup_elem`; nil when the key is absent.
    public func lookup(_ key: Key) throws(BPFError) -> Value? {
        var key = key
        var value = zeroed(Value.self)
        let ret = bpf_map_lookup_elem(fd.rawValue, &key, &value)
        if ret == 0 { return value }
        let error = BPFError.libbpf(ret, call: "bpf_map_lookup_elem", subject: name)
        if error.errno == ENOENT { return nil }
        throw error
    }

    /// `bpf_map_update_elem`.
    public func update(_ key: Key, _ value: Value, mode: BPFUpdateMode = .upsert) throws(BPFError) {
        var key = key
        var value = value
        let ret = bpf_map_update_elem(fd.rawValue, &key, &value, mode.flags)
        guard ret == 0 else {
            var error = BPFError.libbpf(ret, call: "bpf_map_update_elem", subject: name)
            if error.kind == .mapFull || (error.errno == ENOMEM && info.maxEntries > 0) {
                error.kind = .mapFull
                error.subject = "\(name), \(info.maxEntries) entries"
            }
            throw error
        }
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

    /// Every entry: thousands per `bpf_map_lookup_batch`, or, where the kernel has no batch
    /// lookup for the map's type, one `bpf_map_get_next_key` and one lookup per key (keys
    /// deleted between the two are left out).
    public func entries() throws(BPFError) -> [(key: Key, value: Value)] {
        if let entries = try batchEntries() { return entries }
        var result: [(key: Key, value: Value)] = []
        for key in try keys() {
            if let value = try lookup(key) { result.append((key, value)) }
        }
        return result
    }

    /// Upserts every entry, thousands per `bpf_map_update_batch`. When a batch fails, its
    /// entries and the rest are upserted one `update` each (again, for those the batch did
    /// write), so a failure is reported as `update` reports it (a full map as `.mapFull`)
    /// with the entries before it written, and a kernel without batches still gets them all.
    public func update(_ entries: [(key: Key, value: Value)]) throws(BPFError) {
        var done = 0
        while hasBatchCalls && done < entries.count {
            let chunk = min(Self.batchSize, entries.count - done)
            var keys = entries[done..<done + chunk].map(\.key)
            var values = entries[done..<done + chunk].map(\.value)
            var count = UInt32(chunk)
            var opts = bpf_map_batch_opts()
            opts.sz = MemoryLayout<bpf_map_batch_opts>.size
            opts.elem_flags = UInt64(BPF_ANY)
            guard bpf_map_update_batch(fd.rawValue, &keys, &values, &count, &opts) == 0 else { break }
            done += chunk
        }
        for (key, value) in entries.dropFirst(done) { try update(key, value) }
    }

    /// Hash and array maps have batch calls; the LPM tries (policy, ipcache) have none.
    private var hasBatchCalls: Bool {
        [BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_ARRAY].map(\.rawValue).contains(info.type)
    }

    /// Entries per batch call: far more than a hash bucket holds (a larger bucket would fail
    /// the batch with ENOSPC), with small buffers.
    static var batchSize: Int { 4096 }

    /// Every entry by `bpf_map_lookup_batch`; nil when the map type has no batch calls or the
    /// batch cannot be finished (a hash bucket larger than a batch, ENOSPC; an array slot
    /// emptied underneath, EINTR), for the entry-by-entry walk to do.
    private func batchEntries() throws(BPFError) -> [(key: Key, value: Value)]? {
        guard hasBatchCalls else { return nil }
        var result: [(key: Key, value: Value)] = []
        var keys = [Key](repeating: zeroed(), count: Self.batchSize)
        var values = [Value](repeating: zeroed(), count: Self.batchSize)
        // The position between calls: a bucket index for hash maps, a key for arrays.
        let tokenSize = max(MemoryLayout<Key>.size, 8)
        var position = [UInt8](repeating: 0, count: tokenSize)
        var next = [UInt8](repeating: 0, count: tokenSize)
        var first = true
        // Bounded like `keys()`: a map refilled underneath cannot keep the walk going.
        while result.count <= Int(info.maxEntries) * 2 + 16 {
            var count = UInt32(Self.batchSize)
            var opts = bpf_map_batch_opts()
            opts.sz = MemoryLayout<bpf_map_batch_opts>.size
            let ret = position.withUnsafeMutableBytes { position in
                bpf_map_lookup_batch(fd.rawValue, first ? nil : position.baseAddress, &next, &keys, &values, &count, &opts)
            }
            let error = ret == 0 ? nil : BPFError.libbpf(ret, call: "bpf_map_lookup_batch", subject: name)
            if let error, error.errno != ENOENT {
                if error.errno == ENOSPC || error.errno == EINTR
                    || (first && (error.errno == EINVAL || error.errno == 524 || error.kind == .notSupported)) { return nil }
                throw error
            }
            for index in 0..<Int(min(count, UInt32(Self.batchSize))) { result.append((keys[index], values[index])) }
            // ENOENT: the walk reached the end.
            if error != nil { return result }
            position = next
            first = false
        }
        return result
    }
}

/// The key calls both map kinds share.
enum MapCalls {
    static func delete<Key: BitwiseCopyable>(_ key: Key, fd: FileDescriptor, name: String) throws(BPFError) -> Bool {
        var key = key
        let ret = bpf_map_delete_elem(fd.rawValue, &key)
        if ret == 0 { return true }
        let error = BPFError.libbpf(ret, call: "bpf_map_delete_elem", subject: name)
        if error.errno == ENOENT { return false }
        throw error
    }

    /// Walks `bpf_map_get_next_key`, bounded by the map's capacity (plus slack
    /// for concurrent inserts) so a map that changes underneath cannot loop forever.
    static func keys<Key: BitwiseCopyable>(fd: FileDescriptor, info: BPFMapInfo) throws(BPFError) -> [Key] {
        var keys: [Key] = []
        var current = zeroed(Key.self)
        var next = zeroed(Key.self)
        var ret = bpf_map_get_next_key(fd.rawValue, nil, &next)
        let limit = Int(info.maxEntries) * 2 + 16
        while ret == 0 && keys.count < limit {
            keys.append(next)
            current = next
            ret = bpf_map_get_next_key(fd.rawValue, &current, &next)
        }
        let error = BPFError.libbpf(ret, call: "bpf_map_get_next_key", subject: info.name)
        guard ret == 0 || error.errno == ENOENT else { throw error }
        return keys
    }
}

/// A value with every byte zero: the state C code expects for padding and unused fields.
public func zeroed<T: BitwiseCopyable>(_ type: T.Type = T.self) -> T {
    let raw = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<T>.size, alignment: MemoryLayout<T>.alignment)
    defer { raw.deallocate() }
    raw.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<T>.size)
    return raw.load(as: T.self)
}
