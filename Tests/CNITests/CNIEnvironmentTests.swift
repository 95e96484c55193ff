import CNI
import Model
import Testing

struct CNIEnvironmentTests {
    private let add = ["CNI_COMMAND": "ADD", "CNI_CONTAINERID": "abc123", "CNI_NETNS": "/run/netns/x",
                       "CNI_IFNAME": "eth0", "CNI_PATH": "/opt/cni/bin"]

    private func error(_ variables: [String: String]) -> CNIError? {
        do {
            _ = try CNIEnvironment(variables)
            return nil
        } catch {
            return error
        }
    }

    @Test func eachRequiredVariableOfAddIsNamedWhenMissing() {
        for name in ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"] {
            var variables = add
            variables[name] = nil
            let failure = error(variables)
            #expect(failure?.code == .invalidEnvironment)
            #expect(failure?.message.contains(name) == true, "\(String(describing: failure))")
        }
    }

    @Test func deleteNeedsNoNetnsButGCNeedsThePluginPath() throws {
        var delete = add
        delete["CNI_COMMAND"] = "DEL"
        delete["CNI_NETNS"] = nil
        #expect(error(delete) == nil)
        let gc = error(["CNI_COMMAND": "GC"])
        #expect(gc?.code == .invalidEnvironment)
        #expect(gc?.message.contains("CNI_PATH") == true)
        #expect(error(["CNI_COMMAND": "STATUS"]) == nil)
    }

    @Test func missingOrUnknownCommandIsInvalidEnvironment() {
        #expect(error([:])?.message == "CNI_COMMAND: missing")
        #expect(error(["CNI_COMMAND": "UPDATE"])?.code == .invalidEnvironment)
    }

    @Test func containerIDAndInterfaceNameFollowTheSpecsAlphabet() {
        for bad in ["-abc", "a b", "a/b", "é1"] {
            var variables = add
            variables["CNI_CONTAINERID"] = bad
            #expect(error(variables)?.message.contains("CNI_CONTAINERID") == true, "\(bad)")
        }
        for bad in ["eth0:1", "a/b", "a b", ".", "..", "sixteen-chars-xx"] {
            var variables = add
            variables["CNI_IFNAME"] = bad
            #expect(error(variables)?.message.contains("CNI_IFNAME") == true, "\(bad)")
        }
        var fifteen = add
        fifteen["CNI_IFNAME"] = "fifteen-chars-x"
        #expect(error(fifteen) == nil)
    }

    @Test func netnsMustBeAPathNotAName() {
        var variables = add
        variables["CNI_NETNS"] = "mypod"
        #expect(error(variables)?.message.contains("CNI_NETNS") == true)
    }

    @Test func kubernetesArgumentsNameThePodAndUnknownKeysNeedIgnoreUnknown() throws {
        var variables = add
        variables["CNI_ARGS"] = "IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-0;K8S_POD_UID=u;FOO=bar;IP=10.1.0.9,fd00::9"
        let environment = try CNIEnvironment(variables)
        #expect(environment.args.podNamespace == "shop")
        #expect(environment.args.podName == "web-0")
        #expect(environment.args.requestedAddresses == [IPAddress("10.1.0.9"), IPAddress("fd00::9")].compactMap { $0 })

        variables["CNI_ARGS"] = "K8S_POD_NAME=web-0;FOO=bar"
        #expect(error(variables)?.message.contains("FOO") == true)
        variables["CNI_ARGS"] = "K8S_POD_NAME"
        #expect(error(variables)?.code == .invalidEnvironment)
    }
}
