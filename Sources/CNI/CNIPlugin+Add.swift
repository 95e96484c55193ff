import Model

extension CNIPlugin {
    /// ADD: addresses, the veth, then the agent's confirmation that the pod's programs
    /// are attached, so its first packet is already under policy. Any failure undoes
    /// every step taken, in reverse, and releases the addresses.
    func add() throws(CNIError) -> CNIResult {
        let attachment = environment.attachment
        let key = CNIEndpoint.Key(network: configuration.name, attachment: attachment)
        guard let netns = environment.netns, FileSystem.exists(netns) else {
            throw CNIError(.unknownContainer, "network namespace \(environment.netns ?? "") does not exist")
        }
        let link = PodLink(attachment: attachment, netns: netns, mtu: configuration.mtu)
        try link.ensureNamesAreFree()
        var requested = configuration.requestedAddresses
        for address in environment.args.requestedAddresses where !requested.contains(address) {
            requested.append(address)
        }
        let allocations = try allocator.allocate(for: attachment, requested: requested)
        let addresses = allocations.map(\.address)
        log("reserved \(addresses.map(\.description).joined(separator: ", "))")

        var askedAgent = false
        do {
            let links = try link.create(addresses: addresses)
            log("created \(link.hostName) <-> \(attachment.ifname) in \(netns)")
            let endpoint = CNIEndpoint(
                key: key, netns: netns,
                podNamespace: environment.args.podNamespace ?? "default",
                podName: environment.args.podName ?? attachment.containerID,
                hostInterface: link.hostName, addresses: addresses.map(\.description))
            askedAgent = true
            try register(endpoint)
            log("agent enforces \(endpoint.podNamespace)/\(endpoint.podName) on \(link.hostName)")
            return result(links: links, netns: netns, addresses: addresses)
        } catch {
            log("undoing ADD: \(error)")
            if askedAgent { try? unregister(key) }
            do {
                try PodLink.remove(hostName: link.hostName)
            } catch let undoError {
                log("undo: \(undoError)")
            }
            do {
                try allocator.release(attachment)
            } catch let undoError {
                log("undo: \(undoError)")
            }
            throw error
        }
    }

    private func register(_ endpoint: CNIEndpoint) throws(CNIError) {
        let response: AgentResponse
        do {
            response = try agent.send(AgentRequest(operation: .add, endpoint: endpoint))
        } catch {
            switch error {
            case .unreachable(let reason):
                throw CNIError(.tryAgainLater, "sluiced is not running; the pod cannot be put under policy", details: reason)
            case .noAnswer(let reason):
                throw CNIError(.tryAgainLater, "sluiced did not confirm that it enforces the pod", details: reason)
            }
        }
        switch response.outcome {
        case .ok: return
        case .notReady: throw CNIError(.tryAgainLater, "sluiced is not ready", details: response.message)
        case .failed: throw CNIError(.agentRefused, "sluiced cannot enforce the pod", details: response.message)
        }
    }

    private func result(links: (host: IPRoute.Link, pod: IPRoute.Link), netns: String, addresses: [IPAddress]) -> CNIResult {
        let families = Set(addresses.map(\.family)).sorted()
        return CNIResult(
            interfaces: [
                CNIResult.Interface(name: links.host.name, mac: links.host.mac, mtu: links.host.mtu),
                CNIResult.Interface(name: links.pod.name, mac: links.pod.mac, mtu: links.pod.mtu, sandbox: netns),
            ],
            ips: addresses.map {
                CNIResult.IPConfig(address: InterfaceAddress(host: $0), gateway: PodLink.gateway(for: $0.family), interface: 1)
            },
            routes: families.map { family in
                let any = IPAddress(family: family, integer: 0)
                return CNIResult.Route(destination: CIDR(host: any).zeroLength, gateway: PodLink.gateway(for: family))
            },
            dns: configuration.dns)
    }
}

extension CIDR {
    /// `0.0.0.0/0` or `::/0`: the default route of this prefix's family.
    var zeroLength: CIDR {
        CIDR(address: address, prefixLength: 0) ?? self
    }
}
