import BPF
import CSluiceBPF
import Foundation
import Glibc
import Testing
import TestSupport

/// The real agent balancing a Service over real pods: a client pod's processes run in the
/// agent's cgroup, so their connect() to the VIP goes through the socket load balancer.
@Suite(.enabled(if: getuid() == 0, "runs sluiced on network namespaces: needs root"), .serialized)
struct ServiceLoadBalancingTests {
    /// client, three backends b0..b2 labelled app=web serving both named ports, and `extra` pods.
    private func withService(
        extraPods: [String] = [], service: String = ServiceManifests.service(),
        backendAnnotations: [String: String] = [:], arguments: [String] = [],
        _ body: (Topology, RunningAgent, [String: ManagedProcess]) throws -> Void
    ) throws {
        let topology = try makeTopology(podNames: ["client", "b0", "b1", "b2"] + extraPods)
        defer { topology.teardown() }
        var servers: [String: ManagedProcess] = [:]
        for pod in topology.pods where pod.name.hasPrefix("b") {
            servers[pod.name] = try pod.serve(tcp: [ServiceManifests.backendTCP], udp: [ServiceManifests.backendUDP])
        }
        let pods = Self.pods(topology.pods, node: topology.id, backendAnnotations: backendAnnotations)
        let agent = try RunningAgent(topology: topology, files: ["pods.yaml": pods, "service.yaml": service],
                                     arguments: arguments)
        defer { agent.teardown() }
        try body(topology, agent, servers)
    }

    /// The pods' manifests: those named b… are the service's backends, labelled app=web.
    private static func pods(_ pods: [Pod], node: String, backendAnnotations: [String: String] = [:]) -> String {
        pods.map { pod in
            let isBackend = pod.name.hasPrefix("b")
            return ServiceManifests.pod(pod, labels: ["app": isBackend ? "web" : pod.name], node: node,
                                        annotations: isBackend ? backendAnnotations : [:])
        }.joined()
    }

    private func connect(_ client: Pod, _ agent: RunningAgent, to vip: String = ServiceManifests.vip4,
                         timeout: Duration = .seconds(1)) throws -> ProbeResult {
        try client.tcp(to: vip, port: ServiceManifests.httpPort, timeout: timeout, cgroup: agent.cgroup)
    }

    @Test func threeHundredConnectionsSpreadOverTheThreeBackends() throws {
        try withService { topology, agent, _ in
            let client = topology.pods[0]
            var counts: [String: Int] = [:]
            for _ in 0..<300 {
                let answer = try connect(client, agent).answer ?? "none"
                counts[String(answer.split(separator: " ").first ?? "none"), default: 0] += 1
            }
            // Each socket's cookie picks a slot: binomial(300, 1/3), sd 8.2; 70...130 is beyond 3.6 sd.
            #expect(Set(counts.keys) == ["b0", "b1", "b2"], "\(counts)")
            for (backend, count) in counts { #expect((70...130).contains(count), "\(backend): \(count) of 300 \(counts)") }

            let labels = ["namespace": "default", "service": "web", "port": "http", "family": "ipv4"]
            #expect(try agent.metric("sluice_service_connections_total", labels) == 300)
            #expect(try agent.metric("sluice_service_backends", labels.merging(["state": "active"]) { $1 }) == 3)
            let b0 = try #require(topology.pod(named: "b0"))
            #expect(try agent.metric("sluice_backend_connections_total", ["backend": "\(b0.ipv4):8080/TCP"])
                == Double(counts["b0"] ?? 0))
            // Map pressure: a frontend and a table per VIP (IPv4, IPv6) and port (http, dns).
            #expect(try agent.metric("sluice_map_entries", ["map": "sluice_svc_v1"]) == 4)
            #expect(try agent.metric("sluice_map_entries", ["map": "sluice_mgl_v2"]) == 4)
            #expect(try agent.metric("sluice_map_capacity_entries", ["map": "sluice_svc_v1"]) > 0)
            // IPv6 VIP to the pods' IPv6 addresses.
            #expect(try connect(client, agent, to: ServiceManifests.vip6).answer?.hasPrefix("b") == true)
        }
    }

