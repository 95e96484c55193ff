import Agent
import ArgumentParser
import Foundation

extension Sluicectl {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show readiness, the state of every manifest file, counts, map usage and attached interfaces.")

        @OptionGroup var agent: AgentOptions

        func run() throws {
            try agent.show(StatusDocument.self, path: "/v1/status", table: Self.render)
        }

        static func render(_ status: StatusDocument) -> String {
            var text = "sluiced \(status.version) (ABI \(status.abiVersion)), \(status.ready ? "ready" : "not ready")\n"
            text += "last sync: \(status.lastSync.map { ISO8601DateFormatter().string(from: $0) } ?? "never")"
            text += status.lastSyncError.map { ", error: \($0)" } ?? ""
            text += status.policyDirectoryError.map { "\npolicy directory refused (its edits are ignored): \($0)" } ?? ""
            text += "\n\n"

            var files = Table("FILE", "STATE", "GENERATION", "MESSAGE")
            for file in status.files { files.add(file.name, file.state, String(file.generation), file.message ?? "") }
            text += files.render() + "\n"

            let counts = status.counts
            text += "pods \(counts.pods), endpoints \(counts.endpoints), identities \(counts.identities), "
                + "policies \(counts.policies), policy entries \(counts.policyEntries), "
                + "ipcache entries \(counts.ipcacheEntries), services \(counts.services)\n\n"

            var maps = Table("MAP", "ENTRIES", "MAX", "USED")
            for map in status.maps {
                let used = map.entries.flatMap { entries in
                    map.maxEntries.map { $0 > 0 ? String(format: "%.1f%%", 100 * Double(entries) / Double($0)) : "" }
                }
                maps.add(map.name, map.entries.map(String.init) ?? "", map.maxEntries.map(String.init) ?? "", used ?? "")
            }
            text += maps.render() + "\n"

            var interfaces = Table("POD", "INTERFACE")
            for attached in status.interfaces { interfaces.add(attached.pod, attached.interface) }
            return text + interfaces.render()
        }
    }
}
