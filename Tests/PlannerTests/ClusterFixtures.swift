import CSluiceBPF
import Model
import Planner
import Testing

/// Builds clusters from YAML, the way users write them.
func cluster(_ yaml: String) throws -> Cluster {
    Cluster(manifests: try ManifestDecoder.decode(contents: yaml, file: "fixture.yaml"))
}

func pod(_ name: String, namespace: String = "default", labels: [String: String], ip: String,
         node: String = "node-a", ports: [(String, Int)] = []) -> String {
    let labelLines = labels.sorted { $0.key < $1.key }.map { "    \($0.key): \($0.value)" }.joined(separator: "\n")
    let portLines = ports.map { "        - name: \($0.0)\n          containerPort: \($0.1)" }.joined(separator: "\n")
    return """
    apiVersion: v1
    kind: Pod
    metadata:
      name: \(name)
      namespace: \(namespace)
      labels:
    \(labelLines)
    spec:
      nodeName: \(node)
      containers:
        - name: main
          ports:
    \(portLines.isEmpty ? "        []" : portLines)
    status:
      podIP: \(ip)
    ---

    """
}

/// Plans `yaml` for node-a with fresh allocations.
func plan(_ yaml: String) throws -> DesiredState {
    var allocations = Allocations()
    return Planner.plan(try cluster(yaml), node: NodeSettings(name: "node-a"), allocations: &allocations)
}

extension DesiredState {
    func endpoint(_ namespace: String, _ name: String) -> PlannedEndpoint? {
        endpoints.first { $0.pod == ObjectRef(namespace: namespace, name: name) }
    }

    /// The identity the ipcache gives a host address.
    func identity(of address: String) -> UInt32? {
        guard let ip = IPAddress(address) else { return nil }
        return ipcache.first { key, _ in
            key.prefixlen == UInt32(SLUICE_IPCACHE_PREFIX_BASE) + UInt32(ip.family.bitWidth)
                && withUnsafeBytes(of: key.addr) { Array($0.prefix(ip.bytes.count)) } == ip.bytes
        }?.value.identity
    }

    /// Policy entries of one endpoint and direction as readable tuples.
    func rules(endpoint: UInt32, direction: sluice_direction) -> Set<PolicyRule> {
        Set(policy.keys.filter { $0.endpoint_id == endpoint && $0.direction == UInt8(direction.rawValue) }.map {
            PolicyRule(identity: $0.identity, proto: $0.protocol, port: UInt16(bigEndian: $0.dport), prefixlen: $0.prefixlen)
        })
    }
}

struct PolicyRule: Hashable, CustomStringConvertible {
    var identity: UInt32
    var proto: UInt8
    var port: UInt16
    var prefixlen: UInt32

    var description: String { "id \(identity) proto \(proto) port \(port)/\(prefixlen)" }
}

let ingress = SLUICE_DIR_INGRESS
let egress = SLUICE_DIR_EGRESS
let tcp: UInt8 = 6
let udp: UInt8 = 17
let world = UInt32(SLUICE_IDENTITY_WORLD.rawValue)
let fullPrefix = UInt32(SLUICE_POLICY_PREFIX_FULL)
let allPortsPrefix = UInt32(SLUICE_POLICY_PREFIX_ALL_PORTS)
let allProtocolsPrefix = UInt32(SLUICE_POLICY_PREFIX_ALL_PROTOCOLS)
let enforceIngress = UInt32(SLUICE_EP_ENFORCE_INGRESS.rawValue)
let enforceEgress = UInt32(SLUICE_EP_ENFORCE_EGRESS.rawValue)

/// A NetworkPolicy manifest; `spec` holds its spec lines, indented by two.
func policy(_ spec: String, name: String = "p", namespace: String = "default") -> String {
    """
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: \(name)
      namespace: \(namespace)
    spec:
    \(spec)
    ---

    """
}
