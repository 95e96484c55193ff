import CSluiceBPF
import Glibc
import Synchronization

/// A loaded BPF object file. Owns every libbpf pointer of the object; only
/// fds and plain values leave it. Maps declared `LIBBPF_PIN_BY_NAME` are
/// reused from, or pinned into, `pinDirectory`.
public final class BPFObject {
    public let path: String
    public let pinDirectory: String?
    private let object: OpaquePointer

    /// libbpf's log capture is process-global; loads take turns.
    private static let loadLock = Mutex(())

    /// Opens and loads `path`. `capacities` resizes maps (by name) before load;
    /// a pinned map of another size is a layout mismatch, reported by libbpf's reuse check.
    /// `bpf_object__open_file`, `bpf_map__set_max_entries`, `bpf_object__load`.
    public init(path: String, pinDirectory: String? = nil, capacities: [String: UInt32] = [:]) throws(BPFError) {
        self.path = path
        self.pinDirectory = pinDirectory
        if let pinDirectory { try BPFFileSystem.ensureDirectory(pinDirectory) }
        let result: Result<OpaquePointer, BPFError> = Self.loadLock.withLock { _ in
            LibbpfLog.begin()
            guard let object = sluice_object_open(path, pinDirectory) else {
                return .failure(.libbpf(-1, call: "bpf_object__open_file", subject: path, log: LibbpfLog.text()))
            }
            for (name, capacity) in capacities {
                guard let map = bpf_object__find_map_by_name(object, name) else {
                    bpf_object__close(object)
                    return .failure(.errno(ENOENT, call: "bpf_object__find_map_by_name", subject: "\(path): \(name)"))
                }
                let ret = bpf_map__set_max_entries(map, capacity)
                if ret != 0 {
                    bpf_object__close(object)
                    return .failure(.libbpf(ret, call: "bpf_map__set_max_entries", subject: name))
                }
            }
            let ret = bpf_object__load(object)
            if ret != 0 {
                let error = BPFError.libbpf(ret, call: "bpf_object__load", subject: path, log: LibbpfLog.text())
                bpf_object__close(object)
                return .failure(error)
            }
            return .success(object)
        }
        self.object = try result.get()
    }

    deinit {
        bpf_object__close(object)
    }

    /// The program whose C function is `name`; its fd lives as long as this object.
    public func program(_ name: String) throws(BPFError) -> BPFProgram {
        guard let program = bpf_object__find_program_by_name(object, name) else {
            throw .errno(ENOENT, call: "bpf_object__find_program_by_name", subject: "\(path): \(name)")
        }
        let fd = bpf_program__fd(program)
        guard fd >= 0 else { throw .libbpf(fd, call: "bpf_program__fd", subject: name) }
        return BPFProgram(name: name, fd: FileDescriptor(owning: dup(fd)))
    }

    /// Names of the object's programs, in ELF order.
    public var programNames: [String] {
        var names: [String] = []
        var program = bpf_object__next_program(object, nil)
        while let current = program {
            names.append(String(cString: bpf_program__name(current)))
            program = bpf_object__next_program(object, current)
        }
        return names
    }

    /// Names of the object's maps, in ELF order (`.rodata`-style internal maps included).
    public var mapNames: [String] {
        var names: [String] = []
        var map = bpf_object__next_map(object, nil)
        while let current = map {
            names.append(String(cString: bpf_map__name(current)))
            map = bpf_object__next_map(object, current)
        }
        return names
    }

    /// Plain description of a map, as the kernel and the ELF agree on it.
    public func mapInfo(_ name: String) throws(BPFError) -> BPFMapInfo {
        let map = try findMap(name)
        return BPFMapInfo(
            name: name,
            type: bpf_map__type(map).rawValue,
            keySize: bpf_map__key_size(map),
            valueSize: bpf_map__value_size(map),
            maxEntries: bpf_map__max_entries(map),
            flags: bpf_map__map_flags(map)
        )
    }

    /// A typed handle on the map `name`; the key and value sizes must match the ELF's.
    public func map<Key: BitwiseCopyable, Value: BitwiseCopyable>(
        _ name: String, key: Key.Type = Key.self, value: Value.Type = Value.self
    ) throws(BPFError) -> BPFMap<Key, Value> {
        let (info, fd) = try mapDescriptor(name)
        return try BPFMap(info: info, fd: fd)
    }

    /// A typed handle on the per-CPU map `name`; `Value` is one CPU's value.
    public func perCPUMap<Key: BitwiseCopyable, Value: BitwiseCopyable>(
        _ name: String, key: Key.Type = Key.self, value: Value.Type = Value.self
    ) throws(BPFError) -> BPFPerCPUMap<Key, Value> {
        let (info, fd) = try mapDescriptor(name)
        return try BPFPerCPUMap(info: info, fd: fd)
    }

    private func mapDescriptor(_ name: String) throws(BPFError) -> (BPFMapInfo, FileDescriptor) {
        let info = try mapInfo(name)
        let fd = bpf_map__fd(try findMap(name))
        guard fd >= 0 else { throw .libbpf(fd, call: "bpf_map__fd", subject: name) }
        return (info, FileDescriptor(owning: dup(fd)))
    }

    private func findMap(_ name: String) throws(BPFError) -> OpaquePointer {
        guard let map = bpf_object__find_map_by_name(object, name) else {
            throw .errno(ENOENT, call: "bpf_object__find_map_by_name", subject: "\(path): \(name)")
        }
        return map
    }
}