    @Test func clientIPAffinitySticksWithinItsTimeoutAndExpiresAfter() throws {
        try withService(service: ServiceManifests.service(affinitySeconds: 1)) { topology, agent, _ in
            let client = topology.pods[0]
            var firstChoices: Set<String> = []
            // Each round starts after the affinity expired, so Maglev picks again by the new
            // socket; within a round every connection sticks. Seven fresh picks all landing on
            // one of three backends would happen by chance once in 729 runs.
            for round in 0..<7 {
                if round > 0 { Thread.sleep(forTimeInterval: 1.1) }
                let answers = try (0..<3).map { _ in try connect(client, agent).answer ?? "none" }
                #expect(Set(answers).count == 1, "round \(round): \(answers)")
                firstChoices.insert(answers[0])
            }
            #expect(firstChoices.count > 1, "never moved after expiry: \(firstChoices)")
        }
    }

    @Test(arguments: [false, true])
    func udpServiceRoundTripsAndAnswersFromTheVIP(sendto: Bool) throws {
        try withService { topology, agent, _ in
            let client = topology.pods[0]
            for vip in [ServiceManifests.vip4, ServiceManifests.vip6] {
                let result = try client.udp(to: vip, port: ServiceManifests.dnsPort, payload: "q", sendto: sendto,
                                            cgroup: agent.cgroup)
                #expect(result.answer?.hasSuffix(" q") == true && result.answer?.hasPrefix("b") == true, "\(vip): \(result)")
            }
        }
    }

