import Agent
import BPF
import CSluiceBPF
import Glibc
import TestSupport

/// tc_pod.bpf.o loaded with its maps pinned in a directory of its own, so
/// every test starts from empty maps and tests can run side by side.
final class LoadedDatapath {
    /// BPF_PROG_TEST_RUN hands tc programs an skb on the loopback device,
    /// so skb->ifindex is 1 there; endpoints of program tests live under it.
    static let testRunIfindex: UInt32 = 1

    let object: BPFObject
    let endpoints: BPFMap<sluice_endpoint_key, sluice_endpoint_value>
    let endpointAddresses: BPFMap<sluice_endpoint_address_key, UInt8>
    let ipcache: BPFMap<sluice_ipcache_key, sluice_ipcache_value>
    let policy: BPFMap<sluice_policy_key, sluice_policy_value>
    let conntrack: BPFMap<sluice_ct_key, sluice_ct_value>
    let conntrackOther: BPFMap<sluice_ct_key, sluice_ct_value>
    let metrics: BPFPerCPUMap<UInt32, sluice_metrics_value>
    let config: BPFMap<UInt32, sluice_config>
    let policyStats: BPFPerCPUMap<sluice_policy_stats_key, sluice_policy_stats_value>
    private let programs: [String: BPFProgram]

    /// $SLUICE_BPF_DIR (set by the Makefile), else bpf/build under the package root.
    static var objectPath: String { TestPaths.bpfObjectDirectory + "/tc_pod.bpf.o" }

    private init(pinDirectory: String) throws {
        let path = Self.objectPath
        guard access(path, R_OK) == 0 else { throw DatapathTestError.missingObject(path: path) }
        object = try BPFObject(path: path, pinDirectory: pinDirectory)
        // The agent's own typed handles, so the tests open the maps exactly as it does.
        let maps = try DatapathMaps(object: object)
        endpoints = maps.endpoints
        endpointAddresses = maps.endpointAddresses
        ipcache = maps.ipcache
        policy = maps.policy
        conntrack = maps.conntrack
        conntrackOther = maps.conntrackOther
        metrics = maps.metrics
        config = maps.config
        policyStats = maps.policyStats
        programs = [
            SLUICE_PROG_FROM_POD: try object.program(SLUICE_PROG_FROM_POD),
            SLUICE_PROG_TO_POD: try object.program(SLUICE_PROG_TO_POD),
        ]
    }

    /// Loads the object, runs `body`, and removes the pins whatever happens.
    static func withLoaded<Result>(_ body: (LoadedDatapath) throws -> Result) throws -> Result {
        let pins = try BPFPinDirectory.make()
        defer { pins.remove() }
        let datapath = try LoadedDatapath(pinDirectory: pins.path)
        return try body(datapath)
    }

    // MARK: Map setup

    func register(endpointID: UInt32, flags: UInt32, ifindex: UInt32 = testRunIfindex,
                  ingressPolicyID: UInt32 = 0, egressPolicyID: UInt32 = 0) throws {
        try endpoints.update(sluice_endpoint_key(ifindex: ifindex),
                             sluice_endpoint_value(endpoint_id: endpointID, flags: flags,
                                                   ingress_policy_id: ingressPolicyID, egress_policy_id: egressPolicyID))
    }

    func setIdentity(_ identity: UInt32, of address: IPAddress, prefixLength: UInt32? = nil) throws {
        var key = sluice_ipcache_key()
        key.prefixlen = UInt32(SLUICE_IPCACHE_PREFIX_BASE) + (prefixLength ?? UInt32(address.bytes.count * 8))
        key.family = address.family
        withUnsafeMutableBytes(of: &key.addr) { $0.copyBytes(from: address.abiBytes) }
        try ipcache.update(key, sluice_ipcache_value(identity: identity, flags: 0))
    }

    func add(_ rule: PolicyRule) throws {
        try policy.update(rule.key, rule.value)
    }

