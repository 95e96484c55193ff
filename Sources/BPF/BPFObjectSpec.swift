import CSluiceBPF
import Glibc

/// What an object file declares, read without loading anything: the maps
/// as they would be created (after capacity overrides), so a caller can tell
/// whether pinned maps still fit before libbpf refuses to reuse them.
public enum BPFObjectSpec {
    /// `bpf_object__open_file` (no load), `bpf_map__set_max_entries`, `bpf_map__*`.
    public static func maps(path: String, capacities: [String: UInt32] = [:]) throws(BPFError) -> [BPFMapInfo] {
        guard let object = sluice_object_open(path, nil) else {
            throw .libbpf(-1, call: "bpf_object__open_file", subject: path)
        }
        defer { bpf_object__close(object) }
        var result: [BPFMapInfo] = []
        var map = bpf_object__next_map(object, nil)
        while let current = map {
            let name = String(cString: bpf_map__name(current))
            if let capacity = capacities[name] { bpf_map__set_max_entries(current, capacity) }
            result.append(BPFMapInfo(name: name, type: bpf_map__type(current).rawValue,
                                     keySize: bpf_map__key_size(current), valueSize: bpf_map__value_size(current),
                                     maxEntries: bpf_map__max_entries(current), flags: bpf_map__map_flags(current)))
            map = bpf_object__next_map(object, current)
        }
        return result
    }
}
