import BPF
import CSluiceBPF
import Dispatch
import Planner

/// Writing Maglev tables: the plan holds each table as its members, and the slots exist only
/// while one table is written.
extension ServiceSync {
    /// Tables made per swap. Each swap (one `bpf_map_update_batch`) waits for one RCU grace
    /// period, and a made table holds a descriptor until it is swapped in: ten thousand
    /// tables take five grace periods and at most this many descriptors.
    static let tablesPerSwap = 2048

    /// Computes and swaps in the tables of `changed` (service id -> table), in batches of
    /// `tablesPerSwap`; every core computes tables at once, each written into its new inner
    /// map's mapping in one pass. Each batch is stamped once swapped in, so a sync failing
    /// later keeps what it did for the next agent. Returns the kernel ids of the new inner maps.
    func writeTables(_ changed: [(id: UInt32, table: MaglevTable)]) throws(BPFError) -> [UInt32: UInt32] {
        var mapIDs: [UInt32: UInt32] = [:]
        for start in stride(from: 0, to: changed.count, by: Self.tablesPerSwap) {
            let batch = Array(changed[start..<min(start + Self.tablesPerSwap, changed.count)])
            let made = try Self.makeTables(batch, in: maps.tables)
            try maps.tables.swap(made)
            for (id, _) in batch { mapIDs[id] = try maps.tables.innerMapID(id) }
            try stamp(batch, mapIDs: mapIDs)
        }
        return mapIDs
    }

    /// Records what each table just swapped in was built from, under its inner map's id.
    private func stamp(_ written: [(id: UInt32, table: MaglevTable)], mapIDs: [UInt32: UInt32]) throws(BPFError) {
        try maps.stamps.update(written.compactMap { id, table in
            guard let mapID = mapIDs[id] else { return nil }
            var stamp = zeroed(sluice_table_stamp.self)
            stamp.digest = table.digest
            stamp.map_id = mapID
            return (id, stamp)
        })
    }

    /// One new inner map per table, filled with its slots, made on every core at once.
    private static func makeTables(_ batch: [(id: UInt32, table: MaglevTable)], in tables: BPFArrayOfMaps)
        throws(BPFError) -> [(index: UInt32, table: FileDescriptor)] {
        let results = TableResults(count: batch.count)
        DispatchQueue.concurrentPerform(iterations: batch.count) { index in
            let (id, table) = batch[index]
            results.set(index, Result { () throws(BPFError) in
                try tables.makeTable(count: table.size, name: "sluice_mgl_t", index: id) { memory, stride in
                    table.write(into: memory, stride: stride)
                }
            })
        }
        var made: [(index: UInt32, table: FileDescriptor)] = []
        made.reserveCapacity(batch.count)
        for (index, result) in results.all.enumerated() {
            guard let result else { continue }
            made.append((batch[index].id, try result.get()))
        }
        return made
    }
}

/// The outcome of each table of a batch, written from several threads: each element by
/// exactly one iteration, and read only after all of them ended.
private final class TableResults: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Result<FileDescriptor, BPFError>?>

    init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil)
    }

    deinit {
        storage.deinitialize()
        storage.deallocate()
    }

    func set(_ index: Int, _ result: Result<FileDescriptor, BPFError>) {
        storage[index] = result
    }

    var all: [Result<FileDescriptor, BPFError>?] { Array(storage) }
}
