import Agent
import ArgumentParser

extension Sluicectl {
    struct Teardown: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Detach every Sluice program and remove the pinned maps (stops enforcement).")

        @Option(help: "bpffs directory of the pinned maps.")
        var pinDir = "/sys/fs/bpf/sluice"

        func run() throws {
            let report = try Agent.Teardown.run(pinDirectory: pinDir)
            let interfaces = report.detachedInterfaces.isEmpty ? "none" : report.detachedInterfaces.joined(separator: ", ")
            print("detached from: \(interfaces)")
            print("removed \(report.removedPins) pins under \(pinDir)")
        }
    }
}
