import CSluiceBPF
import HashTreeCollections
import Model

/// One port of one service in one address family: what a service id names, and what the
/// per-service counters are labelled with.
public struct FrontendRef: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var service: ObjectRef
    /// The service port's name, or its number when unnamed.
    public var port: String
    public var `protocol`: TransportProtocol
    public var family: IPAddress.Family

    public init(service: ObjectRef, port: String, protocol: TransportProtocol, family: IPAddress.Family) {
        self.service = service
        self.port = port
        self.protocol = `protocol`
        self.family = family
    }

    public var description: String { "\(service):\(port)/\(`protocol`.rawValue) \(family)" }

    public static func < (lhs: FrontendRef, rhs: FrontendRef) -> Bool {
        (lhs.service, lhs.port, lhs.protocol.rawValue, lhs.family == .v4 ? 4 : 6)
            < (rhs.service, rhs.port, rhs.protocol.rawValue, rhs.family == .v4 ? 4 : 6)
    }
}

/// Where a backend receives connections: what a backend id names.
public struct BackendRef: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16
    public var `protocol`: TransportProtocol

    public init(address: IPAddress, port: UInt16, protocol: TransportProtocol) {
        self.address = address
        self.port = port
        self.protocol = `protocol`
    }

    public var description: String {
        address.family == .v4 ? "\(address):\(port)/\(`protocol`.rawValue)" : "[\(address)]:\(port)/\(`protocol`.rawValue)"
    }

    /// The same bytes on every node: Maglev places a backend by them.
    var identity: [UInt8] {
        [address.family == .v4 ? 4 : 6] + address.bytes + [UInt8(port >> 8), UInt8(port & 0xff), `protocol`.ipProtocolNumber]
    }

    public static func < (lhs: BackendRef, rhs: BackendRef) -> Bool {
        if lhs.address != rhs.address { return lhs.address < rhs.address }
        if lhs.port != rhs.port { return lhs.port < rhs.port }
        return lhs.protocol < rhs.protocol
    }
}

/// A Maglev table as the datapath reads it (`slots[hash % size]` is a backend id), held as
/// what decides it: its active members and its size. The slots are a pure function of these
/// (the same on every node), so a plan carries the few members instead of 16381 slots (ten
/// thousand tables would take 650 MB), two plans' tables compare by their members, and
/// the slots are computed only for a table that must be written, then dropped.
public struct MaglevTable: Sendable, Hashable {
    /// A backend taking new flows: its id in sluice_be_v1, what places it, its share.
    public struct Member: Sendable, Hashable {
        public var id: UInt32
        public var identity: [UInt8]
        public var weight: UInt32

        public init(id: UInt32, identity: [UInt8], weight: UInt32) {
            self.id = id
            self.identity = identity
            self.weight = weight
        }
    }

    /// Ordered by identity (Maglev's own order), so equal tables compare equal whatever
    /// order their members were found in.
    public private(set) var members: [Member]
    public private(set) var size: Int

    /// `size` must be a prime; `members` are expected to have distinct identities.
    public init(members: [Member], size: Int) {
        self.members = members.sorted { $0.identity.lexicographicallyPrecedes($1.identity) }
        self.size = size
    }

    /// The backend id of every slot, computed on each call (Maglev.table); empty when no
    /// member has a weight.
    public var slots: [UInt32] {
        Maglev.table(backends, size: size).map { members[$0].id }
    }

    /// Writes the backend id of every slot into `memory`, which holds `size` zeroed elements
    /// `stride` bytes apart (a new BPF array's mapping). Member ids must not be 0 (backend
    /// ids are not).
    public func write(into memory: UnsafeMutableRawBufferPointer, stride: Int) {
        precondition(memory.count >= (size - 1) * stride + 4 && stride >= 4, "table memory too small")
        Maglev.write(backends, ids: members.map(\.id), size: size, into: memory, stride: stride)
    }

    private var backends: [Maglev.Backend] {
        members.map { Maglev.Backend(identity: $0.identity, weight: $0.weight) }
    }

