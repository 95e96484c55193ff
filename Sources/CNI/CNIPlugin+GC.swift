extension CNIPlugin {
    /// GC: every attachment of this network that the runtime no longer lists loses its
    /// registration with the agent, its veth and its addresses. With the agent down, the
    /// registrations it saved are read from its state directory and their DELs queued. As
    /// the spec asks, a failing step does not stop the others: GC removes all it can and
    /// then reports the first failure.
    func collectGarbage() throws(CNIError) {
        guard let validList = configuration.validAttachments else {
            throw CNIError(.invalidNetworkConfiguration, "cni.dev/valid-attachments: required for GC")
        }
        let valid = Set(validList)
        var failures = CNIFailures()
        var stale: Set<CNIAttachment> = []
        failures.run { () throws(CNIError) in stale = Set(try allocator.store.reservations().map(\.owner)).subtracting(valid) }

        let request = AgentRequest(operation: .gc, network: configuration.name, validAttachments: validList.sorted())
        let answer: Result<AgentResponse, AgentClient.Failure>
        do {
            answer = .success(try agent.send(request))
        } catch {
            answer = .failure(error)
        }
        switch answer {
        case .success(let response):
            if response.outcome == .ok {
                stale.formUnion((response.removed ?? []).map(\.key.attachment))
            } else {
                failures.record(CNIError(.tryAgainLater, "sluiced could not collect endpoints", details: response.message))
            }
        case .failure(let failure):
            failures.run { () throws(CNIError) in
                stale.formUnion(try queueStaleRegistrations(valid: valid, reason: failure.description))
            }
        }

        for attachment in stale.sorted() {
            failures.run { () throws(CNIError) in
                let hostName = HostInterfaceName.make(for: attachment)
                if try PodLink.remove(hostName: hostName) { log("deleted \(hostName) of \(attachment)") }
            }
        }
        failures.run { () throws(CNIError) in
            let released = try allocator.releaseAll(except: valid)
            for (address, owner) in released { log("released \(address) of \(owner)") }
        }
        try failures.finish()
    }

    /// The agent's saved registrations of this network that are not valid, each with a
    /// DEL queued for the agent's next start.
    private func queueStaleRegistrations(valid: Set<CNIAttachment>, reason: String) throws(CNIError) -> [CNIAttachment] {
        let saved: [CNIEndpoint]
        do {
            saved = try stateDirectory.endpoints().endpoints
        } catch {
            throw CNIError(.ioFailure, "sluiced is down (\(reason)) and its registrations cannot be read", details: error.description)
        }
        var stale: [CNIAttachment] = []
        for endpoint in saved where endpoint.key.network == configuration.name && !valid.contains(endpoint.key.attachment) {
            do {
                try stateDirectory.queueDelete(endpoint.key)
            } catch {
                throw CNIError(.ioFailure, "cannot queue the DEL of \(endpoint.key)", details: error.description)
            }
            log("queued the DEL of \(endpoint.key) for sluiced (\(reason))")
            stale.append(endpoint.key.attachment)
        }
        return stale
    }
}
