import CNI
import Model
import Testing

struct NetworkConfigurationTests {
    static let minimal = """
        {"cniVersion": "1.1.0", "name": "sluice", "type": "sluice-cni",
         "ipam": {"ranges": [[{"subnet": "10.244.1.0/24"}], [{"subnet": "fd00:244:1::/64"}]]}}
        """

    private func parse(_ text: String) throws(CNIError) -> NetworkConfiguration {
        try NetworkConfiguration(bytes: Array(text.utf8))
    }

    private func failure(_ text: String) -> CNIError? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }

    /// `minimal` with `ipam` replaced.
    private func withIPAM(_ ipam: String) -> String {
        """
        {"cniVersion": "1.0.0", "name": "sluice", "type": "sluice-cni", "ipam": \(ipam)}
        """
    }

    @Test func defaultsPointAtTheAgentsDefaultsAndHostLocalsDataDirectory() throws {
        let configuration = try parse(Self.minimal)
        #expect(configuration.agentSocket == "/run/sluice/cni.sock")
        #expect(configuration.stateDirectory == "/var/lib/sluice")
        #expect(configuration.ipam.directory == "/var/lib/cni/networks/sluice")
        #expect(configuration.ipam.rangeSets.map(\.family) == [.v4, .v6])
        let v4 = try #require(configuration.ipam.rangeSets.first?.ranges.first)
        #expect(v4.start == IPAddress("10.244.1.1"))
        #expect(v4.end == IPAddress("10.244.1.254"))
        let v6 = try #require(configuration.ipam.rangeSets.last?.ranges.first)
        #expect(v6.end == IPAddress("fd00:244:1::ffff:ffff:ffff:ffff"))
    }

    @Test func notJSONIsADecodingFailureAndABadFieldIsNamed() {
        #expect(failure("{not json")?.code == .decodingFailure)
        #expect(failure("[1]")?.code == .invalidNetworkConfiguration)
        let cases: [(String, String)] = [
            (#"{"cniVersion": "1.0.0", "type": "sluice-cni", "ipam": {}}"#, "name: required"),
            (#"{"cniVersion": "1.0.0", "name": "-x", "type": "t", "ipam": {}}"#, "name:"),
            (#"{"cniVersion": "1.0.0", "name": "n", "type": "t"}"#, "ipam: required"),
            (withIPAM(#"{"ranges": [[{"subnet": "10.0.0.1/24"}]]}"#), "ipam.ranges[0][0].subnet"),
            (withIPAM(#"{"ranges": [[{"subnet": "10.0.0.0/24", "rangeStart": "10.0.1.5"}]]}"#), "outside the subnet"),
            (withIPAM(#"{"ranges": [[{"subnet": "10.0.0.0/24", "rangeStart": "10.0.0.9", "rangeEnd": "10.0.0.8"}]]}"#), "after rangeEnd"),
            (withIPAM(#"{"ranges": [[{"subnet": "10.0.0.0/24", "rangeEnd": "10.0.0.255"}]]}"#), "broadcast"),
            (withIPAM(#"{"ranges": [[{"subnet": "10.0.0.0/32"}]]}"#), "too small"),
            (withIPAM(#"{"ranges": [[{"subnet": "10.0.0.0/24"}, {"subnet": "10.0.0.0/25"}]]}"#), "overlap"),
            (withIPAM(#"{"ranges": [[{"subnet": "10.0.0.0/24"}], [{"subnet": "10.1.0.0/24"}]]}"#), "two range sets of one family"),
            (withIPAM(#"{"ranges": [[{"subnet": "10.0.0.0/24"}, {"subnet": "fd00::/64"}]]}"#), "mixes"),
            (withIPAM(#"{"type": "host-local", "ranges": [[{"subnet": "10.0.0.0/24"}]]}"#), "ipam.type"),
            (withIPAM(#"{"ranges": []}"#), "at least one"),
        ]
        for (text, expected) in cases {
            let error = failure(text)
            #expect(error?.code == .invalidNetworkConfiguration, "\(text)")
            #expect(error?.message.contains(expected) == true, "\(String(describing: error)) should say \(expected)")
        }
    }

    @Test func versionsOutsideZeroThreeToOneOneAreIncompatible() {
        for version in ["0.1.0", "0.2.0", "1.2.0", "2.0.0", "latest"] {
            let text = Self.minimal.replacingOccurrences(of: "1.1.0", with: version)
            #expect(failure(text)?.code == .incompatibleVersion, "\(version)")
        }
        for version in ["0.3.0", "0.3.1", "0.4.0", "1.0.0"] {
            #expect(failure(Self.minimal.replacingOccurrences(of: "1.1.0", with: version)) == nil, "\(version)")
        }
    }

    @Test func requestedAddressesComeFromArgsAndRuntimeConfig() throws {
        let text = """
            {"cniVersion": "1.1.0", "name": "sluice", "type": "sluice-cni",
             "args": {"cni": {"ips": ["10.244.1.7"]}}, "runtimeConfig": {"ips": ["fd00:244:1::7/64", "10.244.1.7/24"]},
             "ipam": {"ranges": [[{"subnet": "10.244.1.0/24"}], [{"subnet": "fd00:244:1::/64"}]]}}
            """
        #expect(try parse(text).requestedAddresses == ["10.244.1.7", "fd00:244:1::7"].compactMap { IPAddress($0) })
    }

    @Test func gcAcceptsBothSpellingsOfTheAttachmentList() throws {
        for key in ["cni.dev/valid-attachments", "cni.dev/attachments"] {
            let text = Self.minimal.dropLast() + #", "\#(key)": [{"containerID": "c1", "ifname": "eth0"}]}"#
            #expect(try parse(String(text)).validAttachments == [CNIAttachment(containerID: "c1", ifname: "eth0")])
        }
        #expect(try parse(Self.minimal).validAttachments == nil)
    }

    @Test func previousResultsOfOldAndNewVersionsAreRead() throws {
        let old = """
            {"cniVersion": "0.3.1", "interfaces": [{"name": "slc1"}, {"name": "eth0", "sandbox": "/run/netns/p", "mac": "aa:bb:cc:dd:ee:ff"}],
             "ips": [{"version": "4", "address": "10.244.1.5/32", "gateway": "169.254.1.1", "interface": 1}],
             "routes": [{"dst": "0.0.0.0/0", "gw": "169.254.1.1"}, {"dst": "10.0.0.1/8"}]}
            """
        let text = Self.minimal.dropLast() + ", \"prevResult\": \(old)}"
        let previous = try #require(try parse(String(text)).previousResult())
        #expect(previous.interfaces.last?.mac == "aa:bb:cc:dd:ee:ff")
        #expect(previous.ips.first?.address.description == "10.244.1.5/32")
        #expect(previous.ips.first?.interface == 1)
        #expect(previous.routes.first?.gateway == IPAddress("169.254.1.1"))
        #expect(previous.routes.last?.destination.description == "10.0.0.0/8")
    }

    /// Only CHECK reads `prevResult`: one Sluice cannot read must not fail a DEL.
    @Test func anUnreadablePreviousResultFailsOnlyWhenRead() throws {
        let text = Self.minimal.dropLast() + #", "prevResult": {"ips": [{"address": "not an address"}]}}"#
        let configuration = try parse(String(text))
        #expect(throws: CNIError.self) { try configuration.previousResult() }
    }
}
