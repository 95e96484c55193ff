import Foundation
import Model
import Planner

// sluice-plan-bench: how long the planner takes at scale, and how many map
// entries its plan has. Prints one JSON object; `make bench` records it.
// Usage: sluice-plan-bench [PODS] [POLICIES] [REPETITIONS]

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let pods = arguments.count > 0 ? arguments[0] : 5000
let policies = arguments.count > 1 ? arguments[1] : 1000
let repetitions = max(1, arguments.count > 2 ? arguments[2] : 5)
let synthetic = SyntheticCluster(namespaces: 50, podsPerNamespace: max(1, pods / 50), policies: policies, localPods: 100)
let node = NodeSettings(name: "node-a")

func seconds(_ duration: Duration) -> Double {
    let (whole, fraction) = duration.components
    return Double(whole) + Double(fraction) / 1e18
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

let clock = ContinuousClock()
var full: [Double] = []
var peerEdit: [Double] = []
var portEdit: [Double] = []
var state = DesiredState()
var changedEntries = 0
for _ in 0..<repetitions {
    let cluster = Cluster(manifests: synthetic.manifests())
    var allocations = Allocations()
    var start = clock.now
    state = Planner.plan(cluster, node: node, allocations: &allocations)
    full.append(seconds(clock.now - start))

    // One policy edited, the cluster updated and planned whole again with warm
    // allocations, as the agent does: first naming a new peer, then a port only.
    var edited = cluster
    edited.remove(synthetic.editedPolicy(version: 0))
    edited.add(synthetic.editedPolicy(version: 1))
    start = clock.now
    let next = Planner.plan(edited, node: node, allocations: &allocations)
    peerEdit.append(seconds(clock.now - start))
    changedEntries = next.policy.filter { state.policy[$0.key] != $0.value }.count
        + state.policy.keys.filter { next.policy[$0] == nil }.count

    edited.remove(synthetic.editedPolicy(version: 1))
    edited.add(synthetic.editedPolicy(version: 2))
    start = clock.now
    _ = Planner.plan(edited, node: node, allocations: &allocations)
    portEdit.append(seconds(clock.now - start))
}

// Writing Maglev tables, as the agent does for each changed service: 3 backends, the default
// size, straight into memory laid out like a table's inner map (two ids to an 8-byte element).
let tableSize = Int(MaglevTable(members: [], size: 16381).size)
let tableMemory = UnsafeMutableRawBufferPointer.allocate(byteCount: (tableSize + 1) * 4, alignment: 8)
defer { tableMemory.deallocate() }
var tableWrites: [Double] = []
for round in 0..<repetitions {
    let tables = (0..<200).map { index in
        MaglevTable(members: (1...3).map { backend in
            MaglevTable.Member(id: UInt32(backend), identity: [4, 10, UInt8(round), UInt8(index >> 8), UInt8(index & 0xff),
                                                               UInt8(backend), 0x1f, 0x90, 6], weight: 1)
        }, size: tableSize)
    }
    let start = clock.now
    for table in tables {
        tableMemory.initializeMemory(as: UInt8.self, repeating: 0)
        table.write(into: tableMemory, stride: 4)
    }
    tableWrites.append(seconds(clock.now - start) / Double(tables.count))
}

// Decoding service manifests as the agent reads them (a Service and its EndpointSlice per
// file), against the same files with a `!` in a trailing comment, which makes the decoder
// match the marker rule on every plain scalar as it did before files without tags skipped it.
let serviceFiles = (0..<1000).map { index in
    """
    apiVersion: v1
    kind: Service
    metadata: {name: svc-\(index), namespace: default, annotations: {sluice.dev/health-check: none}}
    spec:
      clusterIP: 10.96.\(index / 256).\(index % 256)
      ports: [{name: http, protocol: TCP, port: 80, targetPort: 8080}]
    ---
    apiVersion: discovery.k8s.io/v1
    kind: EndpointSlice
    metadata: {name: svc-\(index)-1, namespace: default, labels: {kubernetes.io/service-name: svc-\(index)}}
    addressType: IPv4
    endpoints: [{addresses: [10.202.\(index / 256).\(index % 256)]}, {addresses: [10.203.0.1]}, {addresses: [10.204.0.1]}]
    ports: [{name: http, protocol: TCP, port: 8080}]

    """
}
func decodeSeconds(_ files: [String]) -> Double {
    let start = clock.now
    for text in files { _ = try? ManifestDecoder.decode(contents: text, file: "bench.yaml") }
    return seconds(clock.now - start) / Double(files.count)
}
var decodeUntagged: [Double] = []
var decodeMarked: [Double] = []
for _ in 0..<repetitions {
    decodeUntagged.append(decodeSeconds(serviceFiles))
    decodeMarked.append(decodeSeconds(serviceFiles.map { $0 + "# !\n" }))
}

let report: [String: Any] = [
    "decode_service_file_seconds_median": median(decodeUntagged),
    "decode_service_file_with_marker_rule_seconds_median": median(decodeMarked),
    "maglev_table_write_seconds_median": median(tableWrites),
    "pods": synthetic.totalPods, "policies": policies, "local_pods": state.endpoints.count,
    "repetitions": repetitions,
    "plan_seconds_median": median(full), "plan_seconds_min": full.min() ?? 0, "plan_seconds_max": full.max() ?? 0,
    "replan_one_policy_seconds_median": median(peerEdit),
    "replan_port_edit_seconds_median": median(portEdit),
    "identities": state.identities.count, "ipcache_entries": state.ipcache.count,
    "policy_entries": state.policy.count, "policy_entries_changed_by_one_policy_edit": changedEntries,
]
let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys, .prettyPrinted])
print(String(decoding: data, as: UTF8.self))
