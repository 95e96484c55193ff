import BPF
import CSluiceBPF
import Dispatch
import Foundation
import Planner
import Synchronization

/// Writing Maglev tables: the plan holds each table as its members, and the slots exist only
/// while one table is written.
extension ServiceSync {
    /// Tables made per swap. Each swap (one `bpf_map_update_batch`) waits for one RCU grace
    /// period, which the next batch is made during; a made table holds a descriptor until it
    /// is swapped in, so at most twice this many are held.
    static let tablesPerSwap = 1024

    /// Computes and swaps in the tables of `changed` (service id -> table), in batches of
    /// `tablesPerSwap`; every core computes tables at once, each written into its new inner
    /// map's mapping in one pass, while the batch before is swapped in on a thread of its own.
    /// Each batch is stamped once swapped in, so a sync failing later keeps what it did for
    /// the next agent. Returns the kernel ids of the new inner maps.
    func writeTables(_ changed: [(id: UInt32, table: MaglevTable)]) throws(BPFError) -> [UInt32: UInt32] {
        var mapIDs: [UInt32: UInt32] = [:]
        var swapping: (batch: ArraySlice<(id: UInt32, table: MaglevTable)>, swap: TableSwap)?
        func finishSwap() throws(BPFError) {
            guard let (batch, swap) = swapping else { return }
            swapping = nil
            try swap.wait()
            for (id, _) in batch { mapIDs[id] = try maps.tables.innerMapID(id) }
            try stamp(batch, mapIDs: mapIDs)
        }
        do {
            for start in stride(from: 0, to: changed.count, by: Self.tablesPerSwap) {
                let batch = changed[start..<min(start + Self.tablesPerSwap, changed.count)]
                let made = try Self.makeTables(batch, in: maps.tables, pool: tablePool)
                try finishSwap()
                swapping = (batch, TableSwap(made, into: maps.tables))
            }
            try finishSwap()
        } catch {
            // What was swapped in stays, stamped: the read-back after the failure keeps it.
            try? finishSwap()
            throw error
        }
        return mapIDs
    }

    /// Records what each table just swapped in was built from, under its inner map's id.
    private func stamp(_ written: ArraySlice<(id: UInt32, table: MaglevTable)>,
                       mapIDs: [UInt32: UInt32]) throws(BPFError) {
        try maps.stamps.update(written.compactMap { id, table in
            guard let mapID = mapIDs[id] else { return nil }
            var stamp = zeroed(sluice_table_stamp.self)
            stamp.digest = table.digest
            stamp.map_id = mapID
            return (id, stamp)
        })
    }

    /// The name of every inner map of a table.
    static let innerMapName = "sluice_mgl_t"

    /// Starts making empty inner maps for the provisional tables a sync of `newTables` new
    /// tables will write, while the reconciler plans it.
    func prepareTables(new newTables: Int) {
        guard let tablesPerSync else { return }
        tablePool.prepare(newTables - tablesPerSync)
    }

    /// One new inner map per table (a pooled one when there is one), filled with its slots,
    /// made on every core at once.
    private static func makeTables(_ batch: ArraySlice<(id: UInt32, table: MaglevTable)>, in tables: BPFArrayOfMaps,
                                   pool: TableMapPool) throws(BPFError) -> [(index: UInt32, table: FileDescriptor)] {
        let results = TableResults(count: batch.count)
        DispatchQueue.concurrentPerform(iterations: batch.count) { index in
            let (id, table) = batch[batch.startIndex + index]
            results.set(index, Result { () throws(BPFError) in
                let write = { (memory: UnsafeMutableRawBufferPointer, stride: Int) in table.write(into: memory, stride: stride) }
                guard let made = pool.take(count: table.size) else {
                    return try tables.makeTable(count: table.size, name: innerMapName, index: id, fill: write)
                }
                try tables.fill(made, count: table.size, name: innerMapName, write)
                return made
            })
        }
        var made: [(index: UInt32, table: FileDescriptor)] = []
        made.reserveCapacity(batch.count)
        for (index, result) in results.all.enumerated() {
            guard let result else { continue }
            made.append((batch[batch.startIndex + index].id, try result.get()))
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

/// One batch of tables swapped in on a thread of its own: the swap spends most of its time
/// waiting for an RCU grace period, during which the caller makes the next batch.
private final class TableSwap: Sendable {
    private let outcome = Mutex<Result<Void, BPFError>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ made: [(index: UInt32, table: FileDescriptor)], into tables: BPFArrayOfMaps) {
        // A thread of its own, not the global queue's: a worker blocked in the kernel would
        // be missing from the next batch's `concurrentPerform`.
        Thread { [self] in
            let result = Result { () throws(BPFError) in try tables.swap(made) }
            outcome.withLock { $0 = result }
            done.signal()
        }.start()
    }

    /// Waits for the swap; throws its error.
    func wait() throws(BPFError) {
        done.wait()
        try outcome.withLock { $0 }?.get()
    }
}
