extension CNIPlugin {
    /// CHECK: the interface, addresses and routes of `prevResult` are in place, the
    /// addresses are still reserved for this attachment, and the agent enforces it.
    func check() throws(CNIError) {
        guard let previous = try configuration.previousResult() else {
            throw CNIError(.invalidNetworkConfiguration, "prevResult: required for CHECK")
        }
        let attachment = environment.attachment
        guard let netns = environment.netns, FileSystem.exists(netns) else {
            throw CNIError(.unknownContainer, "network namespace \(environment.netns ?? "") does not exist")
        }
        let podIndex = previous.interfaces.firstIndex { $0.name == attachment.ifname && $0.sandbox != nil }
        let expected = previous.ips.filter { $0.interface == nil || $0.interface == podIndex }.map(\.address.address)
        guard !expected.isEmpty else {
            throw CNIError(.invalidNetworkConfiguration, "prevResult: no address for interface \(attachment.ifname)")
        }
        let link = PodLink(attachment: attachment, netns: netns, mtu: configuration.mtu)
        try link.verify(addresses: expected, podMAC: podIndex.flatMap { previous.interfaces[$0].mac })

        let held = try allocator.addresses(of: attachment)
        for address in expected where !held.contains(address) {
            throw CNIError(.addressPool, "the reservation of \(address) for \(attachment) is missing")
        }

        let key = CNIEndpoint.Key(network: configuration.name, attachment: attachment)
        let response: AgentResponse
        do {
            response = try agent.send(AgentRequest(operation: .check, key: key))
        } catch {
            throw CNIError(.tryAgainLater, "sluiced cannot be asked whether it enforces the pod", details: error.description)
        }
        switch response.outcome {
        case .ok: return
        case .notReady: throw CNIError(.tryAgainLater, "sluiced is not ready", details: response.message)
        case .failed: throw CNIError(.agentRefused, "sluiced does not enforce \(key)", details: response.message)
        }
    }
}
