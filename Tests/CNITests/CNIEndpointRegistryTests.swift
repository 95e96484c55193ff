@testable import Agent
import CNI
import Foundation
import Logging
import Testing

struct CNIEndpointRegistryTests {
    private let logger = Logger(label: "test")

    private func endpoint(_ container: String, network: String = "sluice", at seconds: TimeInterval = 1000) -> CNIEndpoint {
        CNIEndpoint(key: .init(network: network, attachment: CNIAttachment(containerID: container, ifname: "eth0")),
                    netns: "/run/netns/x", podNamespace: "default", podName: container, hostInterface: "slc000000000001",
                    addresses: ["10.244.1.5"], registeredAt: Date(timeIntervalSince1970: seconds))
    }

    @Test func registrationsSurviveTheAgent() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try CNIEndpointRegistry(stateDirectory: directory.path, logger: logger)
        try first.register(endpoint("a"))
        try first.register(endpoint("b"))
        try first.unregister(endpoint("a").key)
        let second = try CNIEndpointRegistry(stateDirectory: directory.path, logger: logger)
        #expect(second.all == [endpoint("b")])
    }

    @Test func aDeleteQueuedWhileTheAgentWasDownIsReplayedAtStart() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = CNIStateDirectory(root: directory.path)
        let agent = try CNIEndpointRegistry(stateDirectory: directory.path, logger: logger)
        try agent.register(endpoint("a"))
        try agent.register(endpoint("b"))
        try state.queueDelete(endpoint("a").key)
        let restarted = try CNIEndpointRegistry(stateDirectory: directory.path, logger: logger)
        #expect(restarted.all.map(\.key.containerID) == ["b"])
        #expect(directory.names(in: "cni/pending-del").isEmpty)
        #expect(directory.names(in: "cni/endpoints").count == 1)
    }

    @Test func aQueuedDeleteOlderThanTheRegistrationLeavesItAlone() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = CNIStateDirectory(root: directory.path)
        try state.queueDelete(endpoint("a").key)
        let agent = try CNIEndpointRegistry(stateDirectory: directory.path, logger: logger)
        try agent.register(endpoint("a", at: Date().timeIntervalSince1970 + 60))
        agent.replayPendingDeletes()
        #expect(agent.all.map(\.key.containerID) == ["a"])
        #expect(directory.names(in: "cni/pending-del").isEmpty)
    }

    @Test func gcForgetsOnlyThisNetworksInvalidAttachments() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let agent = try CNIEndpointRegistry(stateDirectory: directory.path, logger: logger)
        for container in ["a", "b", "c"] { try agent.register(endpoint(container)) }
        try agent.register(endpoint("d", network: "other"))
        let removed = try agent.collect(network: "sluice", keeping: [CNIAttachment(containerID: "b", ifname: "eth0")])
        #expect(removed.map(\.key.containerID) == ["a", "c"])
        #expect(Set(agent.all.map(\.key.containerID)) == ["b", "d"])
    }

    @Test func anEndpointThatCannotBeEnforcedIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let agent = try CNIEndpointRegistry(stateDirectory: directory.path, logger: logger)
        var bad = endpoint("a")
        bad.addresses = ["10.0.0.1", "10.0.0.2"]
        #expect(throws: AgentError.self) { try agent.register(bad) }
        bad = endpoint("a")
        bad.hostInterface = "../../etc"
        #expect(throws: AgentError.self) { try agent.register(bad) }
        #expect(agent.all.isEmpty)
        #expect(directory.names(in: "cni/endpoints").isEmpty)
    }
}
