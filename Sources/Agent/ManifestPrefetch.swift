import Dispatch
import Foundation
import Glibc
import Model
import Synchronization

/// Decodes manifest files as soon as the watcher names them, on a thread of its own at a
/// lower priority, so that while the reconciler plans and writes one batch of a bulk load
/// (work that leaves a core idle) the files of the next are already decoded. The reconciler
/// still reads every file itself and takes a decode from here only for the same contents:
/// decoding is a function of the path and the contents, so the result is the one it would
/// have computed.
final class ManifestPrefetch: Sendable {
    typealias Decoded = Result<[Manifest], ManifestError>

    private struct State {
        /// Names to decode, from `head` on.
        var queue: [String] = []
        var head = 0
        /// Queued or being decoded, and not yet taken.
        var pending: Set<String> = []
        var done: [String: (contents: String, decoded: Decoded)] = [:]
    }

    /// Names held at most: a burst larger than this is decoded by the reconciler as before.
    static let capacity = 20_000

    private let directory: PolicyDirectory
    private let state = Mutex(State())
    /// Counts queued names: the thread waits on it.
    private let work = DispatchSemaphore(value: 0)

    init(directory: PolicyDirectory) {
        self.directory = directory
        Thread { [self] in
            // Below the reconciler: it decodes in the reconciler's idle time, not instead of it
            // (Linux keeps nice values per thread; 0 names the calling one).
            setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
            run()
        }.start()
    }

    /// Queues `names` (from the watcher's thread) to be read and decoded.
    func note(_ names: Set<String>) {
        let added = state.withLock { state in
            var added = 0
            for name in names where !state.pending.contains(name) {
                guard state.pending.count + state.done.count < Self.capacity else { break }
                state.queue.append(name)
                state.pending.insert(name)
                added += 1
            }
            return added
        }
        for _ in 0..<added { work.signal() }
    }

    /// The decode of `name` when it was made from `contents`. Forgets the name either way:
    /// the reconciler has it now.
    func take(_ name: String, contents: String) -> Decoded? {
        let entry = state.withLock { state in
            state.pending.remove(name)
            return state.done.removeValue(forKey: name)
        }
        guard let entry, entry.contents == contents else { return nil }
        return entry.decoded
    }

    /// Whether a decode of `name` waits to be taken.
    func isDecoded(_ name: String) -> Bool {
        state.withLock { $0.done[name] != nil }
    }

    /// Forgets `names`, which the reconciler looked at without reading (unchanged or gone).
    func forget(_ names: some Sequence<String>) {
        state.withLock { state in
            for name in names {
                state.pending.remove(name)
                state.done.removeValue(forKey: name)
            }
        }
    }

    private func run() {
        while true {
            work.wait()
            guard let name = state.withLock({ state -> String? in
                guard state.head < state.queue.count else { return nil }
                let name = state.queue[state.head]
                state.head += 1
                if state.head == state.queue.count || state.head > 4096 && 2 * state.head > state.queue.count {
                    state.queue.removeFirst(state.head)
                    state.head = 0
                }
                return state.pending.contains(name) ? name : nil
            }) else { continue }
            guard case .contents(let contents) = directory.read(name) else { continue }
            let decoded = ManifestStore.decode(path: directory.path + "/" + name, contents: contents)
            // Taken while it was decoded: the reconciler decoded it itself.
            state.withLock { state in
                if state.pending.remove(name) != nil { state.done[name] = (contents, decoded) }
            }
        }
    }
}
