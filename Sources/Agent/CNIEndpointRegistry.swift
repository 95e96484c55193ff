import CNI
import Foundation
import Logging
import Model
import Synchronization

/// The pods `sluice-cni` attached, kept on disk under `--state-dir` so a restarted
/// agent enforces them again before any runtime calls. DELs queued by the plugin while
/// the agent was down are replayed at start and on every sync after it.
final class CNIEndpointRegistry: Sendable {
    let state: CNIStateDirectory
    private let logger: Logger
    private let endpoints = Mutex<[CNIEndpoint.Key: CNIEndpoint]>([:])

    /// Loads what an earlier agent registered (unreadable records are logged and left for
    /// GC), then replays queued DELs.
    init(stateDirectory: String, logger: Logger) throws(AgentError) {
        state = CNIStateDirectory(root: stateDirectory)
        self.logger = logger
        state.removeAbandonedTemporaries()
        let saved: (endpoints: [CNIEndpoint], unreadable: [String])
        do {
            saved = try state.endpoints()
        } catch {
            throw .system(call: error.call, subject: error.path, errno: error.errno)
        }
        for name in saved.unreadable {
            logger.error("unreadable CNI endpoint record ignored", metadata: ["file": "\(state.endpointsDirectory)/\(name)"])
        }
        var loaded: [CNIEndpoint.Key: CNIEndpoint] = [:]
        for endpoint in saved.endpoints {
            if let problem = Self.problem(with: endpoint) {
                logger.error("invalid CNI endpoint record ignored", metadata: ["endpoint": "\(endpoint.key)", "error": "\(problem)"])
                continue
            }
            loaded[endpoint.key] = endpoint
        }
        endpoints.withLock { $0 = loaded }
        if !loaded.isEmpty {
            logger.info("CNI endpoints restored", metadata: ["count": "\(loaded.count)", "dir": "\(state.endpointsDirectory)"])
        }
        replayPendingDeletes()
    }

    /// Every registered endpoint, in key order.
    var all: [CNIEndpoint] {
        endpoints.withLock { $0.values.sorted { $0.key < $1.key } }
    }

    func endpoint(_ key: CNIEndpoint.Key) -> CNIEndpoint? {
        endpoints.withLock { $0[key] }
    }

    /// Saves then remembers `endpoint`; a registration of the same key replaces the old one.
    func register(_ endpoint: CNIEndpoint) throws(AgentError) {
        if let problem = Self.problem(with: endpoint) { throw .configuration(problem) }
        do {
            try state.saveEndpoint(endpoint)
        } catch {
            throw .system(call: error.call, subject: error.path, errno: error.errno)
        }
        endpoints.withLock { $0[endpoint.key] = endpoint }
    }

    /// Forgets `key` on disk, then in memory; the endpoint it was, if any.
    @discardableResult
    func unregister(_ key: CNIEndpoint.Key) throws(AgentError) -> CNIEndpoint? {
        do {
            try state.removeEndpoint(key)
        } catch {
            throw .system(call: error.call, subject: error.path, errno: error.errno)
        }
        return endpoints.withLock { $0.removeValue(forKey: key) }
    }

    /// GC: forgets every endpoint of `network` whose attachment is not in `valid`.
    func collect(network: String, keeping valid: Set<CNIAttachment>) throws(AgentError) -> [CNIEndpoint] {
        let stale = all.filter { $0.key.network == network && !valid.contains($0.key.attachment) }
        for endpoint in stale { try unregister(endpoint.key) }
        return stale
    }

    /// Applies the DELs the plugin queued while no agent answered. A DEL older than the
    /// registration it names belongs to an earlier attachment and only leaves the queue.
    func replayPendingDeletes() {
        let pending: (deletes: [PendingDelete], unreadable: [String])
        do {
            pending = try state.pendingDeletes()
        } catch {
            logger.error("cannot read queued CNI deletes", metadata: ["error": "\(error)"])
            return
        }
        for name in pending.unreadable {
            logger.error("unreadable queued CNI delete dropped", metadata: ["file": "\(state.pendingDirectory)/\(name)"])
            _ = try? FileSystem.remove(state.pendingDirectory + "/" + name)
        }
        for delete in pending.deletes {
            do {
                if let endpoint = endpoint(delete.key), endpoint.registeredAt <= delete.queuedAt {
                    try unregister(delete.key)
                    logger.info("queued CNI delete replayed", metadata: ["endpoint": "\(delete.key)"])
                }
                try state.removePendingDelete(delete.key)
            } catch {
                logger.error("cannot replay a queued CNI delete", metadata: ["endpoint": "\(delete.key)", "error": "\(error)"])
            }
        }
    }

    /// Why `endpoint` cannot be enforced as given, or nil.
    static func problem(with endpoint: CNIEndpoint) -> String? {
        let key = endpoint.key
        guard CNIAttachment.isValidNetworkName(key.network), CNIAttachment.isValidContainerID(key.containerID),
              CNIAttachment.isValidInterfaceName(key.ifname) else { return "invalid key \(key)" }
        guard CNIAttachment.isValidInterfaceName(endpoint.hostInterface) else {
            return "invalid host interface '\(endpoint.hostInterface)'"
        }
        guard !endpoint.podNamespace.isEmpty, !endpoint.podName.isEmpty else { return "pod namespace and name are required" }
        let addresses = endpoint.addresses.map { IPAddress($0) }
        guard !addresses.isEmpty, addresses.allSatisfy({ $0 != nil }) else {
            return "addresses \(endpoint.addresses) must be one or two IP addresses"
        }
        let families = addresses.compactMap { $0?.family }
        guard Set(families).count == families.count else { return "at most one address per family" }
        return nil
    }
}
