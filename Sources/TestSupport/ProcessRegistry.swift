import Synchronization

/// The background processes started in a topology's namespaces, stopped at teardown
/// (a namespace with a process still inside outlives `ip netns delete`).
final class ProcessRegistry: Sendable {
    private let entries = Mutex<[(namespace: String, process: ManagedProcess)]>([])

    func add(_ process: ManagedProcess, in namespace: String) {
        entries.withLock { $0.append((namespace, process)) }
    }

    /// Stops the processes started in `namespace`, or all of them when nil.
    func stop(in namespace: String? = nil) {
        let stopping = entries.withLock { entries in
            let matching = entries.filter { namespace == nil || $0.namespace == namespace }
            entries.removeAll { namespace == nil || $0.namespace == namespace }
            return matching.map(\.process)
        }
        for process in stopping {
            process.stop(grace: .seconds(2))
        }
    }
}
