import CNI
import Logging
import NIOPosix

/// The agent's half of the CNI handshake: the socket `sluice-cni` talks to, the
/// registry of the endpoints it attached, and the syncs that put them under policy.
/// ADD is answered only once the endpoint's programs are attached.
struct CNIService: Sendable {
    private let server: CNISocketServer
    private let registry: CNIEndpointRegistry
    private let syncs: CNISyncRequests
    private let reconciler: Reconciler
    private let logger: Logger

    /// Binds the socket and hands the registry to the reconciler, before its first sync so
    /// restored endpoints are enforced at once. Nil when CNI is off (`--cni-socket ""`) or
    /// another agent already serves the socket.
    static func start(configuration: AgentConfiguration, reconciler: Reconciler, logger: Logger) async throws(AgentError) -> CNIService? {
        guard let path = configuration.cniSocketPath else { return nil }
        guard let server = try await CNISocketServer.bind(path: path, group: MultiThreadedEventLoopGroup.singleton) else {
            logger.error("another agent serves the CNI socket; this one runs without CNI", metadata: ["socket": "\(path)"])
            return nil
        }
        let registry: CNIEndpointRegistry
        do {
            registry = try CNIEndpointRegistry(stateDirectory: configuration.stateDirectory, logger: logger)
        } catch {
            await server.close()
            throw error
        }
        await reconciler.useCNIEndpoints(registry)
        logger.info("CNI socket listening", metadata: ["socket": "\(path)", "stateDir": "\(configuration.stateDirectory)"])
        return CNIService(server: server, registry: registry, syncs: CNISyncRequests(reconciler: reconciler),
                          reconciler: reconciler, logger: logger)
    }

    /// Serves until the task is cancelled, then removes the socket.
    func run() async {
        await server.serve { request in await handle(request) }
        await server.close()
    }

    func handle(_ request: AgentRequest) async -> AgentResponse {
        switch request.operation {
        case .status:
            let snapshot = reconciler.status.snapshot
            return snapshot.ready ? .ok : AgentResponse(outcome: .notReady, message: snapshot.lastSyncError ?? "the first sync has not finished")
        case .add:
            guard let endpoint = request.endpoint else { return AgentResponse(outcome: .failed, message: "add without an endpoint") }
            do {
                try registry.register(endpoint)
            } catch {
                logger.error("CNI endpoint rejected", metadata: ["endpoint": "\(endpoint.key)", "error": "\(error)"])
                return AgentResponse(outcome: .failed, message: "\(error)")
            }
            await syncs.syncAfterNow()
            let answer = response(to: await reconciler.cniEnforcement(of: endpoint))
            logger.info("CNI endpoint added", metadata: [
                "endpoint": "\(endpoint.key)", "pod": "\(endpoint.podNamespace)/\(endpoint.podName)",
                "interface": "\(endpoint.hostInterface)", "outcome": "\(answer.outcome.rawValue)"])
            return answer
        case .del:
            guard let key = request.key else { return AgentResponse(outcome: .failed, message: "del without a key") }
            do {
                guard try registry.unregister(key) != nil else { return .ok }
            } catch {
                return AgentResponse(outcome: .failed, message: "\(error)")
            }
            await syncs.syncAfterNow()
            logger.info("CNI endpoint deleted", metadata: ["endpoint": "\(key)"])
            return .ok
        case .check:
            guard let key = request.key, let endpoint = registry.endpoint(key) else {
                return AgentResponse(outcome: .failed, message: "\(request.key.map(\.description) ?? "endpoint") is not registered")
            }
            return response(to: await reconciler.cniEnforcement(of: endpoint))
        case .gc:
            guard let network = request.network else { return AgentResponse(outcome: .failed, message: "gc without a network") }
            let removed: [CNIEndpoint]
            do {
                removed = try registry.collect(network: network, keeping: Set(request.validAttachments ?? []))
            } catch {
                return AgentResponse(outcome: .failed, message: "\(error)")
            }
            if !removed.isEmpty {
                await syncs.syncAfterNow()
                logger.info("CNI endpoints collected", metadata: ["network": "\(network)", "removed": "\(removed.map(\.key.description))"])
            }
            return AgentResponse(outcome: .ok, removed: removed)
        }
    }

    private func response(to enforcement: Reconciler.CNIEnforcement) -> AgentResponse {
        switch enforcement {
        case .enforced: .ok
        case .notReady(let reason): AgentResponse(outcome: .notReady, message: reason)
        case .failed(let reason): AgentResponse(outcome: .failed, message: reason)
        }
    }
}
