import Agent
import ArgumentParser

extension Sluicectl {
    struct Endpoints: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the local pods the datapath enforces on.")

        @OptionGroup var agent: AgentOptions

        func run() throws {
            try agent.show(EndpointsDocument.self, path: "/v1/endpoints", table: Self.render)
        }

        static func render(_ document: EndpointsDocument) -> String {
            var table = Table("POD", "ID", "INTERFACE", "ADDRESSES", "ENFORCED", "AUDIT", "ENTRIES IN/OUT")
            for endpoint in document.endpoints {
                table.add(endpoint.pod, String(endpoint.id), endpoint.interface ?? "(not found)",
                          endpoint.addresses.joined(separator: ","), endpoint.enforced.joined(separator: ","),
                          endpoint.audit ? "yes" : "no", "\(endpoint.ingressEntries)/\(endpoint.egressEntries)")
            }
            return table.render()
        }
    }
}
