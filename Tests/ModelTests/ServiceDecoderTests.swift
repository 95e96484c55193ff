import Testing
@testable import Model

extension Manifest {
    var service: Service? {
        if case .service(let service, _) = self { return service }
        return nil
    }

    var endpointSlice: EndpointSlice? {
        if case .endpointSlice(let slice, _) = self { return slice }
        return nil
    }
}

/// Services and EndpointSlices as users and `kubectl get -o yaml` write them.
struct ServiceDecoderTests {
    @Test func clusterIPServiceWithNamedTargetPortAndDefaults() throws {
        let yaml = """
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              namespace: shop
              annotations: {sluice.dev/health-interval: "2s"}
            spec:
              clusterIP: 10.96.0.10
              selector: {app: web}
              ports:
                - name: http
                  port: 80
                  targetPort: http
                - name: dns
                  protocol: UDP
                  port: 53
            """
        let service = try #require(try decode(yaml).first?.service)
        #expect(service.namespace == "shop")
        #expect(service.metadata.annotations["sluice.dev/health-interval"] == "2s")
        #expect(service.spec.type == .clusterIP)
        #expect(service.spec.clusterIPs == [try ip("10.96.0.10")])
        #expect(service.spec.selector == ["app": "web"])
        #expect(service.spec.sessionAffinity == .none)
        #expect(service.spec.ports == [
            ServicePort(name: "http", protocol: .tcp, port: 80, targetPort: .name("http")),
            ServicePort(name: "dns", protocol: .udp, port: 53, targetPort: .number(53)),
        ])
    }

    @Test func dualStackNodePortServiceWithClientIPAffinity() throws {
        let yaml = """
            apiVersion: v1
            kind: Service
            metadata: {name: api}
            spec:
              type: NodePort
              clusterIP: 10.96.0.20
              clusterIPs: [10.96.0.20, "fd00:96::20"]
              ipFamilies: [IPv4, IPv6]
              ipFamilyPolicy: RequireDualStack
              externalTrafficPolicy: Cluster
              sessionAffinity: ClientIP
              sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}
              ports: [{port: 443, targetPort: 8443, nodePort: 30443}]
            status: {loadBalancer: {}}
            """
        let service = try #require(try decode(yaml).first?.service)
        #expect(service.namespace == "default")
        #expect(service.spec.type == .nodePort)
        #expect(service.spec.clusterIPs == [try ip("10.96.0.20"), try ip("fd00:96::20")])
        #expect(service.spec.sessionAffinity == .clientIP(timeoutSeconds: 60))
        #expect(service.spec.ports == [ServicePort(port: 443, targetPort: .number(8443), nodePort: 30443)])
    }

    @Test func clientIPAffinityWithoutConfigDefaultsToThreeHours() throws {
        let yaml = """
            apiVersion: v1
            kind: Service
            metadata: {name: s}
            spec: {clusterIP: 10.96.0.1, sessionAffinity: ClientIP, ports: [{port: 80}]}
            """
        let service = try #require(try decode(yaml).first?.service)
        #expect(service.spec.sessionAffinity == .clientIP(timeoutSeconds: 10800))
    }

    @Test func headlessServiceHasNoAddressesAndEmptySelectorMeansNone() throws {
        let yaml = """
            apiVersion: v1
            kind: Service
            metadata: {name: db}
            spec: {clusterIP: None, selector: {}, ports: [{port: 5432}]}
            """
        let service = try #require(try decode(yaml).first?.service)
        #expect(service.spec.isHeadless)
        #expect(service.spec.selector == nil)
    }

    @Test func endpointSliceWithConditionsTargetRefsAndPorts() throws {
        let yaml = """
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: external-abc12
              labels: {kubernetes.io/service-name: external}
            addressType: IPv4
            endpoints:
              - addresses: [10.1.0.5]
                conditions: {ready: true, serving: true, terminating: false}
                targetRef: {kind: Pod, namespace: default, name: ext-0}
                nodeName: node-a
                zone: z1
              - addresses: [10.1.0.6]
                conditions: {ready: false, serving: true, terminating: true}
              - addresses: [10.1.0.7]
            ports:
              - {name: http, port: 8080}
              - {name: "", protocol: UDP, port: 53}
            """
        let slice = try #require(try decode(yaml).first?.endpointSlice)
        #expect(slice.serviceName == "external")
        #expect(slice.addressType == .ipv4)
        #expect(slice.endpoints.count == 3)
        #expect(slice.endpoints[0].targetPod == "ext-0")
        #expect(slice.endpoints[0].nodeName == "node-a")
        #expect(slice.endpoints[0].conditions.isReady)
        #expect(!slice.endpoints[1].conditions.isReady)
        #expect(slice.endpoints[1].conditions.isServing)
        #expect(slice.endpoints[1].conditions.isTerminating)
        // Unknown conditions: ready, serving, not terminating (the API's reading).
        #expect(slice.endpoints[2].conditions == EndpointConditions())
        #expect(slice.endpoints[2].conditions.isReady && !slice.endpoints[2].conditions.isTerminating)
        #expect(slice.ports == [EndpointPort(name: "http", port: 8080), EndpointPort(name: "", protocol: .udp, port: 53)])
    }

    @Test func typedListsOfServicesAndSlicesDecode() throws {
        let yaml = """
            apiVersion: v1
            kind: ServiceList
            items:
              - metadata: {name: a}
                spec: {clusterIP: 10.96.0.1, ports: [{port: 80}]}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSliceList
            items:
              - metadata: {name: a-1, labels: {kubernetes.io/service-name: a}}
                addressType: IPv6
                endpoints: [{addresses: ["fd00::5"]}]
            """
        let manifests = try decode(yaml)
        #expect(manifests.map(\.kind) == ["Service", "EndpointSlice"])
        #expect(manifests[1].endpointSlice?.endpoints.first?.addresses == [try ip("fd00::5")])
    }
}