    func apply(_ setup: DatapathSetup) throws {
        for endpoint in setup.endpoints {
            try register(endpointID: endpoint.id, flags: endpoint.flags, ifindex: endpoint.ifindex,
                         ingressPolicyID: endpoint.ingressPolicyID, egressPolicyID: endpoint.egressPolicyID)
        }
        for entry in setup.identities {
            try setIdentity(entry.identity, of: entry.address, prefixLength: entry.prefixLength)
        }
        for rule in setup.rules { try add(rule) }
    }

    // MARK: Running packets

    struct Outcome: Sendable {
        var retval: UInt32
        var counted: [MetricsCount]
        var output: [UInt8]
    }

    func program(_ hook: Hook) throws -> BPFProgram {
        guard let program = programs[hook.programName] else {
            throw BPFError(kind: .notFound, call: "program", subject: hook.programName, errno: ENOENT)
        }
        return program
    }

    /// Runs `frame` through a program once, with the counters it moved.
    func run(_ hook: Hook, _ frame: [UInt8]) throws -> Outcome {
        let program = try program(hook)
        let before = try metricsSnapshot()
        let result = try program.testRun(frame)
        let after = try metricsSnapshot()
        return Outcome(retval: result.retval, counted: after.changes(since: before), output: result.output)
    }

    func run(_ hook: Hook, _ packet: TestPacket) throws -> Outcome {
        try run(hook, packet.bytes)
    }

    func metricsSnapshot() throws -> MetricsSnapshot {
        var slots: [UInt32: sluice_metrics_value] = [:]
        for index in 0..<UInt32(SLUICE_DIR_MAX.rawValue * SLUICE_REASON_MAX.rawValue) {
            guard let perCPU = try metrics.lookup(index) else { continue }
            let total = perCPU.reduce(into: sluice_metrics_value()) { sum, value in
                sum.packets += value.packets
                sum.bytes += value.bytes
            }
            if total.packets != 0 || total.bytes != 0 { slots[index] = total }
        }
        return MetricsSnapshot(slots: slots)
    }

    /// The counters sluice_pst_v1 holds for one policy verdict, summed over CPUs; nil if never counted.
    func policyStats(policyID: UInt32, _ direction: sluice_direction,
                     _ action: sluice_verdict_action) throws -> sluice_policy_stats_value? {
        var key = sluice_policy_stats_key()
        key.policy_id = policyID
        key.direction = UInt8(direction.rawValue)
        key.action = UInt8(action.rawValue)
        return try policyStats.sum(key) {
            sluice_policy_stats_value(flows: $0.flows + $1.flows, packets: $0.packets + $1.packets,
                                      bytes: $0.bytes + $1.bytes)
        }
    }

    // MARK: Conntrack

    /// The entry `endpointID` keeps for `packet`'s tuple as seen, if any.
    func conntrackEntry(for packet: TestPacket, endpointID: UInt32) throws -> sluice_ct_value? {
        let key = Self.conntrackKey(for: packet, endpointID: endpointID)
        return try (key.protocol == 6 ? conntrack : conntrackOther).lookup(key)
    }

    func hasConntrackEntry(for packet: TestPacket, endpointID: UInt32) throws -> Bool {
        try conntrackEntry(for: packet, endpointID: endpointID) != nil
    }

    static func conntrackKey(for packet: TestPacket, endpointID: UInt32) -> sluice_ct_key {
        var key = sluice_ct_key()
        withUnsafeMutableBytes(of: &key.saddr) { $0.copyBytes(from: packet.source.abiBytes) }
        withUnsafeMutableBytes(of: &key.daddr) { $0.copyBytes(from: packet.destination.abiBytes) }
        let (sport, dport) = packet.conntrackPorts
        key.sport = sport.bigEndian
        key.dport = dport.bigEndian
        key.endpoint_id = endpointID
        key.protocol = packet.ipProtocol
        key.family = packet.source.family
        return key
    }
}

extension TestPacket {
    /// The ports conntrack keys on: ICMP echo's identifier is a request's sport and a reply's dport.
    var conntrackPorts: (UInt16, UInt16) {
        switch transport {
        case let .tcp(sport, dport, _), let .udp(sport, dport), let .sctp(sport, dport): (sport, dport)
        case let .echo(id, reply): reply ? (0, id) : (id, 0)
        case .raw: (0, 0)
        }
    }
}
