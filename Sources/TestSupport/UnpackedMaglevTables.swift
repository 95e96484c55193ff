import BPF
import CSluiceBPF
import Glibc

/// An array of Maglev tables as ABI 2 made it: inner arrays of one u32 backend id per
/// element, under the map name of that ABI. What an agent upgraded in place finds pinned.
public enum UnpackedMaglevTables {
    public static let name = "sluice_mgl_v1"
    /// The inner maps' flags then and now.
    public static let innerFlags = UInt32(BPF_F_INNER_MAP) | UInt32(BPF_F_MMAPABLE)

    /// A new, empty array of `slots` tables pinned at `pinDirectory/sluice_mgl_v1`.
    public static func pin(in pinDirectory: String, slots: UInt32 = 64) throws -> BPFArrayOfMaps {
        let path = pinDirectory + "/" + name
        var innerOptions = bpf_map_create_opts()
        innerOptions.sz = MemoryLayout<bpf_map_create_opts>.size
        innerOptions.map_flags = innerFlags
        let template = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sluice_mgl_t", 4, 4, 16381, &innerOptions)
        guard template >= 0 else { throw TestSupportError.system(call: "bpf_map_create", path: path, errno: -template) }
        defer { close(template) }
        var outerOptions = bpf_map_create_opts()
        outerOptions.sz = MemoryLayout<bpf_map_create_opts>.size
        outerOptions.inner_map_fd = UInt32(template)
        let outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, name, 4, 4, slots, &outerOptions)
        guard outer >= 0 else { throw TestSupportError.system(call: "bpf_map_create", path: path, errno: -outer) }
        defer { close(outer) }
        guard bpf_obj_pin(outer, path) == 0 else { throw TestSupportError.system(call: "bpf_obj_pin", path: path, errno: errno) }
        return try BPFArrayOfMaps(outer: try BPFMap(pinnedAt: path), innerFlags: innerFlags, innerValueSize: 4)
    }
}
