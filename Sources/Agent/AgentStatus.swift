import Foundation
import Planner
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
        /// When the last successful sync finished.
        public var lastSync: Date?
        /// What the last successful sync enforced, and the cluster it was planned from,
        /// for the status API and `sluicectl explain`.
        public var plan: DesiredState?
        public var cluster: Cluster?
        /// Host-side interface of each enforced pod (`namespace/name` -> interface name).
        public var interfaces: [String: String] = [:]
        public var lastSyncError: String?
        /// Why the policy directory is refused (ownership, mode): its edits are ignored, and
        /// what it enforced stays, until it is fixed. Nil while it is read.
        public var policyDirectoryError: String?
        public var files: [String: FileState] = [:]
        public var endpoints = 0
        public var identities = 0
        public var policies = 0
        /// Policy id to `namespace/name`, for per-policy counters.
        public var policyNames: [UInt32: String] = [:]
        public var policyEntries = 0
        public var ipcacheEntries = 0
        /// The plan's peer ids (`Allocations.peers`): identity signatures hold
        /// these, and `/v1/explain` maps them back to policy rules.
        public var peers: [PeerKey: UInt32] = [:]
        /// Max entries of maps the HTTP API has no handle on (the service
        /// maps), by pinned name, as the kernel reports them.
        public var mapCapacities: [String: Int] = [:]
        public var reconciles: [String: Int] = [:]
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func update(_ body: (inout Snapshot) -> Void) {
        state.withLock { body(&$0) }
    }
}