    /// A connected UDP socket keeps its backend's address. Once that backend has left the
    /// service (its pod deleted, then drained for the 1 s grace period), the agent closes the
    /// socket, and the client's next one reaches a backend that is there. The deleted pod's
    /// server still answers, so a socket left open would go on working and fail the test.
    @Test func aConnectedUDPSocketIsClosedOnceItsBackendHasLeft() throws {
        try withService(arguments: ["--terminating-grace-period", "1"]) { topology, agent, _ in
            let client = topology.pods[0]
            let session = try client.spawn([try TestPaths.binary("sluice-probe"), "session", ServiceManifests.vip4,
                                             String(ServiceManifests.dnsPort), "--udp", "--show-answer",
                                             "--lines", "1000", "--interval-ms", "20"], cgroup: agent.cgroup)
            try session.waitForOutput(containing: "ok 1 b")
            let first = try #require(session.stdout.split(separator: "\n").first { $0.hasPrefix("ok 1 ") }?
                .split(separator: " ").dropFirst(2).first.map(String.init))
            let deleted = ContinuousClock.now
            try agent.write("pods.yaml", Self.pods(topology.pods.filter { $0.name != first }, node: topology.id))

            #expect(session.waitForExit(timeout: .seconds(5)) == 3, "\(session.stdout.suffix(200))")
            // It drained first: a flow already on a terminating backend stays there for the period.
            #expect(ContinuousClock.now - deleted > .milliseconds(900), "closed after \(ContinuousClock.now - deleted)")
            #expect(["Software caused connection abort", "Destination address required"]
                .contains { session.stderr.contains($0) }, "\(session.stderr)")
            #expect(try agent.metric("sluice_udp_sockets_closed_total") == 1)
            let next = try client.udp(to: ServiceManifests.vip4, port: ServiceManifests.dnsPort, payload: "q",
                                      cgroup: agent.cgroup)
            #expect(next.answer?.hasPrefix("b") == true && next.answer?.hasPrefix(first) == false, "\(next)")
        }
    }

    @Test func serviceWithoutBackendsRefusesAtOnceAndWorksAsSoonAsOneIsReady() throws {
        try withService(service: ServiceManifests.service(selector: "nothing")) { topology, agent, _ in
            let client = topology.pods[0]
            let start = ContinuousClock.now
            #expect(try connect(client, agent, timeout: .seconds(3)) == .refused)
            #expect(ContinuousClock.now - start < .milliseconds(1500), "refusal took \(ContinuousClock.now - start)")
            let labels = ["service": "web", "port": "http", "family": "ipv4"]
            #expect(try eventually { try agent.metric("sluice_service_no_backend_total", labels) == 1 })

            try agent.write("service.yaml", ServiceManifests.service(selector: "web"))
            #expect(try eventually { try connect(client, agent).answer?.hasPrefix("b") == true })
            // The service change has its own time to enforce; the pod manifests changed no policy entry.
            #expect(try eventually { try agent.metric("sluice_time_to_enforce_seconds_count", ["change": "service"]) >= 1 })
        }
    }

    @Test func backendPolicyStillAppliesAfterTranslation() throws {
        try withService(extraPods: ["other"]) { topology, agent, _ in
            try agent.write("policy.yaml", """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: only-client}
                spec:
                  podSelector: {matchLabels: {app: web}}
                  ingress: [{from: [{podSelector: {matchLabels: {app: client}}}], ports: [{port: http}]}]
                """)
            let client = topology.pods[0]
            let other = try #require(topology.pod(named: "other"))
            // The policy names the backends' port, not the service's: it sees the translated flow.
            #expect(try eventually {
                try other.tcp(to: ServiceManifests.vip4, port: ServiceManifests.httpPort, timeout: .milliseconds(300),
                              cgroup: agent.cgroup) == .timeout
            })
            for _ in 0..<6 { #expect(try connect(client, agent).answer?.hasPrefix("b") == true) }
        }
    }

    @Test func killedBackendIsFailedOverWithinTwoProbeIntervalsAndReturnsWhenItRecovers() throws {
        let service = ServiceManifests.service().replacingOccurrences(of: "metadata: {name: web}", with:
            "metadata: {name: web, annotations: {sluice.dev/health-interval: 300ms, sluice.dev/health-timeout: 200ms}}")
        try withService(service: service) { topology, agent, servers in
            let client = topology.pods[0]
            let b1 = try #require(topology.pod(named: "b1"))
            let healthy = ["backend": "\(b1.ipv4):8080/TCP"]
            #expect(try eventually { try agent.metric("sluice_backend_healthy", healthy) == 1 })

            servers["b1"]?.stop()
            let killed = ContinuousClock.now
            #expect(try eventually(timeout: .seconds(3)) { try agent.metric("sluice_backend_healthy", healthy) == 0 })
            // Two intervals of 300 ms, plus the metric poll's own 50 ms steps and an HTTP round trip.
            #expect(ContinuousClock.now - killed < .milliseconds(900), "took \(ContinuousClock.now - killed)")
            let labels = ["service": "web", "port": "http", "family": "ipv4"]
            #expect(try agent.metric("sluice_service_backends", labels.merging(["state": "unhealthy"]) { $1 }) == 1)
            for _ in 0..<30 {
                let answer = try connect(client, agent).answer ?? "none"
                #expect(answer.hasPrefix("b0") || answer.hasPrefix("b2"), "\(answer)")
            }

            try b1.serve(tcp: [ServiceManifests.backendTCP], udp: [ServiceManifests.backendUDP])
            #expect(try eventually(timeout: .seconds(3)) { try agent.metric("sluice_backend_healthy", healthy) == 1 })
            var seen: Set<String> = []
            for _ in 0..<30 { seen.insert(String((try connect(client, agent).answer ?? "none").prefix(2))) }
            #expect(seen == ["b0", "b1", "b2"], "\(seen)")
        }
    }
}

/// The socket load balancer is pinned links and maps: it outlives the agent.
@Suite(.enabled(if: getuid() == 0, "runs sluiced on network namespaces: needs root"), .serialized)
struct ServiceRestartTests {
    /// A client, backends b0 and b1 of the service `web`, and an agent balancing it; `body`
    /// gets a count of which backends 30 connections from the client reached.
    private func withService(_ body: (Topology, RunningAgent, () throws -> Set<String>) throws -> Void) throws {
        let topology = try makeTopology(podNames: ["client", "b0", "b1"])
        defer { topology.teardown() }
        var pods = ""
        for pod in topology.pods {
            let isBackend = pod.name.hasPrefix("b")
            if isBackend { try pod.serve(tcp: [ServiceManifests.backendTCP]) }
            pods += ServiceManifests.pod(pod, labels: ["app": isBackend ? "web" : pod.name], node: topology.id)
        }
        let agent = try RunningAgent(topology: topology, files: ["pods.yaml": pods, "service.yaml": ServiceManifests.service()])
        defer { agent.teardown() }
        let client = topology.pods[0]
        func backendsReached() throws -> Set<String> {
            var seen: Set<String> = []
            for _ in 0..<30 {
                let answer = try client.tcp(to: ServiceManifests.vip4, port: ServiceManifests.httpPort,
                                            cgroup: agent.cgroup).answer ?? "none"
                seen.insert(String(answer.split(separator: " ").first ?? "none"))
            }
            return seen
        }
        try body(topology, agent, backendsReached)
    }

