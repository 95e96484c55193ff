/// Folds the syncs that CNI requests ask for: a caller waits for a reconcile that
/// started after its call, and one reconcile serves everyone who asked while the
/// previous one ran (fifty parallel ADDs cost a few reconciles, not fifty).
actor CNISyncRequests {
    private let reconciler: Reconciler
    private var requested = 0
    private var completed = 0
    private var running = false
    private var waiters: [(ticket: Int, continuation: CheckedContinuation<Void, Never>)] = []

    init(reconciler: Reconciler) {
        self.reconciler = reconciler
    }

    /// Returns once a reconcile that began after this call has finished.
    func syncAfterNow() async {
        requested += 1
        let ticket = requested
        if !running {
            running = true
            Task { await drain() }
        }
        await withCheckedContinuation { waiters.append((ticket, $0)) }
    }

    private func drain() async {
        while completed < requested {
            let target = requested
            await reconciler.reconcile()
            completed = target
            let done = waiters.filter { $0.ticket <= completed }
            waiters.removeAll { $0.ticket <= completed }
            done.forEach { $0.continuation.resume() }
        }
        running = false
    }
}
