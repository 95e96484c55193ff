import Glibc
import TestSupport

/// What the Sluice subjects share: one sluiced started in `prepare()`, the N objects
/// written into its policy directory as the load, its log as the diagnostics.
protocol SluiceAgentSession: SubjectSession {
    var agent: SluiceAgent? { get set }
    /// The full load, rendered in `prepare()`.
    var files: [(name: String, contents: String)] { get }
}

extension SluiceAgentSession {
    var agentPID: pid_t? { agent?.pid }

    func load() throws -> CommandCost? {
        try loadedAgent().write(files)
        return nil
    }

    func restart() throws -> RestartCost? {
        try loadedAgent().restart()
    }

    var diagnostics: String {
        agent.map { "sluiced log (end):\n" + String($0.log.suffix(3000)) } ?? ""
    }

    func tearDown() {
        agent?.tearDown()
        agent = nil
    }

    func loadedAgent() throws -> SluiceAgent {
        guard let agent else { throw BenchError.setup("sluiced was not started") }
        return agent
    }
}
