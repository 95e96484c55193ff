extension CNIPlugin {
    /// STATUS: ADD can be served when the agent answers that it is ready and every range
    /// set has an address left; otherwise "plugin not available" (50).
    func status() throws(CNIError) {
        let quick = AgentClient(socketPath: configuration.agentSocket, timeout: min(configuration.agentTimeout, .seconds(5)))
        let response: AgentResponse
        do {
            response = try quick.send(AgentRequest(operation: .status))
        } catch {
            throw CNIError(.pluginNotAvailable, "sluiced is not reachable", details: error.description)
        }
        guard response.outcome == .ok else {
            throw CNIError(.pluginNotAvailable, "sluiced is not ready", details: response.message)
        }
        let exhausted = try allocator.exhaustedRangeSets()
        guard exhausted.isEmpty else {
            let ranges = exhausted.flatMap { configuration.ipam.rangeSets[$0].ranges.map(\.description) }
            throw CNIError(.pluginNotAvailable, "no address left in \(ranges.joined(separator: ", "))")
        }
    }
}
