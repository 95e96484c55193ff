import CSluiceBPF
import Glibc

/// An ARRAY_OF_MAPS whose inner maps are tables of `UInt32` the agent builds and swaps in
/// whole: a reader sees the old inner map or the new one, never a mix. A table's values are
/// packed into array elements of `innerValueSize` bytes (4: one value each; 8: two, the first
/// at the lower address), since the kernel spaces elements 8 bytes apart whatever their size.
///
/// Inner maps are created with the template's flags, which must include `BPF_F_MMAPABLE`
/// (they are filled and read with one copy through a shared mapping) and may include
/// `BPF_F_INNER_MAP` (then their sizes may differ).
public struct BPFArrayOfMaps: Sendable {
    public let outer: BPFMap<UInt32, UInt32>
    /// `map_flags` every inner map is created with (the template's).
    public let innerFlags: UInt32
    /// `value_size` of every inner map (the template's): 4 or 8.
    public let innerValueSize: Int

    public init(outer: BPFMap<UInt32, UInt32>, innerFlags: UInt32, innerValueSize: Int) throws(BPFError) {
        guard outer.info.type == BPF_MAP_TYPE_ARRAY_OF_MAPS.rawValue else {
            throw BPFError(kind: .layoutMismatch, call: "BPFArrayOfMaps.init",
                           subject: "\(outer.name) is map type \(outer.info.type), not an array of maps", errno: EINVAL)
        }
        guard innerFlags & UInt32(BPF_F_MMAPABLE) != 0 else {
            throw BPFError(kind: .invalidArgument, call: "BPFArrayOfMaps.init",
                           subject: "\(outer.name): inner maps must be BPF_F_MMAPABLE", errno: EINVAL)
        }
        guard innerValueSize == 4 || innerValueSize == Self.elementSize else {
            throw BPFError(kind: .invalidArgument, call: "BPFArrayOfMaps.init",
                           subject: "\(outer.name): inner values of \(innerValueSize) bytes hold no whole number of UInt32 per element",
                           errno: EINVAL)
        }
        self.outer = outer
        self.innerFlags = innerFlags
        self.innerValueSize = innerValueSize
    }

    /// Creates an inner array holding `values`, then points slot `index` at it in one update.
    /// The new array lives as long as the outer map holds it.
    public func replace(_ index: UInt32, with values: [UInt32], name: String) throws(BPFError) {
        try replace([(index, values)], name: name)
    }

    /// Creates one inner array per table, then points each slot at its array. Each slot
    /// changes in one step; all of them in one `bpf_map_update_batch`, because the kernel
    /// waits for an RCU grace period (about 10 ms) after every map-in-map update call, not
    /// after every element. `bpf_map_create`, `mmap`, `bpf_map_update_batch`.
    public func replace(_ tables: [(index: UInt32, values: [UInt32])], name: String) throws(BPFError) {
        var made: [(index: UInt32, table: FileDescriptor)] = []
        made.reserveCapacity(tables.count)
        for (index, values) in tables {
            made.append((index, try makeTable(values, name: name, index: index)))
        }
        try swap(made)
    }

    /// Points each slot at its table (from `makeTable`), all in one `bpf_map_update_batch`;
    /// the outer map then holds the tables, the descriptors may be closed.
    public func swap(_ tables: [(index: UInt32, table: FileDescriptor)]) throws(BPFError) {
        guard !tables.isEmpty else { return }
        var keys = tables.map(\.index)
        var fds = tables.map { UInt32(bitPattern: $0.table.rawValue) }
        var count = UInt32(keys.count)
        var opts = bpf_map_batch_opts()
        opts.sz = MemoryLayout<bpf_map_batch_opts>.size
        let ret = bpf_map_update_batch(outer.fd.rawValue, &keys, &fds, &count, &opts)
        guard ret == 0 else {
            let error = BPFError.libbpf(ret, call: "bpf_map_update_batch", subject: "\(outer.name), \(keys.count) tables")
            // Kernels without batch updates of this map type: one update (and grace period) each.
            guard error.errno == EINVAL || error.kind == .notSupported, count == 0 else { throw error }
            for (key, fd) in zip(keys, fds) { try outer.update(key, fd) }
            return
        }
    }

    /// A new inner array holding `values`, in no slot yet (`swap` puts it in one). Touches
    /// nothing shared, so several threads may make tables at once. `bpf_map_create`, `mmap`.
    public func makeTable(_ values: [UInt32], name: String, index: UInt32) throws(BPFError) -> FileDescriptor {
        try makeTable(count: values.count, name: name, index: index) { memory, stride in
            for (index, value) in values.enumerated() {
                memory.storeBytes(of: value, toByteOffset: index * stride, as: UInt32.self)
            }
        }
    }

    /// A new inner array for `count` values that `fill` writes through the array's mapping:
    /// they start zeroed and sit `stride` bytes apart (8 with one value per element, 4 with
    /// two). Nothing is copied on the way. `bpf_map_create`, `mmap`.
    public func makeTable(count: Int, name: String, index: UInt32,
                          fill: (UnsafeMutableRawBufferPointer, Int) -> Void) throws(BPFError) -> FileDescriptor {
        let inner = try makeEmptyTable(count: count, name: name, subject: "\(outer.name)[\(index)]")
        try self.fill(inner, count: count, name: name, fill)
        return inner
    }

