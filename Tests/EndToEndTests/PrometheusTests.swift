import Foundation
import Glibc
import Testing
import TestSupport

/// What operators run against /metrics: promtool's linter on a real scrape,
/// and a real Prometheus server (Debian's) scraping the agent on loopback
/// inside the test's node namespace and answering a query for its counters.
@Suite(.enabled(if: getuid() == 0, "runs sluiced on network namespaces: needs root"), .serialized)
struct PrometheusTests {
    private func agentWithTraffic() throws -> (Topology, RunningAgent) {
        let topology = try makeTopology(podNames: ["frontend", "backend"])
        try topology.pod(named: "backend")?.serve(tcp: [80])
        let pods = topology.pods.map { Manifests.pod($0, labels: ["app": $0.name], node: topology.id) }.joined()
        let agent = try RunningAgent(topology: topology, files: [
            "pods.yaml": pods, "policy.yaml": Manifests.allowOnly(from: "frontend", to: "backend", port: 80),
            "service.yaml": Self.service,
        ])
        if let frontend = topology.pod(named: "frontend"), let backend = topology.pod(named: "backend") {
            _ = try frontend.tcp(to: backend.ipv4, port: 80)
        }
        return (topology, agent)
    }

    /// So the service families, written as text beside the registry's, are linted too.
    static let service = """
        apiVersion: v1
        kind: Service
        metadata: {name: backend}
        spec:
          clusterIP: 10.96.77.7
          selector: {app: backend}
          ports: [{name: http, port: 80, targetPort: 80}]

        """

    @Test func promtoolFindsNothingToLintInARealScrape() throws {
        let (topology, agent) = try agentWithTraffic()
        defer { topology.teardown() }
        defer { agent.teardown() }
        let scrape = try agent.get("/metrics").body
        #expect(scrape.contains("process_resident_memory_bytes"))
        #expect(scrape.contains("sluice_policy_flows_total{namespace=\"default\",policy=\"allow\",direction=\"ingress\"} 1"))
        #expect(scrape.contains(
            "sluice_policy_verdicts_total{namespace=\"default\",policy=\"allow\",direction=\"ingress\",action=\"allowed\"} 1"))
        #expect(scrape.contains(
            "sluice_service_backends{namespace=\"default\",service=\"backend\",port=\"http\",protocol=\"TCP\",family=\"ipv4\",state=\"active\"} 1"),
            "\(scrape.split(separator: "\n").filter { $0.contains("sluice_service") }.prefix(8))")
        #expect(scrape.contains("# TYPE sluice_backend_connections_total counter"))
        let file = NSTemporaryDirectory() + "sluice-scrape-\(topology.id).txt"
        try scrape.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try run(["/bin/sh", "-c", "promtool check metrics < '\(file)'"])
        #expect(result.status == 0, "promtool: \(result.stdout)\(result.stderr)")
    }

    @Test func realPrometheusScrapesTheAgentAndAnswersAQuery() throws {
        let (topology, agent) = try agentWithTraffic()
        defer { topology.teardown() }
        defer { agent.teardown() }
        let directory = NSTemporaryDirectory() + "sluice-prometheus-\(topology.id)"
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            scrape_configs:
              - job_name: sluice
                static_configs: [{targets: ["127.0.0.1:\(agent.port)"]}]
            """.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let port = agent.port + 1
        let prometheus = try topology.node.spawn([
            "prometheus", "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(port)",
        ])
        defer { prometheus.stop(grace: .seconds(5)) }
        let query = "http://127.0.0.1:\(port)/api/v1/query?query=sluice_policy_flows_total"
        var answer = ""
        let found = eventually(timeout: .seconds(30)) {
            answer = (try? topology.node.httpGet(query).body) ?? ""
            return answer.contains("\"policy\":\"allow\"") && answer.contains("\"1\"]")
        }
        #expect(found, "Prometheus answered: \(answer)\n\(prometheus.stderr.suffix(2000))")
    }
}
