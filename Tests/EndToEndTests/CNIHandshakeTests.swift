import Foundation
import Glibc
import Testing
import TestSupport

/// The plugin and the real agent together: ADD returns once the agent enforces the pod,
/// CHECK, STATUS, GC and DEL follow the spec, and the agent's state outlives it.
@Suite(.enabled(if: getuid() == 0, "runs sluiced on network namespaces: needs root"), .serialized)
struct CNIHandshakeTests {
    @Test func addReturnsOnceEnforcedThenCheckStatusGCAndDeleteFollowTheSpec() throws {
        let bed = try CNITestbed()
        defer { bed.teardown() }
        try bed.startAgent()
        let web = try bed.makePod()
        let db = try bed.makePod()

        let add = try bed.plugin("ADD", container: "web-1", pod: web, podName: "web")
        #expect(add.status == 0, "\(add)\n\(bed.agentLog)")
        let json = try #require(add.json)
        #expect(json["cniVersion"] as? String == "1.1.0")
        let interfaces = try #require(json["interfaces"] as? [[String: Any]])
        #expect(interfaces.count == 2)
        #expect((interfaces[0]["name"] as? String)?.hasPrefix("slc") == true)
        #expect(interfaces[1]["name"] as? String == "eth0")
        #expect(interfaces[1]["sandbox"] as? String == web.path)
        #expect(add.addresses == ["10.244.7.1", "fd00:244:7::1"])
        #expect(((json["ips"] as? [[String: Any]]) ?? []).allSatisfy { $0["interface"] as? Int == 1 && $0["version"] == nil })
        #expect((json["routes"] as? [[String: Any]])?.compactMap { $0["gw"] as? String } == ["169.254.1.1", "fe80::1"])
        // Answered after the sync that attached it: no waiting needed.
        #expect(try bed.metric("sluice_endpoints") == 1)
        let hostLink = try #require(interfaces[0]["name"] as? String)
        let filters = try bed.node.run(["tc", "filter", "show", "dev", hostLink, "ingress"]).checked()
        #expect(filters.stdout.contains("bpf"), "\(filters.stdout)")

        let check = try bed.plugin(bed.variables("CHECK", container: "web-1", pod: web), configuration: bed.configuration(checking: add))
        #expect(check.status == 0 && check.stdout.isEmpty, "\(check)")
        let status = try bed.plugin(["CNI_COMMAND": "STATUS"])
        #expect(status.status == 0 && status.stdout.isEmpty, "\(status)")

        // CHECK notices what ADD set up and someone removed.
        let dbAdd = try bed.plugin("ADD", container: "db-1", pod: db, podName: "db")
        #expect(dbAdd.status == 0, "\(dbAdd)")
        try db.run(["ip", "address", "delete", "\(dbAdd.addresses[0])/32", "dev", "eth0"]).checked()
        let broken = try bed.plugin(bed.variables("CHECK", container: "db-1", pod: db), configuration: bed.configuration(checking: dbAdd))
        #expect(broken.code == 101, "\(broken)")
        #expect(broken.message.contains(dbAdd.addresses[0]))

        // GC: only web-1 is still valid; db-1 loses registration, veth and addresses.
        let gc = try bed.plugin(["CNI_COMMAND": "GC", "CNI_PATH": "/opt/cni/bin"], configuration: String(bed.configuration().dropLast())
            + #", "cni.dev/valid-attachments": [{"containerID": "web-1", "ifname": "eth0"}]}"#)
        #expect(gc.status == 0 && gc.stdout.isEmpty, "\(gc)")
        #expect(try bed.hostLinks() == [hostLink])
        #expect(bed.reservations == ["10.244.7.1", "fd00:244:7::1"])
        #expect(bed.registrations.count == 1)
        #expect(try eventually { try bed.metric("sluice_endpoints") == 1 })

        for _ in 0..<2 {
            let delete = try bed.plugin("DEL", container: "web-1", pod: web)
            #expect(delete.status == 0 && delete.stdout.isEmpty, "\(delete)")
        }
        #expect(try bed.hostLinks().isEmpty)
        #expect(try web.links() == ["lo"])
        #expect(bed.reservations.isEmpty)
        #expect(bed.registrations.isEmpty)
        #expect(bed.pendingDeletes.isEmpty)
        #expect(try bed.metric("sluice_endpoints") == 0)
        let afterDelete = try bed.plugin(bed.variables("CHECK", container: "web-1", pod: web), configuration: bed.configuration(checking: add))
        #expect(afterDelete.status == 1 && afterDelete.code == 101, "\(afterDelete)")
    }

    @Test func anExhaustedPoolIsCodeHundredOnAddAndFiftyOnStatus() throws {
        let bed = try CNITestbed()
        defer { bed.teardown() }
        try bed.startAgent()
        let one = #"[[{"subnet": "10.244.7.0/24", "rangeStart": "10.244.7.40", "rangeEnd": "10.244.7.40"}]]"#
        let first = try bed.makePod()
        let second = try bed.makePod()
        let add = try bed.plugin(bed.variables("ADD", container: "c1", pod: first), configuration: bed.configuration(ranges: one))
        #expect(add.status == 0 && add.addresses == ["10.244.7.40"], "\(add)")
        let full = try bed.plugin(bed.variables("ADD", container: "c2", pod: second), configuration: bed.configuration(ranges: one))
        #expect(full.code == 100, "\(full)")
        #expect(try second.links() == ["lo"])
        let status = try bed.plugin(["CNI_COMMAND": "STATUS"], configuration: bed.configuration(ranges: one))
        #expect(status.code == 50 && status.message.contains("no address left"), "\(status)")
        // A requested address that is taken is refused the same way.
        let taken = try bed.plugin(bed.variables("ADD", container: "c3", pod: second),
                                   configuration: bed.configuration(extra: #", "runtimeConfig": {"ips": ["10.244.7.40/24"]}"#))
        #expect(taken.code == 100 && taken.message.contains("already reserved by c1/eth0"), "\(taken)")
    }

    @Test func aRestartedAgentKeepsItsEndpointsAndReplaysDeletesQueuedWhileItWasDown() throws {
        let bed = try CNITestbed()
        defer { bed.teardown() }
        try bed.startAgent()
        let stays = try bed.makePod()
        let goes = try bed.makePod()
        let add = try bed.plugin("ADD", container: "stays", pod: stays)
        #expect(add.status == 0, "\(add)")
        #expect(try bed.plugin("ADD", container: "goes", pod: goes).status == 0)
        #expect(bed.registrations.count == 2)

        #expect(bed.stopAgent() == 0)
        let check = try bed.plugin(bed.variables("CHECK", container: "stays", pod: stays), configuration: bed.configuration(checking: add))
        #expect(check.code == 11, "\(check)")
        #expect(try bed.plugin(["CNI_COMMAND": "STATUS"]).code == 50)
        let delete = try bed.plugin("DEL", container: "goes", pod: goes)
        #expect(delete.status == 0, "\(delete)")
        #expect(bed.pendingDeletes.count == 1)
        #expect(bed.registrations.count == 2, "the agent's records are the agent's to change")

        try bed.startAgent()
        #expect(bed.pendingDeletes.isEmpty)
        #expect(bed.registrations.count == 1)
        #expect(try bed.metric("sluice_endpoints") == 1)
        let again = try bed.plugin(bed.variables("CHECK", container: "stays", pod: stays), configuration: bed.configuration(checking: add))
        #expect(again.status == 0, "\(again)\n\(bed.agentLog)")
    }
}
