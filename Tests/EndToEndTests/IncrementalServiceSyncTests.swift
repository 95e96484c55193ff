import Foundation
import Glibc
import Testing
import TestSupport

/// Between read-backs the agent writes only the service entries its plans say may have
/// changed; a read-back compares every entry with the kernel and repairs what differs. After a
/// run of edits of every kind, the read-backs must find nothing to repair.
@Suite(.enabled(if: getuid() == 0, "runs sluiced on network namespaces: needs root"), .serialized)
struct IncrementalServiceSyncTests {
    /// Health checks off: probe results would change the maps on their own.
    static func service(_ name: String, ip: String, app: String) -> String {
        """
        apiVersion: v1
        kind: Service
        metadata: {name: \(name), annotations: {sluice.dev/health-check: none}}
        spec:
          clusterIP: \(ip)
          selector: {app: \(app)}
          ports: [{name: http, port: 80, targetPort: 8080}]

        """
    }

    static func selectorless(ip: String, endpoints: [String], port: Int) -> String {
        """
        apiVersion: v1
        kind: Service
        metadata: {name: ext, annotations: {sluice.dev/health-check: none}}
        spec:
          clusterIP: \(ip)
          ports: [{name: http, port: 80}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: ext-1, labels: {kubernetes.io/service-name: ext}}
        addressType: IPv4
        endpoints: [\(endpoints.map { "{addresses: [\($0)]}" }.joined(separator: ", "))]
        ports: [{name: http, protocol: TCP, port: \(port)}]

        """
    }

    static func count(_ text: String, in log: String) -> Int {
        log.components(separatedBy: text).count - 1
    }

    @Test func readBacksAfterServiceEditsFindNothingToRepair() throws {
        let topology = try makeTopology(podNames: ["b0", "b1", "b2"])
        defer { topology.teardown() }
        let pods = { (apps: [String]) in
            zip(topology.pods, apps).map { ServiceManifests.pod($0, labels: ["app": $1], node: topology.id) }.joined()
        }
        let agent = try RunningAgent(
            topology: topology,
            files: ["pods.yaml": pods(["web", "web", "api"]), "web.yaml": Self.service("web", ip: "10.96.5.1", app: "web")],
            arguments: ["--resync-interval", "1", "--terminating-grace-period", "600"])
        defer { agent.teardown() }

        // Each edit is applied before the next: a new service entry is written when it is.
        let edits: [(file: String, contents: String?)] = [
            ("ext.yaml", Self.selectorless(ip: "10.96.5.2", endpoints: ["10.202.0.1", "10.202.0.2"], port: 8080)),
            // One endpoint leaves (it drains), the port of the rest changes.
            ("ext.yaml", Self.selectorless(ip: "10.96.5.2", endpoints: ["10.202.0.2", "10.202.0.3"], port: 8081)),
            ("api.yaml", Self.service("api", ip: "10.96.5.3", app: "api")),
            // b1 moves from web to api.
            ("pods.yaml", pods(["web", "api", "api"])),
            // A second claimant of web's address and port: warned, not balanced.
            ("shadow.yaml", Self.service("zz-shadow", ip: "10.96.5.1", app: "api")),
            ("web.yaml", nil),
            ("api.yaml", Self.service("api", ip: "10.96.5.4", app: "web")),
        ]
        for (file, contents) in edits {
            let before = Self.count("service maps synced", in: agent.log)
            if let contents { try agent.write(file, contents) } else { try agent.remove(file) }
            #expect(try eventually { Self.count("service maps synced", in: agent.log) > before }, "\(file) applied")
        }
        let written = Self.count("service maps synced", in: agent.log)
        let runs = Self.count("reconciled", in: agent.log)
        #expect(try eventually(timeout: .seconds(6)) { Self.count("reconciled", in: agent.log) >= runs + 3 },
                "read-backs ran")
        #expect(Self.count("service maps synced", in: agent.log) == written,
                "a read-back repaired what the incremental syncs left:\n\(agent.log.suffix(3000))")
    }
}
