import CSluiceBPF
import Glibc

/// What the kernel says a map is: enough to check a layout before using it.
public struct BPFMapInfo: Equatable, Sendable {
    public var name: String
    public var type: UInt32
    public var keySize: UInt32
    public var valueSize: UInt32
    public var maxEntries: UInt32
    public var flags: UInt32

    public var isPerCPU: Bool {
        [BPF_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH]
            .map(\.rawValue).contains(type)
    }

    /// Reads the info of an open map fd. `bpf_obj_get_info_by_fd`.
    public static func of(fd: Int32, subject: String) throws(BPFError) -> BPFMapInfo {
        var info = bpf_map_info()
        var length = UInt32(MemoryLayout<bpf_map_info>.size)
        let ret = bpf_obj_get_info_by_fd(fd, &info, &length)
        guard ret == 0 else { throw .libbpf(ret, call: "bpf_obj_get_info_by_fd", subject: subject) }
        let name = withUnsafeBytes(of: info.name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return BPFMapInfo(
            name: name, type: info.type, keySize: info.key_size, valueSize: info.value_size,
            maxEntries: info.max_entries, flags: info.map_flags
        )
    }
}
