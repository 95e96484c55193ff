import Agent
import ArgumentParser

/// Operator commands for a Sluice node.
@main
struct Sluicectl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluicectl",
        abstract: "Inspect and manage the Sluice datapath on this node.",
        version: SluiceVersion.current,
        subcommands: [Status.self, Endpoints.self, Services.self, Policies.self, Explain.self, Observe.self, Validate.self, Teardown.self])
}
