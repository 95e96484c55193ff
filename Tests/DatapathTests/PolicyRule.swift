import CSluiceBPF

/// One entry of the policy trie, written the way the planner thinks of it.
struct PolicyRule: Sendable {
    var endpointID: UInt32
    var identity: UInt32
    var direction: sluice_direction
    /// nil: every protocol (and port).
    var ipProtocol: UInt8?
    /// nil: every port of `ipProtocol`.
    var port: UInt16?
    /// How many leading bits of `port` must match (16 = exactly this port).
    var portPrefixBits: UInt32 = 16
    var action: UInt16 = UInt16(SLUICE_ACTION_ALLOW.rawValue)
    var policyID: UInt32 = 1

    var key: sluice_policy_key {
        var key = sluice_policy_key()
        key.endpoint_id = endpointID
        key.identity = identity
        key.direction = UInt8(direction.rawValue)
        if let ipProtocol {
            key.protocol = ipProtocol
            if let port {
                key.prefixlen = UInt32(SLUICE_POLICY_PREFIX_ALL_PORTS) + portPrefixBits
                key.dport = port.bigEndian
            } else {
                key.prefixlen = UInt32(SLUICE_POLICY_PREFIX_ALL_PORTS)
            }
        } else {
            key.prefixlen = UInt32(SLUICE_POLICY_PREFIX_ALL_PROTOCOLS)
        }
        return key
    }

    var value: sluice_policy_value {
        sluice_policy_value(action: action, flags: 0, policy_id: policyID)
    }
}