    @Test func servicesKeepBalancingWhileTheAgentIsDeadAndAfterItRestarts() throws {
        try withService { topology, agent, backendsReached in
            #expect(try backendsReached() == ["b0", "b1"])
            let listing = try topology.node.run([try TestPaths.binary("sluicectl"), "services",
                                                 "--address", "127.0.0.1:\(agent.port)"]).checked()
            #expect(listing.stdout.contains("default/web"), "\(listing.stdout)")
            #expect(listing.stdout.components(separatedBy: "active").count - 1 >= 2, "\(listing.stdout)")
            agent.kill()
            #expect(try backendsReached() == ["b0", "b1"])
            try agent.restart()
            #expect(try backendsReached() == ["b0", "b1"])
        }
    }

    /// Every frontend key's service id and every used backend id's address, as the maps hold them.
    private func ids(_ agent: RunningAgent) throws -> (services: [String: UInt32], backends: [UInt32: String]) {
        func text(_ bytes: UnsafeRawBufferPointer) -> String { bytes.map { String($0) }.joined(separator: ".") }
        var services: [String: UInt32] = [:]
        for (key, value) in try BPFMap<sluice_service_key, sluice_service_value>(
            pinnedAt: agent.pins.path + "/" + SLUICE_MAP_SERVICES).entries() {
            services[withUnsafeBytes(of: key, text)] = value.service_id
        }
        var backends: [UInt32: String] = [:]
        for (id, value) in try BPFMap<UInt32, sluice_backend_value>(pinnedAt: agent.pins.path + "/" + SLUICE_MAP_BACKENDS).entries()
            where value.family != 0 {
            backends[id] = withUnsafeBytes(of: value, text)
        }
        return (services, backends)
    }

    /// `ext`, added after `web`, took the later service id and numbered b1 after b0. Name order
    /// would number them the other way round; a restarted agent keeps the ids the maps hold, so
    /// while it rewrites them no frontend's table names another service's backends.
    @Test func aRestartedAgentKeepsTheServiceAndBackendIdsTheMapsHold() throws {
        try withService { topology, agent, backendsReached in
            #expect(try backendsReached() == ["b0", "b1"])
            try agent.write("ext.yaml", IncrementalServiceSyncTests.selectorless(
                ip: "10.96.0.20", endpoints: [topology.pods[2].ipv4], port: Int(ServiceManifests.backendTCP)))
            // web: http and dns on two VIPs; ext: http.
            #expect(try eventually { try ids(agent).services.count == 5 })
            let written = try ids(agent)
            agent.kill()
            try agent.restart()
            #expect(agent.log.contains("service ids kept from the maps"))
            let after = try ids(agent)
            #expect(after.services == written.services)
            #expect(after.backends == written.backends)
            #expect(try backendsReached() == ["b0", "b1"])
        }
    }

    /// Each table slot's inner map id, for the slots the stamps name.
    private func stampedTables(_ agent: RunningAgent) throws -> [UInt32: (mapID: UInt32?, stamp: sluice_table_stamp)] {
        let tables = try BPFArrayOfMaps(outer: try BPFMap(pinnedAt: agent.pins.path + "/" + SLUICE_MAP_MAGLEV),
                                        innerFlags: UnpackedMaglevTables.innerFlags,
                                        innerValueSize: MemoryLayout<sluice_maglev_pair>.size)
        let stamps = try BPFMap<UInt32, sluice_table_stamp>(pinnedAt: agent.pins.path + "/" + SLUICE_MAP_TABLE_STAMPS)
        var found: [UInt32: (mapID: UInt32?, stamp: sluice_table_stamp)] = [:]
        for (id, stamp) in try stamps.entries() { found[id] = (try tables.innerMapID(id), stamp) }
        return found
    }

