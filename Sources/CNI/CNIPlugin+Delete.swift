extension CNIPlugin {
    /// DEL: the agent forgets the endpoint (or, when it is down, finds the DEL queued at
    /// its next start), the veth goes, the addresses are released. Whatever is already
    /// gone — netns, link, reservation, registration — is skipped, so DEL can be repeated
    /// and cleans up after an ADD that was killed at any point. A step that fails does not
    /// stop the others (the spec asks DEL to release all it can); the first failure is
    /// reported, and the runtime's retry finishes the job.
    func delete() throws(CNIError) {
        let attachment = environment.attachment
        var failures = CNIFailures()
        failures.run { () throws(CNIError) in
            try unregister(CNIEndpoint.Key(network: configuration.name, attachment: attachment))
        }
        failures.run { () throws(CNIError) in
            let hostName = HostInterfaceName.make(for: attachment)
            if try PodLink.remove(hostName: hostName) { log("deleted \(hostName)") }
        }
        failures.run { () throws(CNIError) in
            let released = try allocator.release(attachment)
            if !released.isEmpty { log("released \(released.map(\.description).joined(separator: ", "))") }
        }
        try failures.finish()
    }

    /// Tells the agent to forget `key`; when it does not answer, queues the removal in its
    /// state directory for it to replay.
    func unregister(_ key: CNIEndpoint.Key) throws(CNIError) {
        let reason: String
        do {
            let response = try agent.send(AgentRequest(operation: .del, key: key))
            if response.outcome == .ok { return }
            reason = response.message ?? response.outcome.rawValue
        } catch {
            reason = error.description
        }
        do {
            try stateDirectory.queueDelete(key)
        } catch {
            throw CNIError(.ioFailure, "sluiced did not take the DEL and it cannot be queued",
                           details: "\(reason); \(error)")
        }
        log("queued the DEL for sluiced (\(reason))")
    }
}
