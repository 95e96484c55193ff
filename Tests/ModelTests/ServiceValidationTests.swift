import Testing
@testable import Model

/// Every Service and EndpointSlice rule, each asserting the exact line (marked `# <-`) and field path.
struct ServiceValidationTests {
    typealias Case = ValidationCase

    static func service(_ spec: String) -> String {
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n" + spec
    }

    static func slice(_ rest: String) -> String {
        "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s-1, labels: {kubernetes.io/service-name: s}}\n" + rest
    }

    static let cases: [Case] = [
        // Service identity and strictness.
        Case(name: "service name with a leading digit", yaml: "apiVersion: v1\nkind: Service\nmetadata:\n  name: 1web # <-\nspec: {clusterIP: None}\n",
             fieldPath: "metadata.name", message: "must start with an alphabetic character"),
        Case(name: "service without spec", yaml: "apiVersion: v1 # <-\nkind: Service\nmetadata: {name: s}\n", fieldPath: "spec", message: "required value"),
        Case(name: "misspelt spec field", yaml: service("  clusterIP: 10.96.0.1\n  ports: [{port: 80}]\n  selecter: {app: a} # <-\n"),
             fieldPath: "spec.selecter", message: "unknown field \"selecter\""),
        Case(name: "externalIPs are not implemented", yaml: service("  clusterIP: 10.96.0.1\n  externalIPs: [1.2.3.4] # <-\n"),
             fieldPath: "spec.externalIPs", message: "not supported by Sluice"),
        Case(name: "LoadBalancer type", yaml: service("  type: LoadBalancer # <-\n  clusterIP: 10.96.0.1\n"),
             fieldPath: "spec.type", message: "unsupported value \"LoadBalancer\""),
        Case(name: "unknown type", yaml: service("  type: Ingress # <-\n  clusterIP: 10.96.0.1\n"),
             fieldPath: "spec.type", message: "unsupported value \"Ingress\": supported values: \"ClusterIP\", \"NodePort\""),
        Case(name: "local traffic policy", yaml: service("  clusterIP: 10.96.0.1\n  internalTrafficPolicy: Local # <-\n"),
             fieldPath: "spec.internalTrafficPolicy", message: "Sluice implements only \"Cluster\""),
        Case(name: "externalTrafficPolicy on a ClusterIP service", yaml: service("  clusterIP: 10.96.0.1\n  externalTrafficPolicy: Cluster # <-\n  ports: [{port: 80}]\n"),
             fieldPath: "spec.externalTrafficPolicy", message: "may only be set when type is NodePort"),

        // Cluster IPs.
        Case(name: "no cluster IP", yaml: service("  ports: [{port: 80}] # <-\n"), fieldPath: "spec.clusterIP",
             message: "Sluice does not allocate cluster IPs"),
        Case(name: "cluster IP that is not an address", yaml: service("  clusterIP: 10.96.0.300 # <-\n"), fieldPath: "spec.clusterIP",
             message: "must be a valid IP address"),
        Case(name: "clusterIPs disagreeing with clusterIP", yaml: service("  clusterIP: 10.96.0.1\n  clusterIPs:\n  - 10.96.0.2 # <-\n"),
             fieldPath: "spec.clusterIPs[0]", message: "must equal clusterIP"),
        Case(name: "two cluster IPs of one family", yaml: service("  clusterIPs:\n  - 10.96.0.1\n  - 10.96.0.2 # <-\n"),
             fieldPath: "spec.clusterIPs[1]", message: "no more than one IP for each IP family"),
        Case(name: "None beside an address", yaml: service("  clusterIPs: [None, 10.96.0.1] # <-\n"),
             fieldPath: "spec.clusterIPs", message: "\"None\" must be the only entry"),
        Case(name: "ipFamilies disagreeing with the addresses", yaml: service("  clusterIP: 10.96.0.1\n  ipFamilies:\n  - IPv6 # <-\n"),
             fieldPath: "spec.ipFamilies[0]", message: "IPv6 does not match clusterIPs[0]"),
        Case(name: "ipFamilies naming a family twice", yaml: service("  clusterIPs: [10.96.0.1, fd00::1]\n  ipFamilies:\n  - IPv4\n  - IPv4 # <-\n"),
             fieldPath: "spec.ipFamilies[1]", message: "duplicate value \"IPv4\""),
        Case(name: "three ipFamilies", yaml: service("  clusterIP: 10.96.0.1\n  ipFamilies: [IPv4, IPv6, IPv4] # <-\n"),
             fieldPath: "spec.ipFamilies", message: "may have at most two entries"),
        Case(name: "single stack with two cluster IPs", yaml: service("  ipFamilyPolicy: SingleStack\n  clusterIPs: [10.96.0.1, fd00::1] # <-\n"),
             fieldPath: "spec.clusterIPs", message: "may have only one entry when ipFamilyPolicy is SingleStack"),
        Case(name: "headless NodePort", yaml: service("  type: NodePort\n  clusterIP: None # <-\n  ports: [{port: 80, nodePort: 30080}]\n"),
             fieldPath: "spec.clusterIP", message: "may not be \"None\" when type is NodePort"),
        Case(name: "ports missing", yaml: service("  clusterIP: 10.96.0.1 # <-\n"), fieldPath: "spec.ports", message: "required value"),

        // Ports.
        Case(name: "unnamed port among several", yaml: service("  clusterIP: 10.96.0.1\n  ports:\n  - {name: a, port: 80}\n  - {port: 81} # <-\n"),
             fieldPath: "spec.ports[1].name", message: "every port needs a name when there are several"),
        Case(name: "duplicate port name", yaml: service("  clusterIP: 10.96.0.1\n  ports:\n  - {name: a, port: 80}\n  - {name: a, port: 81} # <-\n"),
             fieldPath: "spec.ports[1]", message: "duplicate port name \"a\""),
        Case(name: "duplicate port and protocol", yaml: service("  clusterIP: 10.96.0.1\n  ports:\n  - {name: a, port: 80}\n  - {name: b, port: 80} # <-\n"),
             fieldPath: "spec.ports[1]", message: "duplicate port 80/TCP"),
        Case(name: "port out of range", yaml: service("  clusterIP: 10.96.0.1\n  ports:\n  - port: 65536 # <-\n"),
             fieldPath: "spec.ports[0].port", message: "port 65536 out of range 1-65535"),
        Case(name: "port missing", yaml: service("  clusterIP: 10.96.0.1\n  ports:\n  - targetPort: 80 # <-\n"),
             fieldPath: "spec.ports[0].port", message: "required value"),
        Case(name: "targetPort name that is not a port name", yaml: service("  clusterIP: 10.96.0.1\n  ports:\n  - port: 80\n    targetPort: \"8080\" # <-\n"),
             fieldPath: "spec.ports[0].targetPort", message: "invalid port name \"8080\": must contain at least one letter"),
        Case(name: "targetPort zero", yaml: service("  clusterIP: 10.96.0.1\n  ports:\n  - port: 80\n    targetPort: 0 # <-\n"),
             fieldPath: "spec.ports[0].targetPort", message: "targetPort 0 out of range 1-65535"),
        Case(name: "SCTP is not balanced", yaml: service("  clusterIP: 10.96.0.1\n  ports:\n  - port: 80\n    protocol: SCTP # <-\n"),
             fieldPath: "spec.ports[0].protocol", message: "Sluice balances TCP and UDP only"),
        Case(name: "unknown field in a port", yaml: service("  clusterIP: 10.96.0.1\n  ports:\n  - port: 80\n    targetport: 81 # <-\n"),
             fieldPath: "spec.ports[0].targetport", message: "unknown field \"targetport\""),
        Case(name: "nodePort on a ClusterIP service", yaml: service("  clusterIP: 10.96.0.1\n  ports:\n  - port: 80\n    nodePort: 30080 # <-\n"),
             fieldPath: "spec.ports[0].nodePort", message: "may not be used when type is ClusterIP"),
        Case(name: "nodePort outside the range", yaml: service("  type: NodePort\n  clusterIP: 10.96.0.1\n  ports:\n  - port: 80\n    nodePort: 8080 # <-\n"),
             fieldPath: "spec.ports[0].nodePort", message: "nodePort 8080 out of range 30000-32767"),
        Case(name: "NodePort service without nodePort", yaml: service("  type: NodePort\n  clusterIP: 10.96.0.1\n  ports:\n  - port: 80 # <-\n"),
             fieldPath: "spec.ports[0].nodePort", message: "Sluice does not allocate node ports"),
        Case(name: "duplicate nodePort", yaml: service("  type: NodePort\n  clusterIP: 10.96.0.1\n  ports:\n  - {name: a, port: 80, nodePort: 30080}\n  - {name: b, port: 81, nodePort: 30080} # <-\n"),
             fieldPath: "spec.ports[1]", message: "duplicate nodePort 30080/TCP"),

        // Selector and affinity.
        Case(name: "selector value that is not a label value", yaml: service("  clusterIP: 10.96.0.1\n  ports: [{port: 80}]\n  selector:\n    app: my app # <-\n"),
             fieldPath: "spec.selector[app]", message: "invalid label value \"my app\""),
        Case(name: "unknown affinity", yaml: service("  clusterIP: 10.96.0.1\n  ports: [{port: 80}]\n  sessionAffinity: Cookie # <-\n"),
             fieldPath: "spec.sessionAffinity", message: "supported values: \"ClientIP\", \"None\""),
        Case(name: "affinity config without ClientIP", yaml: service("  clusterIP: 10.96.0.1\n  ports: [{port: 80}]\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 5}} # <-\n"),
             fieldPath: "spec.sessionAffinityConfig", message: "must not be set when sessionAffinity is None"),
        Case(name: "affinity timeout zero", yaml: service("  clusterIP: 10.96.0.1\n  ports: [{port: 80}]\n  sessionAffinity: ClientIP\n  sessionAffinityConfig:\n    clientIP:\n      timeoutSeconds: 0 # <-\n"),
             fieldPath: "spec.sessionAffinityConfig.clientIP.timeoutSeconds", message: "timeoutSeconds 0 out of range 1-86400"),
        Case(name: "affinity timeout above a day", yaml: service("  clusterIP: 10.96.0.1\n  ports: [{port: 80}]\n  sessionAffinity: ClientIP\n  sessionAffinityConfig:\n    clientIP:\n      timeoutSeconds: 86401 # <-\n"),
             fieldPath: "spec.sessionAffinityConfig.clientIP.timeoutSeconds", message: "out of range 1-86400"),

        // EndpointSlices.
        Case(name: "slice without its service label", yaml: "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: x} # <-\naddressType: IPv4\n",
             fieldPath: "metadata.labels", message: "required label kubernetes.io/service-name"),
        Case(name: "FQDN slices", yaml: slice("addressType: FQDN # <-\n"), fieldPath: "addressType", message: "Sluice balances to addresses only"),
        Case(name: "slice without addressType",
             yaml: "apiVersion: discovery.k8s.io/v1 # <-\nkind: EndpointSlice\nmetadata: {name: s-1, labels: {kubernetes.io/service-name: s}}\n",
             fieldPath: "addressType", message: "required value"),
        Case(name: "address of the other family", yaml: slice("addressType: IPv4\nendpoints:\n- addresses:\n  - fd00::1 # <-\n"),
             fieldPath: "endpoints[0].addresses[0]", message: "is not an IPv4 address"),
        Case(name: "endpoint without addresses", yaml: slice("addressType: IPv4\nendpoints:\n- addresses: [] # <-\n"),
             fieldPath: "endpoints[0].addresses", message: "at least one address"),
        Case(name: "condition that is not a boolean", yaml: slice("addressType: IPv4\nendpoints:\n- addresses: [10.0.0.1]\n  conditions:\n    ready: \"yes\" # <-\n"),
             fieldPath: "endpoints[0].conditions.ready", message: "expected true or false"),
        Case(name: "unknown condition", yaml: slice("addressType: IPv4\nendpoints:\n- addresses: [10.0.0.1]\n  conditions:\n    healthy: true # <-\n"),
             fieldPath: "endpoints[0].conditions.healthy", message: "unknown field \"healthy\""),
        Case(name: "slice port out of range", yaml: slice("addressType: IPv4\nports:\n- port: 0 # <-\n"),
             fieldPath: "ports[0].port", message: "port 0 out of range 1-65535"),
        Case(name: "duplicate slice port names", yaml: slice("addressType: IPv4\nports:\n- {name: a, port: 1}\n- {name: a, port: 2} # <-\n"),
             fieldPath: "ports[1]", message: "duplicate port name \"a\""),
        Case(name: "unknown top-level field of a slice", yaml: slice("addressType: IPv4\nendpoint: [] # <-\n"),
             fieldPath: "endpoint", message: "unknown field \"endpoint\""),
    ]

    @Test(arguments: cases)
    func invalidServiceOrSliceIsReportedAtItsLineAndFieldPath(_ testCase: Case) throws {
        try testCase.expectReported(in: "dir/svc.yaml")
    }
}
