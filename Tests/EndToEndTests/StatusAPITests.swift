import Foundation
import Glibc
import Testing
import TestSupport

/// The read-only status API and `sluicectl` against the real agent: what
/// they report matches the files, and `explain` matches real traffic.
@Suite(.enabled(if: getuid() == 0, "runs sluiced on network namespaces: needs root"), .serialized)
struct StatusAPITests {
    /// The fields of the `/v1` documents these tests read, decoded as a client would.
    struct Status: Decodable {
        struct File: Decodable { var name: String; var state: String; var message: String?; var generation: Int }
        struct Counts: Decodable { var pods: Int; var endpoints: Int; var policies: Int; var policyEntries: Int }
        struct MapUsage: Decodable { var name: String; var entries: Int?; var maxEntries: Int? }
        struct Interface: Decodable { var pod: String; var interface: String }
        var ready: Bool
        var files: [File]
        var counts: Counts
        var maps: [MapUsage]
        var interfaces: [Interface]
    }

    struct Explain: Decodable {
        struct Side: Decodable { var outcome: String; var policy: String?; var endpoint: String? }
        var verdict: String
        var egress: Side
        var ingress: Side
    }

    private static let sluicectl = Result { try TestPaths.binary("sluicectl") }

    private func decode<Document: Decodable>(_ type: Document.Type, _ text: String) throws -> Document {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    private func sluicectl(_ topology: Topology, _ arguments: [String]) throws -> ProcessResult {
        try topology.node.run([try Self.sluicectl.get()] + arguments)
    }

    private func podsFile(_ topology: Topology) -> String {
        topology.pods.map { Manifests.pod($0, labels: ["app": $0.name], node: topology.id) }.joined()
    }

    @Test func statusReportsEveryFileAndABadOneWithFileAndLine() throws {
        let topology = try makeTopology(podNames: ["frontend", "backend", "other"])
        defer { topology.teardown() }
        let agent = try RunningAgent(topology: topology, files: [
            "pods.yaml": podsFile(topology),
            "policy.yaml": Manifests.allowOnly(from: "frontend", to: "backend", port: 80),
        ])
        defer { agent.teardown() }
        try agent.write("bad.yaml", Manifests.allowOnly(from: "frontend", to: "backend", port: 70000, name: "bad"))

        var status = try decode(Status.self, try agent.get("/v1/status").body)
        #expect(try eventually {
            status = try decode(Status.self, try agent.get("/v1/status").body)
            return status.files.count == 3
        })
        #expect(status.ready)
        #expect(status.files.map(\.name) == ["bad.yaml", "pods.yaml", "policy.yaml"])
        let bad = try #require(status.files.first)
        #expect(bad.state == "error")
        #expect(bad.generation == 0)
        #expect(bad.message?.hasPrefix("\(agent.policyDirectory)/bad.yaml:8: spec.ingress[0].ports[0].port: ") == true,
                "\(bad)")
        #expect(status.files.dropFirst().allSatisfy { $0.state == "applied" && $0.generation == 1 && $0.message == nil })
        #expect(status.counts.pods == 3)
        #expect(status.counts.endpoints == 3)
        #expect(status.counts.policies == 1)
        let policyMap = try #require(status.maps.first { $0.name == "sluice_pol_v1" })
        #expect(policyMap.entries == status.counts.policyEntries)
        #expect((policyMap.maxEntries ?? 0) > 0)
        #expect(status.maps.first { $0.name == "sluice_ct_v1" }?.maxEntries != nil)
        let attached = Dictionary(uniqueKeysWithValues: status.interfaces.map { ($0.pod, $0.interface) })
        #expect(attached == Dictionary(uniqueKeysWithValues: topology.pods.map { ("default/\($0.name)", $0.hostInterface) }))
    }

    @Test func sluicectlPrintsTablesAndTheAPIsJSON() throws {
        let topology = try makeTopology(podNames: ["frontend", "backend"])
        defer { topology.teardown() }
        let agent = try RunningAgent(topology: topology, files: [
            "pods.yaml": podsFile(topology),
            "policy.yaml": Manifests.allowOnly(from: "frontend", to: "backend", port: 80),
        ])
        defer { agent.teardown() }
        let address = ["--address", "127.0.0.1:\(agent.port)"]

        let status = try sluicectl(topology, ["status"] + address).checked().stdout
        #expect(status.contains(", ready\n"), "\(status)")
        #expect(status.contains("policy.yaml  applied  1"), "\(status)")
        #expect(status.contains("sluice_pol_v1"), "\(status)")
        let backend = try #require(topology.pod(named: "backend"))
        #expect(status.contains("default/backend   \(backend.hostInterface)"), "\(status)")

        let endpoints = try sluicectl(topology, ["endpoints"] + address).checked().stdout
        let backendLine = try #require(endpoints.split(separator: "\n").first { $0.hasPrefix("default/backend") })
        #expect(backendLine.contains(backend.hostInterface) && backendLine.contains("ingress"), "\(endpoints)")
        #expect(endpoints.hasPrefix("POD "), "\(endpoints)")

        let policies = try sluicectl(topology, ["policies"] + address).checked().stdout
        let allow = try #require(policies.split(separator: "\n").first { $0.hasPrefix("default/allow") })
        #expect(allow.contains("ingress") && allow.hasSuffix("default/backend"), "\(policies)")

        for path in ["endpoints", "policies"] {
            let json = try sluicectl(topology, [path, "--output", "json"] + address).checked().stdout
            #expect(json == (try agent.get("/v1/\(path)").body), "\(path)")
        }
        let json = try sluicectl(topology, ["status", "--output", "json"] + address).checked().stdout
        #expect(try decode(Status.self, json).files.count == 2)

        let unreachable = try sluicectl(topology, ["status", "--address", "127.0.0.1:1"])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.contains("127.0.0.1:1: connect: Connection refused"), "\(unreachable.stderr)")
        let unknownPod = try sluicectl(topology, ["explain", "--from", "nobody", "--to", "backend", "--port", "80"] + address)
        #expect(unknownPod.status == 1)
        #expect(unknownPod.stderr.contains("404: no pod default/nobody in the manifests"), "\(unknownPod.stderr)")
    }

    @Test func validateGivesTheAgentsMessagesAndFailsOnAnyError() throws {
        let topology = try makeTopology(podNames: ["frontend", "backend"])
        defer { topology.teardown() }
        let agent = try RunningAgent(topology: topology, files: [
            "pods.yaml": podsFile(topology),
            "bad.yaml": Manifests.allowOnly(from: "frontend", to: "backend", port: 70000),
        ])
        defer { agent.teardown() }
        let reported = try decode(Status.self, try agent.get("/v1/status").body).files.first { $0.name == "bad.yaml" }
        let message = try #require(reported?.message)

        let directory = try sluicectl(topology, ["validate", agent.policyDirectory])
        #expect(directory.status == 1)
        #expect(directory.stdout.contains("error  \(message)\n"), "\(directory.stdout)")
        #expect(directory.stdout.contains("ok     \(agent.policyDirectory)/pods.yaml (2 objects)"), "\(directory.stdout)")
        #expect(directory.stdout.hasSuffix("2 files, 1 error\n"))

        let good = try sluicectl(topology, ["validate", agent.policyDirectory + "/pods.yaml"])
        #expect(good.status == 0, "\(good.stdout)")
        #expect(good.stdout == "ok     \(agent.policyDirectory)/pods.yaml (2 objects)\n1 file, 0 errors\n")

        try "kind: Pod\n".write(toFile: agent.policyDirectory + "/notes.txt", atomically: true, encoding: .utf8)
        let ignored = try sluicectl(topology, ["validate", agent.policyDirectory + "/notes.txt"])
        #expect(ignored.status == 1)
        #expect(ignored.stdout.contains("notes.txt: the agent ignores this name"), "\(ignored.stdout)")
    }

    /// One flow of the matrix: client, server, port, and whether it should pass.
    private struct Flow: CustomStringConvertible {
        var client: String
        var server: String
        var port: UInt16
        var udp: Bool
        var description: String { "\(client) -> \(server) \(port)/\(udp ? "UDP" : "TCP")" }
    }

    @Test func explainAgreesWithRealTraffic() throws {
        let topology = try makeTopology(podNames: ["frontend", "backend", "other"])
        defer { topology.teardown() }
        try topology.pod(named: "backend")?.serve(tcp: [80, 8080], udp: [53])
        try topology.pod(named: "frontend")?.serve(tcp: [80])
        let egressToBackendOnly = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: other-egress, namespace: default}
            spec:
              podSelector: {matchLabels: {app: other}}
              policyTypes: [Egress]
              egress:
                - to: [{podSelector: {matchLabels: {app: backend}}}]
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: dns, namespace: default}
            spec:
              podSelector: {matchLabels: {app: backend}}
              ingress:
                - from: [{podSelector: {matchLabels: {app: other}}}]
                  ports: [{protocol: UDP, port: 53}]
            """
        let agent = try RunningAgent(topology: topology, files: [
            "pods.yaml": podsFile(topology),
            "web.yaml": Manifests.allowOnly(from: "frontend", to: "backend", port: 80, name: "web"),
            "other.yaml": egressToBackendOnly,
        ])
        defer { agent.teardown() }
        let address = ["--address", "127.0.0.1:\(agent.port)"]
        let flows = [
            Flow(client: "frontend", server: "backend", port: 80, udp: false),
            Flow(client: "frontend", server: "backend", port: 8080, udp: false),
            Flow(client: "frontend", server: "backend", port: 53, udp: true),
            Flow(client: "other", server: "backend", port: 80, udp: false),
            Flow(client: "other", server: "backend", port: 53, udp: true),
            Flow(client: "other", server: "frontend", port: 80, udp: false),
            Flow(client: "backend", server: "frontend", port: 80, udp: false),
        ]
        var verdicts: [String: String] = [:]
        for family in AddressFamily.allCases {
            for flow in flows {
                let client = try #require(topology.pod(named: flow.client))
                let server = try #require(topology.pod(named: flow.server))
                let explained = try sluicectl(topology, [
                    "explain", "--from", "default/\(flow.client)", "--to", server.address(family),
                    "--port", "\(flow.port)/\(flow.udp ? "UDP" : "TCP")", "--output", "json",
                ] + address).checked()
                let explain = try decode(Explain.self, explained.stdout)
                let probe = flow.udp
                    ? try client.udp(to: server.address(family), port: flow.port, timeout: .milliseconds(500))
                    : try client.tcp(to: server.address(family), port: flow.port, timeout: .milliseconds(500))
                #expect(probe == .timeout || probe.isOK, "\(flow) \(family): \(probe)")
                #expect((explain.verdict == "allowed") == probe.isOK, "\(flow) \(family): explain \(explained.stdout), probe \(probe)")
                verdicts["\(flow)"] = explain.verdict
            }
        }
        // The matrix has both answers, each for the expected reason.
        #expect(verdicts == [
            "frontend -> backend 80/TCP": "allowed", "frontend -> backend 8080/TCP": "denied",
            "frontend -> backend 53/UDP": "denied", "other -> backend 80/TCP": "denied",
            "other -> backend 53/UDP": "allowed", "other -> frontend 80/TCP": "denied",
            "backend -> frontend 80/TCP": "allowed",
        ])
        let table = try sluicectl(topology, ["explain", "--from", "other", "--to", "backend", "--port", "53/UDP"] + address)
            .checked().stdout
        #expect(table.contains(": ALLOWED\n"), "\(table)")
        #expect(table.contains("egress   default/other    allowed"), "\(table)")
        #expect(table.contains("default/dns"), "\(table)")
        let blocked = try decode(Explain.self, try sluicectl(topology, [
            "explain", "--from", "other", "--to", "frontend", "--port", "80", "--output", "json"] + address).checked().stdout)
        #expect(blocked.egress.outcome == "denied")
        #expect(blocked.ingress.outcome == "not-enforced")
    }
}
