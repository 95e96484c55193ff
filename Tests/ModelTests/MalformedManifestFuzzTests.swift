import Model
import Testing

/// Thousands of broken manifests, made from good ones by seeded random edits:
/// the decoder never crashes, and every error it gives names the file and a line
/// inside it.
@Suite struct MalformedManifestFuzzTests {
    private static let seeds: [String] = [
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: web, namespace: shop, labels: {team: a}}
        spec:
          podSelector: {matchLabels: {app: web}}
          policyTypes: [Ingress, Egress]
          ingress:
            - from:
                - podSelector: {matchExpressions: [{key: tier, operator: In, values: [front]}]}
                  namespaceSelector: {matchLabels: {env: prod}}
                - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
              ports: [{port: 80}, {protocol: UDP, port: 5000, endPort: 5010}, {port: http}]
          egress:
            - to: [{ipBlock: {cidr: "fd00::/8"}}]
        """,
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: api
          namespace: shop
          labels: {app: api}
          annotations: {sluice.dev/weight: "3"}
        spec:
          nodeName: node-a
          containers:
            - name: main
              ports: [{name: http, containerPort: 8080}]
        status:
          podIP: 10.0.0.7
          podIPs: [{ip: 10.0.0.7}, {ip: "fd00::7"}]
          conditions: [{type: Ready, status: "True"}]
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop, labels: {env: prod}}
        """,
        """
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api", "namespace": "shop"},
         "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10", "selector": {"app": "api"},
                  "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}}
        """,
    ]

    /// xorshift64*: a fixed seed makes every run test the same inputs.
    private struct Random {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return Int((state &* 2_685_821_657_736_338_717) % UInt64(max(bound, 1)))
        }
    }

    private static let junk: [String] = [":", "-", "{", "}", "[", "]", "\"", "'", "#", "\t", "\n", "  ", "&a", "*a",
                                          "!!binary", "%YAML 1.2", "---", "...", "?", "|", ">", "\u{0}", "é", "99999999",
                                          "-1", "null", "~", "true", "0x1F", "1e400", "apiVersion", "kind: Pod"]

    private func mutate(_ text: String, _ random: inout Random) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for _ in 0..<(1 + random.next(3)) {
            guard !lines.isEmpty else { break }
            let index = random.next(lines.count)
            switch random.next(7) {
            case 0: lines.remove(at: index)
            case 1: lines.insert(lines[random.next(lines.count)], at: index)
            case 2: lines[index] = String(lines[index].dropFirst(random.next(4)))
            case 3: lines[index] = "  " + lines[index]
            case 4:
                var characters = Array(lines[index])
                characters.insert(contentsOf: Self.junk[random.next(Self.junk.count)], at: random.next(characters.count + 1))
                lines[index] = String(characters)
            case 5: lines = Array(lines.prefix(index))
            default: lines.swapAt(index, random.next(lines.count))
            }
        }
        return lines.joined(separator: "\n")
    }

    @Test func brokenManifestsAreRejectedWithFileAndLineNeverACrash() {
        var random = Random(state: 0x5EED_0F_51_0C_E)
        var rejected = 0
        for round in 0..<3000 {
            let seed = Self.seeds[round % Self.seeds.count]
            let input = mutate(seed, &random)
            let lineCount = input.split(separator: "\n", omittingEmptySubsequences: false).count
            do {
                _ = try ManifestDecoder.decode(contents: input, file: "fuzz/\(round).yaml")
            } catch {
                rejected += 1
                #expect(error.file == "fuzz/\(round).yaml", "round \(round): \(error)")
                #expect(error.line >= 1 && error.line <= lineCount + 1, "round \(round): line \(error.line) of \(lineCount): \(error)\n\(input)")
                #expect(!error.message.isEmpty, "round \(round)")
                #expect(error.description.hasPrefix("fuzz/\(round).yaml:\(error.line): "), "round \(round): \(error)")
            }
        }
        // The edits break most inputs; a run where nearly all pass would mean the mutator does nothing.
        #expect(rejected > 1500)
    }
}
