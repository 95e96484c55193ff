import Foundation
import Glibc
import Testing
import TestSupport

/// `sluice-cni` run exactly as a runtime runs it, for every command's error paths that
/// need no agent: each answer is exactly one JSON error object on stdout and exit 1, and
/// nothing is left behind.
@Suite(.enabled(if: getuid() == 0, "creates network namespaces: needs root"), .serialized)
struct CNIPluginCommandTests {
    @Test func versionIsAnsweredFromTheEnvironmentAlone() throws {
        let bed = try CNITestbed()
        defer { bed.teardown() }
        let run = try bed.plugin(["CNI_COMMAND": "VERSION"], configuration: #"{"cniVersion": "0.4.0"}"#)
        #expect(run.status == 0, "\(run)")
        #expect(run.json?["cniVersion"] as? String == "0.4.0")
        #expect(run.json?["supportedVersions"] as? [String] == ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"])
        #expect(run.stdout.split(separator: "\n").count == 1)
    }

    @Test func missingOrInvalidEnvironmentIsCodeFourNamingTheVariable() throws {
        let bed = try CNITestbed()
        defer { bed.teardown() }
        let pod = try bed.makePod()
        let full = bed.variables("ADD", container: "c1", pod: pod)
        var cases: [([String: String], String)] = []
        for name in ["CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"] {
            var variables = full
            variables[name] = nil
            cases.append((variables, name))
        }
        cases.append((full.merging(["CNI_COMMAND": "UPDATE"]) { $1 }, "CNI_COMMAND"))
        cases.append((full.merging(["CNI_CONTAINERID": "-bad"]) { $1 }, "CNI_CONTAINERID"))
        cases.append((full.merging(["CNI_IFNAME": "a-name-too-long0"]) { $1 }, "CNI_IFNAME"))
        cases.append((full.merging(["CNI_ARGS": "K8S_POD_NAME=web;COLOR=blue"]) { $1 }, "CNI_ARGS"))
        cases.append((["CNI_COMMAND": "DEL", "CNI_CONTAINERID": "c1"], "CNI_IFNAME"))
        cases.append((["CNI_COMMAND": "GC"], "CNI_PATH"))
        for (variables, named) in cases {
            let run = try bed.plugin(variables)
            #expect(run.status == 1 && run.code == 4, "\(variables): \(run)")
            #expect(run.message.contains(named), "\(run.message) should name \(named)")
        }
        #expect(try bed.hostLinks().isEmpty)
        #expect(bed.reservations.isEmpty)
    }

    @Test func unreadableConfigurationIsCodeSixAndInvalidIsCodeSeven() throws {
        let bed = try CNITestbed()
        defer { bed.teardown() }
        let pod = try bed.makePod()
        let variables = bed.variables("ADD", container: "c1", pod: pod)
        #expect(try bed.plugin(variables, configuration: "{\"cniVersion\": ").code == 6)
        let invalid = [
            (bed.configuration(ranges: #"[[{"subnet": "10.244.7.1/24"}]]"#), "ipam.ranges[0][0].subnet"),
            (bed.configuration(ranges: #"[[{"subnet": "10.244.7.0/24", "rangeStart": "10.9.0.1"}]]"#), "outside the subnet"),
            (bed.configuration().replacingOccurrences(of: #""name": "sluice","#, with: ""), "name: required"),
            (bed.configuration(extra: #", "mtu": 20"#), "mtu"),
        ]
        for (configuration, named) in invalid {
            let run = try bed.plugin(variables, configuration: configuration)
            #expect(run.status == 1 && run.code == 7, "\(run)")
            #expect(run.message.contains(named), "\(run.message) should name \(named)")
        }
        #expect(try pod.links() == ["lo"])
        #expect(bed.reservations.isEmpty)
    }

    @Test func unsupportedVersionsAreCodeOne() throws {
        let bed = try CNITestbed()
        defer { bed.teardown() }
        let pod = try bed.makePod()
        for version in ["0.2.0", "2.0.0", "x"] {
            let run = try bed.plugin(bed.variables("ADD", container: "c1", pod: pod), configuration: bed.configuration(version: version))
            #expect(run.code == 1, "\(version): \(run)")
        }
        #expect(try bed.plugin(bed.variables("CHECK", container: "c1", pod: pod), configuration: bed.configuration(version: "0.3.1")).code == 1)
        #expect(try bed.plugin(bed.variables("STATUS", container: "c1", pod: nil), configuration: bed.configuration(version: "1.0.0")).code == 1)
        #expect(try bed.plugin(bed.variables("GC", container: "c1", pod: nil), configuration: bed.configuration(version: "1.0.0")).code == 1)
    }

    @Test func addWhileTheAgentIsDownIsCodeElevenAndUndoesEverything() throws {
        let bed = try CNITestbed()
        defer { bed.teardown() }
        let pod = try bed.makePod()
        let run = try bed.plugin("ADD", container: "c1", pod: pod)
        #expect(run.status == 1 && run.code == 11, "\(run)")
        #expect(try bed.hostLinks().isEmpty)
        #expect(try pod.links() == ["lo"])
        #expect(bed.reservations.isEmpty)
    }

    @Test func addIntoANetnsThatIsGoneIsCodeThree() throws {
        let bed = try CNITestbed()
        defer { bed.teardown() }
        var variables = bed.variables("ADD", container: "c1", pod: nil)
        variables["CNI_NETNS"] = "/run/netns/slcni-never-made"
        let run = try bed.plugin(variables)
        #expect(run.code == 3, "\(run)")
        #expect(bed.reservations.isEmpty)
    }

    @Test func addOverAnExistingInterfaceFailsAndReservesNothing() throws {
        let bed = try CNITestbed()
        defer { bed.teardown() }
        let pod = try bed.makePod()
        try pod.run(["ip", "link", "add", "eth0", "type", "veth", "peer", "name", "other0"]).checked()
        let run = try bed.plugin("ADD", container: "c1", pod: pod)
        #expect(run.status == 1 && run.code == 101, "\(run)")
        #expect(run.message.contains("eth0 already exists"))
        #expect(try bed.hostLinks().isEmpty)
        #expect(bed.reservations.isEmpty)
    }

    @Test func statusWithoutTheAgentIsCodeFifty() throws {
        let bed = try CNITestbed()
        defer { bed.teardown() }
        let run = try bed.plugin(["CNI_COMMAND": "STATUS", "CNI_PATH": "/opt/cni/bin"])
        #expect(run.status == 1 && run.code == 50, "\(run)")
    }

    @Test func deleteSucceedsWhateverIsAlreadyGoneAndQueuesItForTheAgent() throws {
        let bed = try CNITestbed()
        defer { bed.teardown() }
        let pod = try bed.makePod()
        for variables in [bed.variables("DEL", container: "c1", pod: pod), bed.variables("DEL", container: "c1", pod: nil)] {
            let run = try bed.plugin(variables)
            #expect(run.status == 0 && run.stdout.isEmpty, "\(run)")
        }
        #expect(bed.pendingDeletes.count == 1, "one queued removal per attachment, however often DEL runs")
    }

    /// DEL and GC release all they can when a step fails (here: the agent is down and its
    /// state directory cannot take a queued DEL or give its registrations), then report it.
    @Test func deleteAndGCReleaseTheVethAndAddressesEvenWhenAStepFails() throws {
        let bed = try CNITestbed()
        defer { bed.teardown() }
        try bed.startAgent()
        let pods = [try bed.makePod(), try bed.makePod()]
        for (index, pod) in pods.enumerated() {
            #expect(try bed.plugin("ADD", container: "c\(index)", pod: pod).status == 0)
        }
        #expect(try bed.hostLinks().count == 2 && bed.reservations.count == 4)
        _ = bed.stopAgent()
        for directory in ["pending-del", "endpoints"] {
            let path = bed.stateDirectory + "/cni/" + directory
            try? FileManager.default.removeItem(atPath: path)
            #expect(FileManager.default.createFile(atPath: path, contents: Data()), "\(path) made a file")
        }

        let delete = try bed.plugin("DEL", container: "c0", pod: pods[0])
        #expect(delete.status == 1 && delete.code == 5, "\(delete)")
        #expect(try bed.hostLinks().count == 1 && bed.reservations.count == 2)

        let gc = try bed.plugin(["CNI_COMMAND": "GC", "CNI_PATH": "/opt/cni/bin"],
                                configuration: String(bed.configuration().dropLast()) + #", "cni.dev/valid-attachments": []}"#)
        #expect(gc.status == 1 && gc.code == 5, "\(gc)")
        #expect(try bed.hostLinks().isEmpty)
        #expect(bed.reservations.isEmpty)
    }
}
