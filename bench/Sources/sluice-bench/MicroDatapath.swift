import Agent
import BPF
import CSluiceBPF
import Glibc
import TestSupport

/// tc_pod.bpf.o loaded with its maps pinned in a directory of its own and filled as
/// the agent would fill them for one server endpoint under N policies: N identities in
/// the ipcache, N policy entries (the client's last), N established flows in conntrack.
final class MicroDatapath {
    /// BPF_PROG_TEST_RUN hands tc programs an skb on loopback: ifindex 1 is the endpoint.
    static let ifindex: UInt32 = 1
    static let endpointID: UInt32 = 1
    static let client = "10.200.0.10"
    static let server = "10.200.0.11"
    static let clientIdentity = UInt32(SLUICE_IDENTITY_FIRST.rawValue)

    let toPod: BPFProgram
    let fromPod: BPFProgram
    private let object: BPFObject
    private let endpoints: BPFMap<sluice_endpoint_key, sluice_endpoint_value>
    private let ipcache: BPFMap<sluice_ipcache_key, sluice_ipcache_value>
    private let policy: BPFMap<sluice_policy_key, sluice_policy_value>
    private let conntrack: BPFMap<sluice_ct_key, sluice_ct_value>
    private let metrics: BPFPerCPUMap<UInt32, sluice_metrics_value>

    private init(path: String, pinDirectory: String) throws {
        object = try BPFObject(path: path, pinDirectory: pinDirectory)
        toPod = try object.program(SLUICE_PROG_TO_POD)
        fromPod = try object.program(SLUICE_PROG_FROM_POD)
        // The agent's own typed handles: the maps are opened exactly as sluiced opens them.
        let maps = try DatapathMaps(object: object)
        endpoints = maps.endpoints
        ipcache = maps.ipcache
        policy = maps.policy
        conntrack = maps.conntrack
        metrics = maps.metrics
    }

    /// Loads a fresh copy, runs `body`, and removes the pins whatever happens.
    static func withLoaded<Result>(objectPath: String, _ body: (MicroDatapath) throws -> Result) throws -> Result {
        let pins = try BPFPinDirectory.make()
        let cleanupID = Cleanup.shared.register { pins.remove() }
        defer {
            pins.remove()
            Cleanup.shared.done(cleanupID)
        }
        return try body(try MicroDatapath(path: objectPath, pinDirectory: pins.path))
    }

    /// The maps at scale N: what a server selected by N policies (one peer each) holds.
    func fill(scale: Int) throws {
        try setEnforced(true)
        try setIdentity(Self.clientIdentity, of: Self.client)
        try allow(identity: Self.clientIdentity, port: ScaleAddressing.servedPort, policyID: 1)
        let now = monotonicNanoseconds()
        for index in 0..<(scale - 1) {
            let identity = Self.clientIdentity + 1 + UInt32(index)
            let peer = ScaleAddressing.unusedPeer(index)
            let port = ScaleAddressing.unusedPeerPort(index)
            try setIdentity(identity, of: peer)
            try allow(identity: identity, port: port, policyID: UInt32(index + 2))
            try conntrack.update(Self.flowKey(from: peer, sport: 40000, dport: port),
                                 sluice_ct_value(created_ns: now, last_seen_ns: now, policy_id: UInt32(index + 2),
                                                 direction: UInt8(SLUICE_DIR_INGRESS.rawValue),
                                                 flags: UInt8(SLUICE_CT_SEEN_REPLY.rawValue), pad: 0))
        }
    }

    /// Turns enforcement on the endpoint on or off (off: new flows are only tracked).
    func setEnforced(_ enforced: Bool) throws {
        let flags = enforced ? SLUICE_EP_ENFORCE_INGRESS.rawValue | SLUICE_EP_ENFORCE_EGRESS.rawValue : 0
        try endpoints.update(sluice_endpoint_key(ifindex: Self.ifindex),
                             sluice_endpoint_value(endpoint_id: Self.endpointID, flags: UInt32(flags),
                                                   ingress_policy_id: 0, egress_policy_id: 0))
    }

    /// Packets counted so far under `reason` in `direction`, over all CPUs.
    func counted(_ direction: sluice_direction, _ reason: sluice_reason) throws -> UInt64 {
        let values = try metrics.lookup(sluice_metrics_index(direction.rawValue, reason.rawValue)) ?? []
        return values.reduce(0) { $0 + $1.packets }
    }

    private func setIdentity(_ identity: UInt32, of address: String) throws {
        var key = sluice_ipcache_key()
        key.prefixlen = UInt32(SLUICE_IPCACHE_PREFIX_BASE) + 32
        key.family = UInt8(SLUICE_FAMILY_IPV4.rawValue)
        let bytes = MicroPacket.address(address)
        withUnsafeMutableBytes(of: &key.addr) { $0.copyBytes(from: bytes) }
        try ipcache.update(key, sluice_ipcache_value(identity: identity, flags: 0))
    }

    private func allow(identity: UInt32, port: UInt16, policyID: UInt32) throws {
        var key = sluice_policy_key()
        key.prefixlen = UInt32(SLUICE_POLICY_PREFIX_FULL)
        key.endpoint_id = Self.endpointID
        key.identity = identity
        key.direction = UInt8(SLUICE_DIR_INGRESS.rawValue)
        key.protocol = 6
        key.dport = port.bigEndian
        try policy.update(key, sluice_policy_value(action: UInt16(SLUICE_ACTION_ALLOW.rawValue), flags: 0,
                                                    policy_id: policyID))
    }

    private static func flowKey(from peer: String, sport: UInt16, dport: UInt16) -> sluice_ct_key {
        var key = sluice_ct_key()
        let source = MicroPacket.address(peer)
        let destination = MicroPacket.address(server)
        withUnsafeMutableBytes(of: &key.saddr) { $0.copyBytes(from: source) }
        withUnsafeMutableBytes(of: &key.daddr) { $0.copyBytes(from: destination) }
        key.sport = sport.bigEndian
        key.dport = dport.bigEndian
        key.endpoint_id = endpointID
        key.protocol = 6
        key.family = UInt8(SLUICE_FAMILY_IPV4.rawValue)
        return key
    }
}
