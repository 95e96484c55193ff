import CSluiceBPF

/// The cast of the program tests: one local pod (the endpoint), a peer whose
/// addresses the ipcache knows, and a stranger it does not. Only bytes in
/// crafted packets: nothing is sent anywhere.
enum TestNetwork {
    static let pod4 = IPAddress("10.0.0.2")
    static let peer4 = IPAddress("10.0.1.5")
    static let stranger4 = IPAddress("10.9.9.9")
    static let pod6 = IPAddress("fd00::2")
    static let peer6 = IPAddress("fd00:1::5")
    static let stranger6 = IPAddress("fd00:9::9")

    static let endpointID: UInt32 = 7
    static let otherEndpointID: UInt32 = 8
    static let peerIdentity: UInt32 = 300
    static let world = UInt32(SLUICE_IDENTITY_WORLD.rawValue)

    static let enforceIngress = SLUICE_EP_ENFORCE_INGRESS.rawValue
    static let enforceEgress = SLUICE_EP_ENFORCE_EGRESS.rawValue
    static let enforceBoth = enforceIngress | enforceEgress
    static let audit = SLUICE_EP_AUDIT.rawValue

    static let ephemeralPort: UInt16 = 40000

    /// The endpoint with `flags` (its drops counted against the two policy ids),
    /// the peer's /32 and /128 in the ipcache, and `rules`.
    static func setup(flags: UInt32 = enforceBoth, rules: [PolicyRule] = [],
                      ingressPolicyID: UInt32 = 0, egressPolicyID: UInt32 = 0) -> DatapathSetup {
        DatapathSetup(
            endpoints: [.init(id: endpointID, flags: flags, ingressPolicyID: ingressPolicyID,
                              egressPolicyID: egressPolicyID)],
            identities: [.init(address: peer4, identity: peerIdentity), .init(address: peer6, identity: peerIdentity)],
            rules: rules
        )
    }

    /// A rule of the test endpoint.
    static func rule(_ direction: sluice_direction, from identity: UInt32 = peerIdentity, _ ipProtocol: UInt8? = nil,
                     port: UInt16? = nil, prefixBits: UInt32 = 16, action: sluice_policy_action = SLUICE_ACTION_ALLOW,
                     endpointID: UInt32 = endpointID, policyID: UInt32 = 11) -> PolicyRule {
        PolicyRule(endpointID: endpointID, identity: identity, direction: direction, ipProtocol: ipProtocol, port: port,
                   portPrefixBits: prefixBits, action: UInt16(action.rawValue), policyID: policyID)
    }

    /// A packet the pod sends to `remote`.
    static func outbound(to remote: IPAddress = peer4, _ transport: TestPacket.Transport) -> TestPacket {
        TestPacket(from: remote.isIPv4 ? pod4 : pod6, to: remote, transport)
    }

    /// A packet `remote` sends to the pod.
    static func inbound(from remote: IPAddress = peer4, _ transport: TestPacket.Transport) -> TestPacket {
        TestPacket(from: remote, to: remote.isIPv4 ? pod4 : pod6, transport)
    }
}
