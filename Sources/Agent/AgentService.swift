import Logging
import NIOPosix
import ServiceLifecycle

/// The running agent: serves HTTP, watches the policy directory and keeps
/// the datapath in sync until asked to stop. Stopping leaves the pinned maps
/// and attached programs in place, so enforcement continues without it.
public struct AgentService: Service {
    private let configuration: AgentConfiguration
    private let logger: Logger
    public let status = AgentStatus()

    public init(configuration: AgentConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        if let raised = OpenFileLimit.raiseToHard() {
            logger.info("open file limit raised", metadata: ["from": "\(raised.before)", "to": "\(raised.after)"])
        }
        let reconciler = try Reconciler(configuration: configuration, status: status, logger: logger)
        let flowEvents = startFlowEvents(exporter: reconciler.exporter)
        let routes = HTTPRoutes(status: status, metrics: reconciler.exporter, flows: flowEvents?.history)
        let server = try await HTTPServer(address: configuration.metricsAddress, group: MultiThreadedEventLoopGroup.singleton,
                                          handler: routes.handle)
        logger.info("sluiced started", metadata: [
            "node": "\(configuration.nodeName)", "policyDir": "\(configuration.policyDirectory)",
            "pinDir": "\(configuration.pinDirectory)", "http": "\(configuration.metricsAddress)",
            "version": "\(SluiceVersion.current)"])
        let prefetch = await reconciler.prefetchManifests()
        let watcher = try DirectoryWatcher(path: configuration.policyDirectory, observe: { prefetch.note($0) })
        await reconciler.deferTableUpgrades { watcher.hasChanges }
        let cni = try await CNIService.start(configuration: configuration, reconciler: reconciler, logger: logger)
        await reconciler.reconcile(readBack: true)

        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await watchLoop(watcher: watcher, reconciler: reconciler) }
                group.addTask { await resyncLoop(reconciler: reconciler) }
                if let cni { group.addTask { await cni.run() } }
                group.addTask { await conntrackLoop(reconciler: reconciler) }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            watcher.stop()
        }
        await server.close()
        await flowEvents?.stop()
        logger.info("sluiced stopped; pinned maps and attached programs stay in place")
    }

    /// Reads flow events from the ring buffer the datapath load pinned; without
    /// it (an older pin directory) the agent runs on and `/v1/flows` says so.
    private func startFlowEvents(exporter: MetricsExporter) -> FlowEventReader? {
        do {
            let reader = try FlowEventReader(pinDirectory: configuration.pinDirectory, status: status,
                                             history: FlowHistory(), logger: logger)
            reader.exportMetrics(to: exporter)
            reader.start()
            return reader
        } catch {
            logger.error("flow events unavailable: \(error)", metadata: ["pinDir": "\(configuration.pinDirectory)"])
            return nil
        }
    }

    /// One reconcile per burst of file events, timed from the burst's first event:
    /// once `debounce` passed without events, or `longestBatch` after the first.
    private func watchLoop(watcher: DirectoryWatcher, reconciler: Reconciler) async {
        for await firstEvent in watcher.changes {
            var reads = watcher.eventReads
            while true {
                try? await Task.sleep(for: configuration.debounce)
                let now = watcher.eventReads
                if now == reads || ContinuousClock.now - firstEvent >= configuration.longestBatch { break }
                reads = now
            }
            await reconciler.reconcile(triggeredAt: firstEvent, changes: watcher.takeChanges())
        }
    }

    /// Periodic full resync: reads the maps back and repairs any drift.
    private func resyncLoop(reconciler: Reconciler) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: configuration.resyncInterval)
            } catch {
                return
            }
            await reconciler.reconcile(readBack: true)
        }
    }

    private func conntrackLoop(reconciler: Reconciler) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: configuration.conntrack.collectionInterval)
            } catch {
                return
            }
            await reconciler.collectConntrackGarbage()
        }
    }
}
