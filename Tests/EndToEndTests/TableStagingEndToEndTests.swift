import BPF
import CSluiceBPF
import Glibc
import Testing
import TestSupport

/// Services loaded in bulk balance at once on provisional tables, then get their full tables
/// pass by pass, and no connection is refused on the way.
@Suite(.enabled(if: getuid() == 0, "runs sluiced on network namespaces: needs root"), .serialized)
struct TableStagingEndToEndTests {
    static let bulk = 60
    /// The size of a provisional table, as the README documents it.
    static let provisionalSize = 1021

    /// `count` selectorless services whose endpoints nobody serves: work for the table passes.
    static func bulkServices(_ count: Int) -> String {
        (0..<count).map(bulkService).joined(separator: "---\n")
    }

    static func bulkService(_ index: Int) -> String {
        """
        apiVersion: v1
        kind: Service
        metadata: {name: bulk-\(index), annotations: {sluice.dev/health-check: none}}
        spec:
          clusterIP: 10.97.\(index / 250).\(index % 250 + 1)
          ports: [{name: http, port: 80}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: bulk-\(index)-1, labels: {kubernetes.io/service-name: bulk-\(index)}}
        addressType: IPv4
        endpoints: [{addresses: [10.202.\(index / 250).\(index % 250 + 1)]}, {addresses: [10.203.\(index / 250).\(index % 250 + 1)]}]
        ports: [{name: http, protocol: TCP, port: 8080}]

        """
    }

    /// The probed service sorts last, so it takes the last id and waits for the last pass.
    static let probed = """
        apiVersion: v1
        kind: Service
        metadata: {name: zz-web, annotations: {sluice.dev/health-check: none}}
        spec:
          clusterIP: 10.96.7.200
          selector: {app: web}
          ports: [{name: http, port: 80, targetPort: 8080}]

        """

    /// The table size each service's frontends read, by service id.
    static func frontendTableSizes(_ agent: RunningAgent) throws -> [UInt32: UInt32] {
        var sizes: [UInt32: UInt32] = [:]
        for (_, value) in try BPFMap<sluice_service_key, sluice_service_value>(
            pinnedAt: agent.pins.path + "/" + SLUICE_MAP_SERVICES).entries() {
            sizes[value.service_id] = value.table_size
        }
        return sizes
    }

    static func probedTableSize(_ agent: RunningAgent) throws -> UInt32? {
        for (key, value) in try BPFMap<sluice_service_key, sluice_service_value>(
            pinnedAt: agent.pins.path + "/" + SLUICE_MAP_SERVICES).entries()
            where withUnsafeBytes(of: key.addr, { Array($0.prefix(4)) }) == [10, 96, 7, 200] {
            return value.table_size
        }
        return nil
    }

    /// A client and two backend pods (app=web) serving TCP 8080, and an agent given their
    /// pods' manifests and `files`.
    private func withAgent(files: [String: String], arguments: [String],
                           _ body: (Pod, RunningAgent) throws -> Void) throws {
        let topology = try makeTopology(podNames: ["client", "b0", "b1"])
        defer { topology.teardown() }
        var pods = ""
        for pod in topology.pods {
            let isBackend = pod.name.hasPrefix("b")
            if isBackend { try pod.serve(tcp: [8080]) }
            pods += ServiceManifests.pod(pod, labels: ["app": isBackend ? "web" : pod.name], node: topology.id)
        }
        let agent = try RunningAgent(topology: topology, files: files.merging(["pods.yaml": pods]) { $1 },
                                     arguments: arguments)
        defer { agent.teardown() }
        try body(topology.pods[0], agent)
    }

