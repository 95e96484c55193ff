import CSluiceBPF
import Glibc

/// An ARRAY_OF_MAPS whose inner maps are `UInt32` arrays the agent builds and swaps in whole:
/// a reader sees the old inner map or the new one, never a mix.
///
/// Inner maps are created with the template's flags, which must include `BPF_F_MMAPABLE`
/// (they are filled and read with one copy through a shared mapping) and may include
/// `BPF_F_INNER_MAP` (then their sizes may differ).
public struct BPFArrayOfMaps: Sendable {
    public let outer: BPFMap<UInt32, UInt32>
    /// `map_flags` every inner map is created with (the template's).
    public let innerFlags: UInt32

    public init(outer: BPFMap<UInt32, UInt32>, innerFlags: UInt32) throws(BPFError) {
        guard outer.info.type == BPF_MAP_TYPE_ARRAY_OF_MAPS.rawValue else {
            throw BPFError(kind: .layoutMismatch, call: "BPFArrayOfMaps.init",
                           subject: "\(outer.name) is map type \(outer.info.type), not an array of maps", errno: EINVAL)
        }
        guard innerFlags & UInt32(BPF_F_MMAPABLE) != 0 else {
            throw BPFError(kind: .invalidArgument, call: "BPFArrayOfMaps.init",
                           subject: "\(outer.name): inner maps must be BPF_F_MMAPABLE", errno: EINVAL)
        }
        self.outer = outer
        self.innerFlags = innerFlags
    }

    /// Creates an inner array holding `values`, then points slot `index` at it in one update.
    /// The new array lives as long as the outer map holds it. `bpf_map_create`, `mmap`,
    /// `bpf_map_update_elem`.
    public func replace(_ index: UInt32, with values: [UInt32], name: String) throws(BPFError) {
        var opts = bpf_map_create_opts()
        opts.sz = MemoryLayout<bpf_map_create_opts>.size
        opts.map_flags = innerFlags
        let fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, 4, 4, UInt32(values.count), &opts)
        guard fd >= 0 else { throw .libbpf(fd, call: "bpf_map_create", subject: "\(outer.name)[\(index)] of \(values.count)") }
        let inner = FileDescriptor(owning: fd)
        try Self.withMapping(fd: inner.rawValue, count: values.count, writable: true, subject: name) { memory in
            for (index, value) in values.enumerated() {
                memory.storeBytes(of: value, toByteOffset: index * Self.stride, as: UInt32.self)
            }
        }
        try outer.update(index, UInt32(bitPattern: inner.rawValue))
    }

    /// Empties slot `index`; false when it was empty.
    @discardableResult
    public func clear(_ index: UInt32) throws(BPFError) -> Bool {
        try outer.delete(index)
    }

    /// The kernel id of the inner map in slot `index`, nil when the slot is empty.
    public func innerMapID(_ index: UInt32) throws(BPFError) -> UInt32? {
        try outer.lookup(index)
    }

    /// The values of the inner map in slot `index`, read through a shared mapping; nil when
    /// the slot is empty. `bpf_map_get_fd_by_id`, `mmap`.
    public func contents(_ index: UInt32) throws(BPFError) -> [UInt32]? {
        guard let id = try innerMapID(index) else { return nil }
        let fd = bpf_map_get_fd_by_id(id)
        guard fd >= 0 else {
            let error = BPFError.libbpf(fd, call: "bpf_map_get_fd_by_id", subject: "\(outer.name)[\(index)]")
            // Swapped out between the two calls.
            if error.errno == ENOENT { return nil }
            throw error
        }
        let inner = FileDescriptor(owning: fd)
        let info = try BPFMapInfo.of(fd: inner.rawValue, subject: "\(outer.name)[\(index)]")
        var values = [UInt32](repeating: 0, count: Int(info.maxEntries))
        try Self.withMapping(fd: inner.rawValue, count: values.count, writable: false, subject: info.name) { memory in
            for index in values.indices {
                values[index] = memory.load(fromByteOffset: index * Self.stride, as: UInt32.self)
            }
        }
        return values
    }

    /// An array's elements sit 8 bytes apart in its mapping, whatever their size.
    private static let stride = 8

    /// Maps the value area of an mmapable array of `count` u32 (the kernel rounds it up to pages).
    private static func withMapping(fd: Int32, count: Int, writable: Bool, subject: String,
                                    _ body: (UnsafeMutableRawBufferPointer) -> Void) throws(BPFError) {
        let bytes = count * stride
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let length = max(page, (bytes + page - 1) / page * page)
        let protection = writable ? PROT_READ | PROT_WRITE : PROT_READ
        guard let memory = mmap(nil, length, protection, MAP_SHARED, fd, 0), memory != MAP_FAILED else {
            throw .errno(errno, call: "mmap", subject: subject)
        }
        defer { munmap(memory, length) }
        body(UnsafeMutableRawBufferPointer(start: memory, count: bytes))
    }
}
