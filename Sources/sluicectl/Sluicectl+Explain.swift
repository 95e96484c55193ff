import Agent
import ArgumentParser

extension Sluicectl {
    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say what the datapath does with a new flow, and which policies and rules decide it.",
            discussion: """
                Computed by the agent from the planned state its maps hold, with the datapath's \
                longest-prefix lookups. A flow meets at most two checks on this node: the source \
                pod's egress and the destination pod's ingress.
                """)

        @Option(help: "Source: NAMESPACE/POD, POD (namespace default) or an IP address.")
        var from: String

        @Option(help: "Destination: NAMESPACE/POD, POD or an IP address.")
        var to: String

        @Option(help: "Destination port and protocol: 80/TCP, 53/UDP (TCP when left out).")
        var port: String

        @Option(help: "ipv4 or ipv6: which of two pods' addresses to use (default: IPv4 when both have one).")
        var family: String?

        @OptionGroup var agent: AgentOptions

        func run() throws {
            var query = ["from": from, "to": to, "port": port]
            if let family { query["family"] = family }
            try agent.show(ExplainDocument.self, path: "/v1/explain", query: query, table: Self.render)
        }

        static func render(_ explain: ExplainDocument) -> String {
            func party(_ party: ExplainDocument.Party) -> String {
                (party.pod.map { "\($0) (\(party.address))" } ?? party.address) + " [identity \(party.identity)]"
            }
            var text = "\(party(explain.from)) -> \(party(explain.to)) \(explain.port)/\(explain.protocol): "
                + "\(explain.verdict.uppercased())\n\n"
            var table = Table("CHECK", "ENDPOINT", "OUTCOME", "ENTRY", "POLICY", "RULES")
            for side in [explain.egress, explain.ingress] {
                let entry = side.entry.map { "\($0.action) identity \($0.identity) \($0.protocol) \($0.ports)" }
                table.add(side.direction, side.endpoint ?? "", side.outcome, entry ?? "", side.policy ?? "",
                          side.rules.joined(separator: ", "))
            }
            text += table.render() + "\n"
            for side in [explain.egress, explain.ingress] {
                text += "\(side.direction): \(side.reason)\n"
            }
            return text
        }
    }
}
