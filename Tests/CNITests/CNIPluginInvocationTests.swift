import CNI
import Testing

/// `CNIPlugin.run` in process: what the runtime reads back for requests that fail
/// before any system work. The binary itself is run as a runtime does in EndToEndTests.
struct CNIPluginInvocationTests {
    private func run(_ variables: [String: String], _ input: String) -> (code: Int?, output: JSONValue?, status: Int32) {
        let outcome = CNIPlugin.run(environment: variables, input: Array(input.utf8))
        let json = JSONValue.parse(Array(outcome.output.utf8))
        return (json?["code"]?.intValue, json, outcome.status)
    }

    @Test func versionAnswersInTheCallersVersionWithoutAnyOtherVariable() {
        let answer = run(["CNI_COMMAND": "VERSION"], #"{"cniVersion": "0.4.0"}"#)
        #expect(answer.status == 0)
        #expect(answer.output?["cniVersion"] == .string("0.4.0"))
        #expect(answer.output?["supportedVersions"] == .array(["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"].map { .string($0) }))
        #expect(run(["CNI_COMMAND": "VERSION"], "").output?["cniVersion"] == .string("1.1.0"))
    }

    @Test func checkNeedsZeroFourAndGCAndStatusNeedOneOne() {
        let base = ["CNI_CONTAINERID": "c1", "CNI_NETNS": "/run/netns/x", "CNI_IFNAME": "eth0", "CNI_PATH": "/opt/cni/bin"]
        let old = NetworkConfigurationTests.minimal.replacingOccurrences(of: "1.1.0", with: "0.3.1")
        let oneZero = NetworkConfigurationTests.minimal.replacingOccurrences(of: "1.1.0", with: "1.0.0")
        #expect(run(base.merging(["CNI_COMMAND": "CHECK"]) { $1 }, old).code == 1)
        #expect(run(base.merging(["CNI_COMMAND": "GC"]) { $1 }, oneZero).code == 1)
        #expect(run(base.merging(["CNI_COMMAND": "STATUS"]) { $1 }, oneZero).code == 1)
        // The error object speaks the configuration's version.
        #expect(run(base.merging(["CNI_COMMAND": "CHECK"]) { $1 }, old).output?["cniVersion"] == .string("0.3.1"))
    }

    @Test func everyFailureIsOneJSONObjectAndExitOne() {
        let outcome = CNIPlugin.run(environment: ["CNI_COMMAND": "ADD"], input: [])
        #expect(outcome.status == 1)
        #expect(outcome.output.filter { $0 == "\n" }.count == 1)
        #expect(JSONValue.parse(Array(outcome.output.utf8))?["code"] == .number(4))
    }
}