    /// Tables are the costly part of a start (10,000 take seconds to compute): a restarted
    /// agent keeps every table whose stamp names the inner map in its slot and the digest of
    /// the table it plans, and builds only the others: here one whose stamp has another
    /// digest and one whose stamp names another inner map.
    @Test func aRestartedAgentKeepsTheTablesThatAreStillRightAndRebuildsTheRest() throws {
        try withService { _, agent, backendsReached in
            #expect(try backendsReached() == ["b0", "b1"])
            let before = try stampedTables(agent)
            #expect(before.count == 4, "a table per family and port: \(before.keys.sorted())")
            for (id, entry) in before { #expect(entry.mapID == entry.stamp.map_id, "table \(id)") }
            agent.kill()

            let ids = before.keys.sorted()
            let spoilt = Set(ids.prefix(2))
            let stamps = try BPFMap<UInt32, sluice_table_stamp>(pinnedAt: agent.pins.path + "/" + SLUICE_MAP_TABLE_STAMPS)
            var otherDigest = try #require(before[ids[0]]).stamp
            otherDigest.digest ^= 1
            try stamps.update(ids[0], otherDigest)
            var otherMap = try #require(before[ids[1]]).stamp
            otherMap.map_id &+= 1
            try stamps.update(ids[1], otherMap)
            try agent.restart()
            let log = agent.log
            let rebuiltTwo = log.contains("tables=+2 -0")
            #expect(rebuiltTwo, "\(log.suffix(2000))")

            let after = try stampedTables(agent)
            #expect(Set(after.keys) == Set(before.keys))
            for (id, entry) in after {
                #expect(entry.mapID == entry.stamp.map_id, "table \(id)")
                if spoilt.contains(id) {
                    #expect(entry.mapID != before[id]?.mapID, "the spoilt table is built again")
                    #expect(entry.stamp.digest == before[id]?.stamp.digest, "with the digest of the same plan")
                } else {
                    #expect(entry.mapID == before[id]?.mapID, "table \(id) kept")
                }
            }
            #expect(try backendsReached() == ["b0", "b1"])
        }
    }

    /// An agent of ABI 2 left its tables one id to an element under `sluice_mgl_v1`, and no
    /// packed map: the new agent moves them into its packed map before it attaches the new
    /// programs, then removes the old pin.
    @Test func tablesAnEarlierAgentLeftUnpackedAreMovedBeforeTheNewProgramsAttach() throws {
        try withService { _, agent, backendsReached in
            let packedPin = agent.pins.path + "/" + SLUICE_MAP_MAGLEV
            let packed = try BPFArrayOfMaps(outer: try BPFMap(pinnedAt: packedPin), innerFlags: UnpackedMaglevTables.innerFlags,
                                            innerValueSize: MemoryLayout<sluice_maglev_pair>.size)
            agent.kill()

            let unpacked = try UnpackedMaglevTables.pin(in: agent.pins.path, slots: packed.outer.info.maxEntries)
            #expect(try unpacked.copyTables(from: packed, name: "sluice_mgl_t", perSwap: 64) == 4,
                    "a table per family and port")
            #expect(unlink(packedPin) == 0)

            try agent.restart()
            let lines = agent.log.split(separator: "\n")
            let moved = try #require(lines.lastIndex { $0.contains("Maglev tables moved to the packed map") }, "\(lines)")
            let attached = try #require(lines.lastIndex { $0.contains("socket load balancer attached") }, "\(lines)")
            #expect(moved < attached, "the tables move before the programs attach")
            #expect(lines[moved].contains("tables=4"), "\(lines[moved])")
            #expect(access(agent.pins.path + "/" + UnpackedMaglevTables.name, F_OK) != 0, "old pin left behind")
            #expect(try backendsReached() == ["b0", "b1"])
        }
    }
}