    /// A new inner array for `count` values, all zero, in no slot yet: `fill` writes it.
    /// Several threads may make them at once. `bpf_map_create`.
    public func makeEmptyTable(count: Int, name: String, subject: String? = nil) throws(BPFError) -> FileDescriptor {
        var opts = bpf_map_create_opts()
        opts.sz = MemoryLayout<bpf_map_create_opts>.size
        opts.map_flags = innerFlags
        let fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, 4, UInt32(innerValueSize), UInt32(elements(count)), &opts)
        guard fd >= 0 else {
            throw .libbpf(fd, call: "bpf_map_create", subject: "\(subject ?? "inner map of \(outer.name)") of \(count)")
        }
        return FileDescriptor(owning: fd)
    }

    /// Writes an inner array made for `count` values (`makeEmptyTable`) through its mapping,
    /// as `makeTable` describes. `mmap`.
    public func fill(_ table: FileDescriptor, count: Int, name: String,
                     _ fill: (UnsafeMutableRawBufferPointer, Int) -> Void) throws(BPFError) {
        try Self.withMapping(fd: table.rawValue, elements: elements(count), writable: true, subject: name) { memory in
            fill(memory, Self.elementSize / (innerValueSize / 4))
        }
    }

    /// Elements of an inner array holding `count` values.
    private func elements(_ count: Int) -> Int {
        let perElement = innerValueSize / 4
        return (count + perElement - 1) / perElement
    }

    /// Copies every table of `other` (of either value size) into the same slot here, as new
    /// inner maps swapped in `perSwap` at a time. Returns how many were copied. Walks all of
    /// `other`'s slots: one lookup each.
    @discardableResult
    public func copyTables(from other: BPFArrayOfMaps, name: String, perSwap: Int) throws(BPFError) -> Int {
        var made: [(index: UInt32, table: FileDescriptor)] = []
        var copied = 0
        for index in 0..<other.outer.info.maxEntries {
            guard let values = try other.contents(index) else { continue }
            made.append((index, try makeTable(values, name: name, index: index)))
            if made.count == perSwap {
                try swap(made)
                copied += made.count
                made = []
            }
        }
        try swap(made)
        return copied + made.count
    }

    /// Empties the slots, in one `bpf_map_delete_batch` (one grace period) when the kernel can.
    /// `bpf_map_delete_batch`, `bpf_map_delete_elem`.
    public func clear(_ indexes: [UInt32]) throws(BPFError) {
        guard !indexes.isEmpty else { return }
        var keys = indexes
        var count = UInt32(keys.count)
        var opts = bpf_map_batch_opts()
        opts.sz = MemoryLayout<bpf_map_batch_opts>.size
        let ret = bpf_map_delete_batch(outer.fd.rawValue, &keys, &count, &opts)
        if ret == 0 { return }
        let error = BPFError.libbpf(ret, call: "bpf_map_delete_batch", subject: "\(outer.name), \(keys.count) tables")
        // An already empty slot stops the batch (ENOENT). Arrays have no batch delete (the
        // kernel's ENOTSUPP, 524) up to at least Linux 6.18: then one delete, and one grace
        // period, per slot.
        guard error.errno == ENOENT || error.errno == 524 || error.errno == EINVAL || error.kind == .notSupported
        else { throw error }
        // count is how many the batch deleted, and means nothing when it was refused whole.
        let done = error.errno == ENOENT ? Int(count) : 0
        for key in indexes.dropFirst(done) { try clear(key) }
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
    /// the slot is empty. Inner maps of either value size are read, so a table written under
    /// another layout can be moved (`innerValueSize` is this map's own). Values are never 0
    /// in a table: with two to an element, a last 0 is the padding of an odd count and is
    /// dropped. `bpf_map_get_fd_by_id`, `mmap`.
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
        let perElement = Int(info.valueSize) / 4
        guard perElement == 1 || perElement == 2 else {
            throw BPFError(kind: .layoutMismatch, call: "BPFArrayOfMaps.contents",
                           subject: "\(outer.name)[\(index)] has values of \(info.valueSize) bytes", errno: EINVAL)
        }
        let elements = Int(info.maxEntries)
        var values = [UInt32](repeating: 0, count: elements * perElement)
        let stride = Self.elementSize / perElement
        try Self.withMapping(fd: inner.rawValue, elements: elements, writable: false, subject: info.name) { memory in
            for index in values.indices {
                values[index] = memory.load(fromByteOffset: index * stride, as: UInt32.self)
            }
        }
        if perElement == 2, values.last == 0 { values.removeLast() }
        return values
    }

    /// An array's elements sit 8 bytes apart in its mapping, whatever their size.
    private static let elementSize = 8

    /// Maps the value area of an mmapable array of `elements` (the kernel rounds it up to pages).
    private static func withMapping(fd: Int32, elements: Int, writable: Bool, subject: String,
                                    _ body: (UnsafeMutableRawBufferPointer) -> Void) throws(BPFError) {
        let bytes = elements * elementSize
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
