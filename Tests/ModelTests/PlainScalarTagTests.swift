@testable import Model
import Testing
import Yams

/// The fast tag of plain scalars must be exactly what Yams' default resolver gives.
struct PlainScalarTagTests {
    @Test func everyKindOfPlainScalarGetsTheDefaultResolversTag() {
        let samples = [
            "", "~", "null", "Null", "NULL", "nULL", "yes", "Yes", "YES", "yEs", "no", "NO", "true", "True", "TRUE",
            "tRuE", "false", "off", "On", "ON", "oN", "y", "n", "0", "-0", "+12", "012", "0o17", "0x1F", "0b101", "1_000",
            "1:30", "3.14", ".5", "-.inf", ".NaN", "1e3", "6.8523015e+5", "2026-11-25", "2026-11-25T12:00:00Z",
            "2026-1-5 1:02:03.5 +01:00", "<<", "=", "-", "--", "+", ".", "http", "80", "80/TCP", "-foo", "~x",
            "networking.k8s.io/v1", "kubernetes.io/metadata.name", "10.0.0.0/24", "fd00::1", "app", "é", "1.2.3.4",
            // Digit-led shapes answered without the resolver, and their near misses.
            "7", "65535", "123456789012345678901234567890", "08", "09", "007", "10.96.0.1", "255.255.255.255",
            "1.2.3", "01.2.3", "1.2.3.4.5.6", "1.2", "1..2.3", "1.2.3.", "1.2.3.4e5", "1.2_3.4", "1.2.3.4:80",
        ]
        for text in samples {
            #expect(PlainScalarTag.resolve(text) == Resolver.default.resolveTag(of: Node(text)), "\(text)")
        }
    }

    @Test func decodingKeepsPlainQuotedAndExplicitlyTaggedScalarsApart() throws {
        let yaml = """
            apiVersion: v1
            kind: Pod
            metadata: {name: web, namespace: "true"}
            spec:
              nodeName: !!str 80
              hostNetwork: yes
            """
        let manifests = try ManifestDecoder.decode(contents: yaml, file: "pod.yaml")
        guard case .pod(let pod, _)? = manifests.first else {
            Issue.record("no pod")
            return
        }
        #expect(pod.namespace == "true")
        #expect(pod.spec.nodeName == "80")
        #expect(pod.spec.hostNetwork)
        #expect(throws: ManifestError.self) {
            try ManifestDecoder.decode(contents: yaml.replacingOccurrences(of: "hostNetwork: yes", with: "hostNetwork: tRuE"),
                                       file: "pod.yaml")
        }
    }

    /// A file without `!` is parsed without the marker rule; it must decode exactly as with it
    /// (a `!` in a trailing comment forces the marker).
    @Test(arguments: [
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: \"true\"}\nspec: {hostNetwork: yes, nodeName: n1}\n",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {hostNetwork: tRuE}\n",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  clusterIP: 10.96.0.1\n  ports: [{port: 80, targetPort: \"80\"}]\n",
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  clusterIP: 10.96.0.1\n  ports: [{port: \"80\"}]\n",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations: {a: |\n      80\n    }\nspec: {clusterIP: ~, ports: [{port: 0x50}]}\n",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns, labels: {n: 012, f: 1.5, d: 2026-11-25, e: \"\"}}\n",
        "---\n~\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: null}\n",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n  annotations:\n    a: |\n      80\n    b: >\n      true\n",
    ])
    func aFileWithoutTagsDecodesAsWithTheMarker(yaml: String) {
        #expect(PlainScalarTag.hasNoTags(yaml))
        let marked = yaml + "# !\n"
        #expect(!PlainScalarTag.hasNoTags(marked))
        switch (Result { () throws(ManifestError) in try ManifestDecoder.decode(contents: yaml, file: "f.yaml") },
                Result { () throws(ManifestError) in try ManifestDecoder.decode(contents: marked, file: "f.yaml") }) {
        case (.success(let plain), .success(let withMarker)):
            #expect(plain == withMarker)
        case (.failure(let plain), .failure(let withMarker)):
            #expect(plain.description == withMarker.description)
        case (let plain, let withMarker):
            Issue.record("one decoded, the other did not: \(plain) / \(withMarker)")
        }
    }
}
