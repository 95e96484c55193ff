import Foundation
import Glibc
import Testing
import TestSupport

/// Flow events end to end: real traffic between pods, the real agent, and
/// `sluicectl observe` reading `/v1/flows`.
@Suite(.enabled(if: getuid() == 0, "runs sluiced on network namespaces: needs root"), .serialized)
struct ObserveTests {
    /// The fields of a `/v1/flows` line these tests read, decoded as a client would.
    struct Flow: Decodable {
        struct Peer: Decodable { var ip: String; var port: UInt16?; var namespace: String?; var pod: String? }
        var time: String
        var type: String
        var verdict: String
        var reason: String
        var direction: String
        var `protocol`: String
        var source: Peer
        var destination: Peer
        var policy: String?
        var deniedBy: [String]?
    }

    private static let sluicectl = Result { try TestPaths.binary("sluicectl") }

    private func flows(_ text: String) throws -> [Flow] {
        try text.split(separator: "\n").map { try JSONDecoder().decode(Flow.self, from: Data($0.utf8)) }
    }

    private func observe(_ topology: Topology, _ agent: RunningAgent, _ arguments: [String]) throws -> String {
        try topology.node.run([try Self.sluicectl.get(), "observe", "--address", "127.0.0.1:\(agent.port)"] + arguments)
            .checked().stdout
    }

    /// frontend may reach backend on 80 (policy default/web); nothing else reaches backend.
    private func start(_ topology: Topology) throws -> RunningAgent {
        try topology.pod(named: "backend")?.serve(tcp: [80, 8080], udp: [53])
        let pods = topology.pods.map { Manifests.pod($0, labels: ["app": $0.name], node: topology.id) }.joined()
        return try RunningAgent(topology: topology, files: [
            "pods.yaml": pods,
            "web.yaml": Manifests.allowOnly(from: "frontend", to: "backend", port: 80, name: "web"),
        ])
    }

    @Test func deniedProbeShowsUpInObserveWithinASecondWithPodAndPolicyNames() throws {
        let topology = try makeTopology(podNames: ["frontend", "backend", "other"])
        defer { topology.teardown() }
        let agent = try start(topology)
        defer { agent.teardown() }
        let other = try #require(topology.pod(named: "other"))
        let backend = try #require(topology.pod(named: "backend"))

        let watcher = try topology.node.spawn([try Self.sluicectl.get(), "observe", "--output", "json",
                                               "--verdict", "dropped", "--address", "127.0.0.1:\(agent.port)"])
        defer { watcher.stop() }
        // The stream is open once the agent counts it; until then an event would not reach it.
        #expect(waitUntil(timeout: .seconds(5)) { watcher.isRunning && (try? agent.get("/metrics"))?.body != nil })
        Thread.sleep(forTimeInterval: 0.3)

        let sent = ContinuousClock.now
        let probe = try other.spawn([try TestPaths.binary("sluice-probe"), "tcp", backend.address(.ipv4), "80",
                                     "--timeout-ms", "1500"])
        defer { probe.stop() }
        try watcher.waitForOutput(containing: "\"verdict\":\"dropped\"", timeout: .seconds(1))
        let seenAfter = ContinuousClock.now - sent
        #expect(seenAfter < .seconds(1), "\(seenAfter)")

        let drop = try #require(try flows(watcher.stdout).first)
        #expect(drop.type == "drop")
        #expect(drop.reason == "policy_denied")
        #expect(drop.direction == "ingress")
        #expect(drop.protocol == "TCP")
        #expect(drop.source.namespace == "default" && drop.source.pod == "other")
        #expect(drop.source.ip == other.address(.ipv4))
        #expect(drop.destination.pod == "backend" && drop.destination.port == 80)
        #expect(drop.deniedBy == ["default/web"])
        #expect(try agent.metric("sluice_events_read_total") >= 1)
    }

    @Test func historyTableAndFiltersShowTheRightFlows() throws {
        let topology = try makeTopology(podNames: ["frontend", "backend", "other"])
        defer { topology.teardown() }
        let agent = try start(topology)
        defer { agent.teardown() }
        let frontend = try #require(topology.pod(named: "frontend"))
        let other = try #require(topology.pod(named: "other"))
        let backend = try #require(topology.pod(named: "backend"))

        #expect(try frontend.tcp(to: backend.address(.ipv6), port: 80).isOK)
        #expect(try other.tcp(to: backend.address(.ipv4), port: 8080, timeout: .milliseconds(300)) == .timeout)
        #expect(try frontend.udp(to: backend.address(.ipv4), port: 53, timeout: .milliseconds(300)) == .timeout)
        var all: [Flow] = []
        #expect(waitUntil(timeout: .seconds(2)) {
            all = (try? flows(observe(topology, agent, ["--last", "1000", "--output", "json"]))) ?? []
            return all.contains { $0.verdict == "allowed" } && all.filter { $0.verdict == "dropped" }.count >= 2
        })

        let allowed = try flows(observe(topology, agent, ["--verdict", "allowed", "--pod", "backend", "--output", "json",
                                                          "--since", "1m"]))
        let web = try #require(allowed.first { $0.policy == "default/web" })
        #expect(web.source.pod == "frontend" && web.destination.port == 80 && web.protocol == "TCP")
        #expect(allowed.allSatisfy { $0.verdict == "allowed" })

        let udp = try flows(observe(topology, agent, ["--protocol", "udp", "--last", "50", "--output", "json"]))
        #expect(!udp.isEmpty && udp.allSatisfy { $0.protocol == "UDP" })
        #expect(udp.contains { $0.destination.port == 53 && $0.verdict == "dropped" && $0.source.pod == "frontend" })

        let port = try flows(observe(topology, agent, ["--port", "8080", "--last", "50", "--output", "json"]))
        // The client's side (not enforced) and the server's drop, both of other's one flow.
        #expect(port.map(\.verdict).sorted() == ["allowed", "dropped"], "\(port)")
        #expect(port.allSatisfy { $0.source.pod == "other" && $0.destination.port == 8080 }, "\(port)")

        #expect(try observe(topology, agent, ["--namespace", "elsewhere", "--last", "50", "--output", "json"]).isEmpty)
        #expect(try flows(observe(topology, agent, ["--last", "1", "--output", "json"])).count == 1)

        let table = try observe(topology, agent, ["--pod", "default/other", "--last", "10"])
        let lines = table.split(separator: "\n")
        #expect(lines.first?.hasPrefix("TIME") == true, "\(table)")
        let row = try #require(lines.first { $0.contains("dropped") }, "\(table)")
        for cell in ["ingress", "default/other", "default/backend", "TCP/8080", "default/web", "policy_denied"] {
            #expect(row.contains(cell), "\(cell) in \(row)")
        }

        let bad = try topology.node.run([try Self.sluicectl.get(), "observe", "--verdict", "maybe", "--last", "1",
                                         "--address", "127.0.0.1:\(agent.port)"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("400: verdict=maybe"), "\(bad.stderr)")
    }
}
