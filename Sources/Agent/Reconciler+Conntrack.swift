import BPF

extension Reconciler {
    private var conntrack: ConntrackMaintenance {
        ConntrackMaintenance(maps: datapath.maps, settings: configuration.conntrack)
    }

    /// After a change: cuts flows the new policy denies, credits the rest to the policy allowing them now.
    func revalidateConntrack(endpointFlags: [UInt32: UInt32]) throws(BPFError) {
        let result = try conntrack.revalidate(endpointFlags: endpointFlags)
        metrics.conntrackRevoked(result.revoked)
        if result.revoked > 0 {
            logger.info("cut established flows the new policy denies", metadata: ["flows": "\(result.revoked)"])
        }
    }

    /// Deletes expired entries; run periodically.
    func collectConntrackGarbage() {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let result = try conntrack.collectGarbage()
            metrics.conntrackCollected(result, duration: clock.now - start)
            if result.removed > 0 {
                logger.debug("conntrack garbage collected", metadata: ["scanned": "\(result.scanned)", "removed": "\(result.removed)"])
            }
        } catch {
            logger.error("conntrack garbage collection failed", metadata: ["error": "\(error)"])
        }
    }
}
