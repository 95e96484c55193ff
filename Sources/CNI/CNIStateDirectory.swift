import Foundation

/// The agent's `--state-dir`, as far as CNI goes: `cni/endpoints/` holds the registered
/// endpoints (written by the agent), `cni/pending-del/` the DELs queued by the plugin while
/// the agent was down. Both sides use these types, so the layout is defined once.
public struct CNIStateDirectory: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public var endpointsDirectory: String { root + "/cni/endpoints" }
    public var pendingDirectory: String { root + "/cni/pending-del" }

    // MARK: endpoints (the agent writes; the plugin reads during GC while the agent is down)

    public func saveEndpoint(_ endpoint: CNIEndpoint) throws(FileSystem.Failure) {
        try FileSystem.makeDirectories(endpointsDirectory, mode: 0o700)
        try FileSystem.writeAtomically(endpointsDirectory + "/" + endpoint.key.fileName, CNICoding.encode(endpoint), mode: 0o600)
    }

    @discardableResult
    public func removeEndpoint(_ key: CNIEndpoint.Key) throws(FileSystem.Failure) -> Bool {
        try FileSystem.remove(endpointsDirectory + "/" + key.fileName)
    }

    /// Every readable endpoint record; unreadable ones are returned by name for the log.
    public func endpoints() throws(FileSystem.Failure) -> (endpoints: [CNIEndpoint], unreadable: [String]) {
        try records(in: endpointsDirectory, as: CNIEndpoint.self)
    }

    // MARK: pending deletes (the plugin writes; the agent replays and removes)

    public func queueDelete(_ key: CNIEndpoint.Key) throws(FileSystem.Failure) {
        try FileSystem.makeDirectories(pendingDirectory, mode: 0o700)
        try FileSystem.writeAtomically(pendingDirectory + "/" + key.fileName, CNICoding.encode(PendingDelete(key: key)), mode: 0o600)
    }

    public func pendingDeletes() throws(FileSystem.Failure) -> (deletes: [PendingDelete], unreadable: [String]) {
        let found = try records(in: pendingDirectory, as: PendingDelete.self)
        return (found.endpoints, found.unreadable)
    }

    public func removePendingDelete(_ key: CNIEndpoint.Key) throws(FileSystem.Failure) {
        try FileSystem.remove(pendingDirectory + "/" + key.fileName)
    }

    /// Temporary files of writers that died (their pid is gone) in both directories.
    public func removeAbandonedTemporaries() {
        for directory in [endpointsDirectory, pendingDirectory] {
            for name in (try? FileSystem.list(directory)) ?? [] where name.hasPrefix(FileSystem.temporaryPrefix) {
                let pidText = name.dropFirst(FileSystem.temporaryPrefix.count).prefix { $0 != "-" }
                guard let pid = Int32(pidText), kill(pid, 0) != 0, errno == ESRCH else { continue }
                _ = try? FileSystem.remove(directory + "/" + name)
            }
        }
    }

    private func records<T: Decodable>(in directory: String, as type: T.Type) throws(FileSystem.Failure)
        -> (endpoints: [T], unreadable: [String]) {
        var found: [T] = []
        var unreadable: [String] = []
        for name in try FileSystem.list(directory) where name.hasSuffix(".json") && !name.hasPrefix(".") {
            guard let bytes = try FileSystem.read(directory + "/" + name) else { continue }
            if let record = CNICoding.decode(type, from: bytes) { found.append(record) } else { unreadable.append(name) }
        }
        return (found, unreadable)
    }
}
