import BPF
import Planner

/// The service load balancer's part of a sync, and what runs between syncs and writes its
/// effect at once: health probes, and full Maglev tables replacing provisional ones.
extension Reconciler {
    /// Returns whether any service entry was written.
    func syncServices(_ planned: PlannedServices, readBack: Bool) throws(BPFError) -> Bool {
        let wrote = try services.sync(planned, readBack: readBack)
        if services.prober == nil {
            services.prober = Task { [weak self] in
                while !Task.isCancelled {
                    guard let wait = await self?.probeDueBackends() else { return }
                    let upgrade = await self?.upgradeProvisionalTables()
                    try? await Task.sleep(for: upgrade.flatMap { $0 } ?? wait)
                }
            }
        }
        return wrote
    }

    /// Before the first plan: the service and backend ids an earlier agent left in the maps
    /// stay theirs. Otherwise a restarted agent would number them afresh, and until its sync
    /// ends an old frontend's table would name backend ids that now hold other addresses.
    func keepKernelServiceIDs() {
        do {
            let inUse = try services.idsInUse()
            guard !inUse.frontends.isEmpty else { return }
            allocations.services.reserve(frontends: inUse.frontends, backends: inUse.backends)
            logger.info("service ids kept from the maps", metadata: [
                "frontendKeys": "\(inUse.frontends.count)", "backends": "\(inUse.backends.count)"])
        } catch {
            logger.warning("cannot read the service ids in use; numbering afresh", metadata: ["error": "\(error)"])
        }
    }

    /// Table upgrades wait while `pending` says file changes are about to be read: a bulk
    /// load's later files matter more than the full tables of its first ones.
    func deferTableUpgrades(while pending: @escaping @Sendable () -> Bool) {
        filesPending = pending
    }

    /// One pass of full tables over provisional ones, unless file changes wait. Returns how
    /// long to pause before the next (a short pause lets file changes in); nil when none waits.
    private func upgradeProvisionalTables() -> Duration? {
        guard !services.provisionalTables.isEmpty else { return nil }
        guard !filesPending() else { return .milliseconds(10) }
        do {
            return try services.upgradeProvisionalTables() ? .milliseconds(1) : nil
        } catch {
            logger.error("replacing provisional Maglev tables failed; the next sync retries", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Probes the backends that are due, applies the results, and says how long to wait.
    private func probeDueBackends() async -> Duration {
        let now = ContinuousClock.now
        let (due, _) = services.health.due(now: now)
        if !due.isEmpty {
            let results = await Task.detached { TCPProbe.run(due) }.value
            if services.health.record(results, now: ContinuousClock.now), let planned = services.lastPlanned {
                logger.info("backend health changed", metadata: [
                    "unhealthy": "\(services.health.unhealthy.map(\.description).sorted())"])
                do {
                    try services.sync(planned, readBack: false)
                } catch {
                    logger.error("applying backend health failed; the next sync retries", metadata: ["error": "\(error)"])
                }
            }
        }
        if let expiry = services.terminating.nextExpiry, expiry <= ContinuousClock.now, let planned = services.lastPlanned {
            do {
                try services.sync(planned, readBack: false)
            } catch {
                logger.error("ending a terminating backend's grace period failed; the next sync retries",
                             metadata: ["error": "\(error)"])
            }
        }
        let next = [services.health.due(now: ContinuousClock.now).next, services.terminating.nextExpiry]
            .compactMap { $0 }.min()
        guard let next else { return .milliseconds(200) }
        return max(.milliseconds(5), min(.seconds(1), next - ContinuousClock.now))
    }
}
