import CNI
import Model
import Testing

struct CNIResultTests {
    private let result = CNIResult(
        interfaces: [
            CNIResult.Interface(name: "slc0123456789ab", mac: "02:00:00:00:00:01", mtu: 1500),
            CNIResult.Interface(name: "eth0", mac: "02:00:00:00:00:02", mtu: 1500, sandbox: "/run/netns/p"),
        ],
        ips: [CNIResult.IPConfig(address: InterfaceAddress(host: IPAddress(v4: 10, 244, 1, 5)),
                                 gateway: IPAddress(v4: 169, 254, 1, 1), interface: 1)],
        routes: [CNIResult.Route(destination: CIDR("0.0.0.0/0") ?? CIDR(host: IPAddress(v4: 0, 0, 0, 0)),
                                 gateway: IPAddress(v4: 169, 254, 1, 1))])

    @Test func addressesCarryVersionOnlyBeforeOneZero() {
        let old = result.json(version: CNIVersion(0, 3, 1))
        #expect(old["ips"]?.arrayValue?.first?["version"] == .string("4"))
        #expect(old["cniVersion"] == .string("0.3.1"))
        let new = result.json(version: CNIVersion(1, 0, 0))
        #expect(new["ips"]?.arrayValue?.first?["version"] == nil)
        #expect(new["ips"]?.arrayValue?.first?["address"] == .string("10.244.1.5/32"))
    }

    @Test func interfaceMTUIsWrittenFromOneOneOn() {
        #expect(result.json(version: CNIVersion(1, 0, 0))["interfaces"]?.arrayValue?.first?["mtu"] == nil)
        #expect(result.json(version: CNIVersion(1, 1, 0))["interfaces"]?.arrayValue?.first?["mtu"] == .number(1500))
    }

    @Test func jsonIsOneLineWithSortedKeys() {
        let text = result.json(version: .latest).text
        #expect(!text.contains("\n"))
        #expect(text.hasPrefix(#"{"cniVersion":"1.1.0","dns":{},"interfaces":[{"mac":"02:00:00:00:00:01","mtu":1500,"#))
    }

    @Test func errorsAreTheSpecsErrorObject() {
        let error = CNIError(.tryAgainLater, "sluiced is not running", details: "connect: No such file or directory")
        #expect(error.json(version: "1.0.0").text
            == #"{"cniVersion":"1.0.0","code":11,"details":"connect: No such file or directory","msg":"sluiced is not running"}"#)
    }
}
