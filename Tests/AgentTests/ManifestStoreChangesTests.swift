@testable import Agent
import Model
import Planner
import Testing

/// The store notes what services may have seen change, so the planner looks at those alone.
struct ManifestStoreChangesTests {
    static let service = """
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: shop}
        spec:
          clusterIP: 10.96.0.10
          ports: [{port: 80}]

        """

    static func slice(service: String) -> String {
        """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: \(service)}}
        addressType: IPv4
        endpoints: [{addresses: [10.244.0.5]}]
        ports: [{port: 8080}]

        """
    }

    static let pod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: team}
        status: {podIP: 10.244.1.1}

        """

    @Test func aSliceMovedToAnotherServiceNamesBothServices() throws {
        var store = ManifestStore()
        store.update("slice.yaml", path: "slice.yaml", contents: Self.slice(service: "web"))
        #expect(store.takeServiceChanges().services == [ObjectRef(namespace: "shop", name: "web")])
        store.update("slice.yaml", path: "slice.yaml", contents: Self.slice(service: "api"))
        #expect(store.takeServiceChanges().services == [ObjectRef(namespace: "shop", name: "web"),
                                                         ObjectRef(namespace: "shop", name: "api")])
        #expect(store.takeServiceChanges().isEmpty)
    }

    @Test func aServiceAndAPodAreNotedWhenTheyComeAndGo() throws {
        var store = ManifestStore()
        store.update("all.yaml", path: "all.yaml", contents: Self.service + "---\n" + Self.pod)
        let added = store.takeServiceChanges()
        #expect(added.services == [ObjectRef(namespace: "shop", name: "web")])
        #expect(added.podNamespaces == ["team"])
        store.forget("all.yaml")
        let removed = store.takeServiceChanges()
        #expect(removed.services == [ObjectRef(namespace: "shop", name: "web")])
        #expect(removed.podNamespaces == ["team"])
    }

    @Test func aPolicyChangesNothingForServices() throws {
        var store = ManifestStore()
        store.update("p.yaml", path: "p.yaml", contents: """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: deny, namespace: shop}
            spec: {podSelector: {}}

            """)
        #expect(store.takeServiceChanges().isEmpty)
    }

    @Test func aRefusedEditNotesNothing() throws {
        var store = ManifestStore()
        store.update("s.yaml", path: "s.yaml", contents: Self.service)
        _ = store.takeServiceChanges()
        #expect(store.update("s.yaml", path: "s.yaml", contents: "kind: [") != nil)
        #expect(store.takeServiceChanges().isEmpty)
    }
}
