import CSluiceBPF
import Glibc

/// Copies every entry of one pinned map into another of the same key and
/// value layout, byte for byte (per-CPU values included): how a resized map
/// is filled from the one it replaces.
public enum PinnedMapCopy {
    /// Returns the number of entries copied. With `growingValues`, the
    /// destination's values may be longer than the source's (a value that
    /// gained fields at its end, where zero means "not set"): each old value
    /// fills the start of the new one, the rest is zero. Per-CPU values never
    /// grow. `bpf_obj_get`, `bpf_map_get_next_key`, `bpf_map_lookup_elem`,
    /// `bpf_map_update_elem`.
    @discardableResult
    public static func copy(from source: String, to destination: String,
                            growingValues: Bool = false) throws(BPFError) -> Int {
        let from = try open(source)
        let to = try open(destination)
        let info = try BPFMapInfo.of(fd: from.rawValue, subject: source)
        let target = try BPFMapInfo.of(fd: to.rawValue, subject: destination)
        let valuesFit = info.valueSize == target.valueSize
            || (growingValues && !info.isPerCPU && info.valueSize < target.valueSize)
        guard info.keySize == target.keySize, valuesFit, info.type == target.type else {
            throw BPFError(kind: .layoutMismatch, call: "PinnedMapCopy.copy", subject: "\(source) -> \(destination)", errno: EINVAL)
        }
        let cpus = info.isPerCPU ? Int(libbpf_num_possible_cpus()) : 1
        let valueBytes = info.isPerCPU ? ((Int(info.valueSize) + 7) & ~7) * cpus : Int(target.valueSize)
        var key = [UInt8](repeating: 0, count: Int(info.keySize))
        var next = key
        // The lookup writes info.valueSize bytes; the zeroed tail stays zero.
        var value = [UInt8](repeating: 0, count: valueBytes)
        var copied = 0
        var ret = bpf_map_get_next_key(from.rawValue, nil, &next)
        let limit = Int(info.maxEntries) * 2 + 16
        while ret == 0 && copied < limit {
            key = next
            if bpf_map_lookup_elem(from.rawValue, &key, &value) == 0 {
                let updated = bpf_map_update_elem(to.rawValue, &key, &value, UInt64(BPF_ANY))
                guard updated == 0 else { throw .libbpf(updated, call: "bpf_map_update_elem", subject: destination) }
                copied += 1
            }
            ret = bpf_map_get_next_key(from.rawValue, &key, &next)
        }
        return copied
    }

    private static func open(_ path: String) throws(BPFError) -> FileDescriptor {
        let fd = bpf_obj_get(path)
        guard fd >= 0 else { throw .libbpf(fd, call: "bpf_obj_get", subject: path) }
        return FileDescriptor(owning: fd)
    }
}