    @Test func bulkServicesBalanceOnProvisionalTablesUntilTheirFullOnesAreIn() throws {
        try withAgent(files: ["bulk.yaml": Self.bulkServices(Self.bulk), "web.yaml": Self.probed],
                      arguments: ["--maglev-tables-per-sync", "1"]) { client, agent in
            let full = UInt32(SLUICE_MAGLEV_DEFAULT_SIZE)
            let provisional = UInt32(Self.provisionalSize)

            // One table in full in the first sync, the other sixty provisional; one more per pass.
            #expect(agent.log.contains("provisional=\(Self.bulk)"), "\(agent.log.suffix(3000))")
            var seenProvisional = false
            var answers: [String: Int] = [:]
            var attempts = 0
            var edited = false
            while !agent.log.contains("every provisional Maglev table replaced"), attempts < 200 {
                attempts += 1
                if try Self.probedTableSize(agent) == provisional { seenProvisional = true }
                // A file change in the middle: its sync must leave the waiting tables as they are.
                if seenProvisional && !edited {
                    try agent.write("late.yaml", Self.bulkService(Self.bulk))
                    edited = true
                }
                let answer = try client.tcp(to: "10.96.7.200", port: 80, cgroup: agent.cgroup).answer ?? "refused"
                answers[String(answer.split(separator: " ").first ?? "refused"), default: 0] += 1
            }
            #expect(seenProvisional, "the probed service waited on a provisional table")
            #expect(answers["refused"] == nil, "no connection refused while tables were replaced: \(answers)")
            #expect(try eventually(timeout: .seconds(10)) { agent.log.contains("every provisional Maglev table replaced") },
                    "\(agent.log.suffix(3000))")

            let sizes = try Self.frontendTableSizes(agent)
            #expect(edited)
            #expect(sizes.count == Self.bulk + 2, "the bulk services, the late one and the probed one")
            #expect(sizes.values.allSatisfy { $0 == full }, "\(sizes)")
            let tables = try BPFArrayOfMaps(outer: try BPFMap(pinnedAt: agent.pins.path + "/" + SLUICE_MAP_MAGLEV),
                                            innerFlags: UnpackedMaglevTables.innerFlags,
                                            innerValueSize: MemoryLayout<sluice_maglev_pair>.size)
            for id in sizes.keys {
                let slots = try #require(try tables.contents(id), "table \(id)")
                #expect(slots.count == Int(full), "table \(id) has \(slots.count) slots")
                #expect(!slots.contains(0), "table \(id) has an empty slot")
            }
            #expect(try Self.probedTableSize(agent) == full)
            #expect(agent.log.contains("provisional=0"))
            var reached: Set<String> = []
            for _ in 0..<30 {
                let answer = try client.tcp(to: "10.96.7.200", port: 80, cgroup: agent.cgroup).answer ?? "refused"
                reached.insert(String(answer.split(separator: " ").first ?? "refused"))
            }
            #expect(reached == ["b0", "b1"])
        }
    }

    /// Written while the agent runs, a bulk takes the path a reconcile of new files takes: the
    /// inner maps of its provisional tables made while it is planned, and more tables than
    /// one swap holds, each batch swapped in while the next is made.
    @Test func aBulkWrittenWhileTheAgentRunsBalancesEveryService() throws {
        try withAgent(files: ["web.yaml": Self.probed], arguments: ["--maglev-tables-per-sync", "16"]) { client, agent in
            let bulk = 1200
            let tables = try BPFArrayOfMaps(outer: try BPFMap(pinnedAt: agent.pins.path + "/" + SLUICE_MAP_MAGLEV),
                                            innerFlags: UnpackedMaglevTables.innerFlags,
                                            innerValueSize: MemoryLayout<sluice_maglev_pair>.size)
            // One file: one event, one sync of every table.
            try agent.write("bulk.yaml", Self.bulkServices(bulk))
            try #require(try eventually(timeout: .seconds(30)) { agent.log.contains("tables=+\(bulk) -0") })
            // The passes replace 16 tables at a time, lowest ids first: the last ids stay provisional
            // for a while, and every frontend naming the provisional size has its table in place.
            var provisionalChecked = 0
            for (id, size) in try Self.frontendTableSizes(agent).sorted(by: { $0.key > $1.key }).prefix(200)
                where size == UInt32(Self.provisionalSize) {
                let slots = try #require(try tables.contents(id), "service \(id) names a table that is not there")
                let empty = slots.count { $0 == 0 }
                #expect(empty == 0, "service \(id)'s table has \(empty) empty slots")
                if slots.count == Self.provisionalSize { provisionalChecked += 1 }
            }
            #expect(provisionalChecked >= 100, "checked \(provisionalChecked) provisional tables")
            #expect(try eventually(timeout: .seconds(30)) {
                agent.log.contains("tables=+\(bulk) -0") && agent.log.contains("every provisional Maglev table replaced")
            }, "\(agent.log.suffix(3000))")

            let sizes = try Self.frontendTableSizes(agent)
            #expect(sizes.count == bulk + 1)
            #expect(sizes.values.allSatisfy { $0 == UInt32(SLUICE_MAGLEV_DEFAULT_SIZE) })
            var short: [UInt32] = []
            for id in sizes.keys {
                let slots = try tables.contents(id) ?? []
                if slots.count != Int(SLUICE_MAGLEV_DEFAULT_SIZE) || slots.contains(0) { short.append(id) }
            }
            #expect(short.isEmpty, "tables missing or not full: \(short.sorted().prefix(20))")
            var reached: Set<String> = []
            for _ in 0..<20 {
                let answer = try client.tcp(to: "10.96.7.200", port: 80, cgroup: agent.cgroup).answer ?? "refused"
                reached.insert(String(answer.split(separator: " ").first ?? "refused"))
            }
            #expect(reached == ["b0", "b1"])
        }
    }
}
