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

    /// Explicit tags win over the text: `! 80` and `!!str 80` are strings, `!!int 8080` and
    /// `!!bool yes` what they say.
    @Test func explicitTagsDecideAPlainScalarsType() throws {
        let yaml = """
            apiVersion: v1
            kind: Pod
            metadata: {name: web, namespace: ! 80}
            spec:
              nodeName: !!str 80
              hostNetwork: !!bool Yes
              containers: [{name: c, ports: [{containerPort: !!int 8080}]}]
            """
        let pod = try #require(try ManifestDecoder.decode(contents: yaml, file: "pod.yaml").first?.pod)
        #expect(pod.namespace == "80")
        #expect(pod.spec.nodeName == "80")
        #expect(pod.spec.hostNetwork)
        #expect(pod.spec.containers.first?.ports.first?.containerPort == 8080)
        #expect(throws: ManifestError.self) {
            try ManifestDecoder.decode(contents: yaml.replacingOccurrences(of: "!!int 8080", with: "!!int \"8080\""),
                                       file: "pod.yaml")
        }
    }
}
