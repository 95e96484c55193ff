import BPF
import CSluiceBPF
import Glibc
import Planner

/// The agent's side of conntrack: deleting expired entries, and after a
/// policy change, cutting the flows the new policy denies (or keeping them
/// when asked) and crediting the rest to the policy that allows them now.
struct ConntrackMaintenance {
    let maps: DatapathMaps
    let settings: ConntrackSettings

    struct Collection: Sendable {
        var scanned = 0
        var removed = 0
        /// Live entries by family ("ipv4"/"ipv6") and protocol name.
        var live: [ConntrackClass: Int] = [:]
    }

    struct ConntrackClass: Hashable, Sendable {
        var family: String
        var protocolName: String
    }

    /// CLOCK_MONOTONIC, the clock of `bpf_ktime_get_ns()`.
    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// Both conntrack maps: TCP, and everything else.
    private var tables: [BPFMap<sluice_ct_key, sluice_ct_value>] { [maps.conntrack, maps.conntrackOther] }

    /// Deletes entries past their timeout (abi.h's `sluice_ct_timeout_ns`).
    func collectGarbage() throws(BPFError) -> Collection {
        var config = settings.datapathConfig
        var result = Collection()
        let now = Self.now()
        for table in tables {
            for (key, value) in try table.entries() {
                result.scanned += 1
                var entry = value
                let timeout = sluice_ct_timeout_ns(&config, &entry, key.protocol)
                // last_seen may be a hair ahead of `now` (another CPU); that is not expiry.
                if now > value.last_seen_ns && now - value.last_seen_ns > timeout {
                    if try table.delete(key) { result.removed += 1 }
                } else {
                    result.live[Self.classify(key), default: 0] += 1
                }
            }
        }
        return result
    }

    struct Revalidation: Sendable {
        var revoked = 0
        var relabeled = 0
    }

    /// Checks every tracked flow against the maps as they are now. A flow of
    /// an endpoint that is gone is deleted; a flow in a direction its endpoint
    /// enforces is deleted when no entry allows it any more (unless
    /// `keepEstablished`), and otherwise credited to the policy allowing it.
    func revalidate(endpointFlags: [UInt32: UInt32]) throws(BPFError) -> Revalidation {
        var result = Revalidation()
        for table in tables {
            for (key, value) in try table.entries() {
                try revalidate(key, value, in: table, endpointFlags: endpointFlags, into: &result)
            }
        }
        return result
    }

    private func revalidate(_ key: sluice_ct_key, _ value: sluice_ct_value, in table: BPFMap<sluice_ct_key, sluice_ct_value>,
                            endpointFlags: [UInt32: UInt32], into result: inout Revalidation) throws(BPFError) {
        guard let flags = endpointFlags[key.endpoint_id] else {
            try table.delete(key)
            return
        }
        let direction = UInt32(value.direction)
        let enforced = direction == SLUICE_DIR_INGRESS.rawValue
            ? flags & SLUICE_EP_ENFORCE_INGRESS.rawValue != 0
            : flags & SLUICE_EP_ENFORCE_EGRESS.rawValue != 0
        guard enforced else { return }
        switch try allowingPolicy(key, direction: value.direction) {
        case nil:
            if settings.keepEstablished || flags & SLUICE_EP_AUDIT.rawValue != 0 { return }
            if try table.delete(key) { result.revoked += 1 }
        case let policyID? where policyID != value.policy_id:
            var updated = value
            updated.policy_id = policyID
            try table.update(key, updated, mode: .replaceOnly)
            result.relabeled += 1
        default:
            return
        }
    }

    /// The policy id the datapath would allow this flow's first packet with, nil if none.
    /// The same two longest-prefix lookups as bpf/lib/policy.h, done on the kernel's maps.
    private func allowingPolicy(_ key: sluice_ct_key, direction: UInt8) throws(BPFError) -> UInt32? {
        let egress = UInt32(direction) == SLUICE_DIR_EGRESS.rawValue
        var ipcacheKey = zeroedABI(sluice_ipcache_key.self)
        ipcacheKey.family = key.family
        let isIPv4 = UInt32(key.family) == SLUICE_FAMILY_IPV4.rawValue
        ipcacheKey.prefixlen = UInt32(SLUICE_IPCACHE_PREFIX_BASE) + (isIPv4 ? 32 : 128)
        ipcacheKey.addr = egress ? key.daddr : key.saddr
        let identity = try maps.ipcache.lookup(ipcacheKey)?.identity ?? UInt32(SLUICE_IDENTITY_WORLD.rawValue)

        var policyKey = zeroedABI(sluice_policy_key.self)
        policyKey.prefixlen = UInt32(SLUICE_POLICY_PREFIX_FULL)
        policyKey.endpoint_id = key.endpoint_id
        policyKey.identity = identity
        policyKey.direction = direction
        policyKey.protocol = key.protocol
        policyKey.dport = Self.hasPorts(key.protocol) ? key.dport : 0
        guard let value = try maps.policy.lookup(policyKey),
              UInt32(value.action) == SLUICE_ACTION_ALLOW.rawValue else { return nil }
        return value.policy_id
    }

    /// TCP, UDP, UDP-Lite and SCTP; other protocols match policy without a port.
    static func hasPorts(_ protocolNumber: UInt8) -> Bool {
        [6, 17, 136, 132].contains(protocolNumber)
    }

    static func classify(_ key: sluice_ct_key) -> ConntrackClass {
        let family = UInt32(key.family) == SLUICE_FAMILY_IPV4.rawValue ? "ipv4" : "ipv6"
        let name = switch key.protocol {
        case 6: "tcp"
        case 17: "udp"
        case 132: "sctp"
        case 1, 58: "icmp"
        default: "other"
        }
        return ConntrackClass(family: family, protocolName: name)
    }
}
