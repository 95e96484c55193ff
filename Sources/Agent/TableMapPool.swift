import BPF
import Foundation
import Synchronization

/// Empty inner maps for provisional Maglev tables, made on a thread of its own while the
/// reconciler plans a bulk load. Making an inner map is mostly the kernel's work (about
/// 30 µs, and several threads making them at once mostly wait for each other), and planning
/// leaves a core idle: made then, the maps cost the sync only their filling.
final class TableMapPool: Sendable {
    private struct State {
        var ready: [FileDescriptor] = []
        /// Maps still to make; 0 stops the thread.
        var wanted = 0
        var making = false
    }

    private let tables: BPFArrayOfMaps
    private let size: Int
    /// Descriptors left to the rest of the agent: each map held is one (OpenFileLimit.swift).
    private let reservedDescriptors: Int
    private let state = Mutex(State())

    /// Maps of `size` values for `tables`.
    init(tables: BPFArrayOfMaps, size: Int, reservedDescriptors: Int) {
        self.tables = tables
        self.size = size
        self.reservedDescriptors = reservedDescriptors
    }

    /// Starts making `count` more maps, as many as it may hold within half the open file limit.
    func prepare(_ count: Int) {
        var limit = rlimit()
        let soft = getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 ? Int(clamping: limit.rlim_cur) : 0
        let capacity = soft / 2 - reservedDescriptors
        let start = state.withLock { state in
            state.wanted = max(0, min(state.wanted + count, capacity - state.ready.count))
            guard state.wanted > 0 else { return false }
            defer { state.making = true }
            return !state.making
        }
        guard start else { return }
        Thread { [self] in make() }.start()
    }

    /// A made map for a table of `count` values; nil when none is (left) or the size differs.
    func take(count: Int) -> FileDescriptor? {
        guard count == size else { return nil }
        return state.withLock { $0.ready.popLast() }
    }

    /// Stops making maps and closes those not taken (one the thread is making is kept for
    /// the next sync).
    func release() {
        // Closed as `unused` goes, outside the lock.
        let unused = state.withLock { state in
            state.wanted = 0
            defer { state.ready = [] }
            return state.ready
        }
        withExtendedLifetime(unused) {}
    }

    private func make() {
        while true {
            let go = state.withLock { state in
                guard state.wanted > 0 else {
                    state.making = false
                    return false
                }
                state.wanted -= 1
                return true
            }
            guard go else { return }
            // A failure (the descriptor limit, memory) leaves the sync to make its own.
            guard let map = try? tables.makeEmptyTable(count: size, name: ServiceSync.innerMapName) else {
                state.withLock { $0.wanted = 0 }
                continue
            }
            state.withLock { $0.ready.append(map) }
        }
    }
}