    /// Names the slots this table writes, in every process and build that fills tables the
    /// same way: a restarted agent keeps a kernel table stamped with its plan's digest
    /// (sluice_mgs_v1). Covers every input of the slots, each length-prefixed, and the fill's
    /// version: `Maglev.fillVersion` must change with anything that moves a slot.
    public var digest: UInt64 {
        var bytes: [UInt8] = []
        func append<Value: FixedWidthInteger>(_ value: Value) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        append(Maglev.fillVersion)
        append(UInt64(size))
        append(UInt32(members.count))
        for member in members {
            append(member.id)
            append(member.weight)
            append(UInt32(member.identity.count))
            bytes += member.identity
        }
        return StableHash.hash(bytes, seed: 0x6d67_7374_616d_70)
    }
}

/// Everything the service maps should hold, as plain values. The maps are persistent (hash
/// tries): a plan made by changing the last one shares every untouched entry with it, so the
/// planner, the sync and the API can each keep a plan without copying ten thousand services.
public struct PlannedServices: Sendable, Equatable {
    /// sluice_svc_v1: VIP, port, protocol -> service.
    public var frontends: TreeDictionary<sluice_service_key, sluice_service_value> = [:]
    /// sluice_be_v1.
    public var backends: TreeDictionary<UInt32, sluice_backend_value> = [:]
    /// sluice_sbe_v1: which backends serve which service, and how.
    public var members: TreeDictionary<sluice_service_member_key, sluice_service_member_value> = [:]
    /// sluice_mgl_v2: service id -> table; services without a backend taking new flows have none.
    public var tables: TreeDictionary<UInt32, MaglevTable> = [:]
    /// Service id -> what it is, for counters and logs.
    public var frontendNames: TreeDictionary<UInt32, FrontendRef> = [:]
    /// Backend id -> where it is, for counters and logs.
    public var backendNames: TreeDictionary<UInt32, BackendRef> = [:]
    /// The other way round: the ids the planner gave its frontends and backends, so a named
    /// membership is found without a scan (backends held only while draining are not here).
    public var frontendIDs: TreeDictionary<FrontendRef, UInt32> = [:]
    public var backendIDs: TreeDictionary<BackendRef, UInt32> = [:]
    /// TCP backends to probe, with the check of the first service (by name) that asks for it.
    public var healthChecks: [BackendRef: HealthCheck] = [:]
    /// Problems that did not stop planning (an unusable annotation), one line each.
    public var warnings: [String] = []
    /// Which plan this is: each plan made gets a new number, unique in the process.
    public internal(set) var generation: UInt64 = 0
    /// What may differ from the plan this one was made from; nil when it was made whole.
    /// Neither takes part in equality: two plans with the same entries are equal.
    public internal(set) var delta: ServiceDelta?

    public init() {}

    /// The ids and state of `membership` in this plan; nil when the plan lacks it.
    public func member(_ membership: ServiceMembership) -> (serviceID: UInt32, backendID: UInt32, state: UInt32)? {
        guard let serviceID = frontendIDs[membership.frontend], let backendID = backendIDs[membership.backend],
              let member = members[sluice_service_member_key(service_id: serviceID, backend_id: backendID)]
        else { return nil }
        return (serviceID, backendID, member.state)
    }
}

extension PlannedServices {
    public static func == (lhs: PlannedServices, rhs: PlannedServices) -> Bool {
        lhs.frontends == rhs.frontends && lhs.backends == rhs.backends && lhs.members == rhs.members
            && lhs.tables == rhs.tables && lhs.frontendNames == rhs.frontendNames
            && lhs.backendNames == rhs.backendNames && lhs.frontendIDs == rhs.frontendIDs
            && lhs.backendIDs == rhs.backendIDs && lhs.healthChecks == rhs.healthChecks && lhs.warnings == rhs.warnings
    }
}

extension sluice_service_key: @retroactive Equatable, @retroactive Hashable, BytewiseHashable {}
extension sluice_service_value: @retroactive Equatable, @retroactive Hashable, BytewiseHashable {}
extension sluice_backend_value: @retroactive Equatable, @retroactive Hashable, BytewiseHashable {}
extension sluice_service_member_key: @retroactive Equatable, @retroactive Hashable, BytewiseHashable {}
extension sluice_service_member_value: @retroactive Equatable, @retroactive Hashable, BytewiseHashable {}
