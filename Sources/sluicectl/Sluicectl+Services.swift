import Agent
import ArgumentParser

extension Sluicectl {
    struct Services: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the services the socket load balancer serves, with their backends.")

        @OptionGroup var agent: AgentOptions

        func run() throws {
            try agent.show(ServicesDocument.self, path: "/v1/services", table: Self.render)
        }

        static func render(_ document: ServicesDocument) -> String {
            var table = Table("SERVICE", "PORT", "FRONTEND", "BACKENDS")
            for service in document.services {
                let backends = service.backends.map { "\($0.address) \($0.state) w\($0.weight)" }.joined(separator: ", ")
                table.add(service.service, "\(service.port)/\(service.protocol)", service.frontend,
                          backends.isEmpty ? "(none)" : backends)
            }
            return table.render()
        }
    }
}
