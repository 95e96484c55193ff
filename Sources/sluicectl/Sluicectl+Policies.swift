import Agent
import ArgumentParser

extension Sluicectl {
    struct Policies: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the NetworkPolicies in force and the local pods they select.")

        @OptionGroup var agent: AgentOptions

        func run() throws {
            try agent.show(PoliciesDocument.self, path: "/v1/policies", table: Self.render)
        }

        static func render(_ document: PoliciesDocument) -> String {
            var table = Table("POLICY", "ID", "ISOLATES", "RULES IN/OUT", "ENTRIES", "SELECTED LOCAL PODS")
            for policy in document.policies {
                table.add("\(policy.namespace)/\(policy.name)", String(policy.id), policy.isolates.joined(separator: ","),
                          "\(policy.ingressRules)/\(policy.egressRules)", String(policy.entries),
                          policy.selectedPods.joined(separator: ","))
            }
            return table.render()
        }
    }
}
