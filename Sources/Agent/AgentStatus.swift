import Synchronization

/// What the agent knows about itself, shared between the reconciler that
/// writes it and the HTTP handlers that read it.
public final class AgentStatus: Sendable {
    public struct FileState: Sendable, Equatable, Codable {
        public enum State: String, Sendable, Codable { case applied, error }
        public var state: State
        public var message: String?
        /// How many times this file's content was applied.
        public var generation: Int
    }

    public struct Snapshot: Sendable, Equatable {
        public var ready = false
        public var lastSyncError: String?
        public var files: [String: FileState] = [:]
        public var endpoints = 0
        public var identities = 0
        public var policies = 0
        /// Policy id to `namespace/name`, for per-policy counters.
        public var policyNames: [UInt32: String] = [:]
        public var policyEntries = 0
        public var ipcacheEntries = 0
        public var reconciles: [String: Int] = [:]
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func update(_ body: (inout Snapshot) -> Void) {
        state.withLock { body(&$0) }
    }
}
