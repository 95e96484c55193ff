import Foundation

/// `GET /v1/status`: what the agent is, whether it is ready, what every
/// manifest file did, and how full the maps are.
public struct StatusDocument: Codable, Sendable, Equatable {
    public struct File: Codable, Sendable, Equatable {
        /// The file's name in the policy directory.
        public var name: String
        /// `applied`, or `error` (its last good version, if any, stays in force).
        public var state: String
        /// The error, naming file, line and field path.
        public var message: String?
        /// How many versions of the file were applied; the last good one is in force.
        public var generation: Int
    }

    public struct Counts: Codable, Sendable, Equatable {
        /// Pods in the manifests, on any node.
        public var pods: Int
        /// Local pods with an interface, enforced by the datapath.
        public var endpoints: Int
        public var identities: Int
        public var policies: Int
        public var policyEntries: Int
        public var ipcacheEntries: Int
        public var services: Int
    }

    public struct MapUsage: Codable, Sendable, Equatable {
        /// The pinned map's name.
        public var name: String
        /// Entries the agent keeps in it; absent for maps the datapath fills (conntrack).
        public var entries: Int?
        /// The map's size, from the kernel; absent when the agent has no handle on it.
        public var maxEntries: Int?
    }

    public struct Interface: Codable, Sendable, Equatable {
        /// `namespace/name`.
        public var pod: String
        /// The pod's host-side interface, where the programs are attached.
        public var interface: String
    }

    public var version: String
    /// `SLUICE_ABI_VERSION` of the maps and programs.
    public var abiVersion: Int
    public var ready: Bool
    public var lastSync: Date?
    public var lastSyncError: String?
    /// Why the policy directory is refused; its edits are ignored until it is fixed.
    public var policyDirectoryError: String?
    public var files: [File]
    public var counts: Counts
    public var maps: [MapUsage]
    public var interfaces: [Interface]
}
