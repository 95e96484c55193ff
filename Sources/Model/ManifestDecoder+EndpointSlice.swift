extension ManifestDecoder {
    /// Kubernetes' limits on one slice (discovery/v1 validation).
    static let maximumEndpointsPerSlice = 1000
    static let maximumAddressesPerEndpoint = 100
    static let maximumPortsPerSlice = 100

    /// EndpointSlices are read strictly, as Services are.
    static func decodeEndpointSlice(_ object: MappingCursor) throws(ManifestError) -> EndpointSlice {
        try object.rejectUnknownFields(["apiVersion", "kind", "metadata", "addressType", "endpoints", "ports"])
        let metadata = try decodeMetadata(object, nameRule: .dns1123Subdomain, namespaced: true)
        guard let service = metadata.labels[EndpointSlice.serviceNameLabel], !service.isEmpty,
              KubernetesNames.dns1123LabelProblem(service) == nil else {
            let labels = try object.required("metadata").mapping()
            throw labels.location(of: "labels").error(
                "required label \(EndpointSlice.serviceNameLabel) naming a service: Sluice finds a slice's service by it")
        }

        let typeNode = try object.required("addressType")
        if try typeNode.string() == "FQDN" {
            throw typeNode.error("unsupported value \"FQDN\": Sluice balances to addresses only (IPv4, IPv6)")
        }
        let addressType = try decodeEnum(typeNode, EndpointSlice.AddressType.self)

        let endpointNodes = try object.list("endpoints")
        if endpointNodes.count > maximumEndpointsPerSlice {
            throw object.location(of: "endpoints").error("must have at most \(maximumEndpointsPerSlice) items")
        }
        var endpoints: [Endpoint] = []
        for node in endpointNodes {
            endpoints.append(try decodeEndpoint(node, addressType: addressType))
        }

        let portNodes = try object.list("ports")
        if portNodes.count > maximumPortsPerSlice {
            throw object.location(of: "ports").error("must have at most \(maximumPortsPerSlice) items")
        }
        var ports: [EndpointPort] = []
        var names: Set<String> = []
        for node in portNodes {
            let port = try decodeEndpointPort(node)
            guard names.insert(port.name).inserted else { throw node.error("duplicate port name \"\(port.name)\"") }
            ports.append(port)
        }
        return EndpointSlice(metadata: metadata, addressType: addressType, endpoints: endpoints, ports: ports)
    }

    private static func decodeEndpoint(_ node: NodeCursor, addressType: EndpointSlice.AddressType) throws(ManifestError) -> Endpoint {
        let endpoint = try node.mapping()
        try endpoint.rejectUnknownFields([
            "addresses", "conditions", "hostname", "targetRef", "nodeName", "zone", "hints", "deprecatedTopology",
        ])
        let addressNodes = try endpoint.list("addresses")
        guard (1...maximumAddressesPerEndpoint).contains(addressNodes.count) else {
            throw endpoint.location(of: "addresses").error(addressNodes.isEmpty
                ? "required value: at least one address"
                : "must have at most \(maximumAddressesPerEndpoint) items")
        }
        var addresses: [IPAddress] = []
        for addressNode in addressNodes {
            let text = try addressNode.string()
            let address: IPAddress
            do {
                address = try IPAddress(parsing: text)
            } catch {
                throw addressNode.error(error.description)
            }
            guard address.family == addressType.family else {
                throw addressNode.error("\(address) is not an \(addressType.rawValue) address (the slice's addressType)")
            }
            addresses.append(address)
        }

        var conditions = EndpointConditions()
        if let conditionsNode = endpoint.field("conditions") {
            let mapping = try conditionsNode.mapping()
            try mapping.rejectUnknownFields(["ready", "serving", "terminating"])
            conditions.ready = try mapping.field("ready")?.bool()
            conditions.serving = try mapping.field("serving")?.bool()
            conditions.terminating = try mapping.field("terminating")?.bool()
        }

        var targetPod: String?
        if let refNode = endpoint.field("targetRef") {
            let ref = try refNode.mapping()
            try ref.rejectUnknownFields(["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"])
            if try ref.string("kind") == "Pod" { targetPod = try ref.string("name") }
        }
        var nodeName: String?
        if let nodeNameNode = endpoint.field("nodeName") {
            let value = try nodeNameNode.string()
            if let problem = KubernetesNames.dns1123SubdomainProblem(value) {
                throw nodeNameNode.error("\"\(value)\": \(problem)")
            }
            nodeName = value
        }
        for field in ["hostname", "zone"] {
            if let value = endpoint.field(field) { _ = try value.string() }
        }
        return Endpoint(addresses: addresses, conditions: conditions, targetPod: targetPod, nodeName: nodeName)
    }

    private static func decodeEndpointPort(_ node: NodeCursor) throws(ManifestError) -> EndpointPort {
        let entry = try node.mapping()
        try entry.rejectUnknownFields(["name", "protocol", "port", "appProtocol"])
        var name = ""
        if let nameNode = entry.field("name") {
            name = try nameNode.string()
            if !name.isEmpty, let problem = KubernetesNames.dns1123LabelProblem(name) {
                throw nameNode.error("\"\(name)\": \(problem)")
            }
        }
        if let appProtocol = entry.field("appProtocol") { _ = try appProtocol.string() }
        let proto = try decodeProtocol(entry)
        let port = try entry.field("port").map { node throws(ManifestError) in try node.port("port") }
        return EndpointPort(name: name, protocol: proto, port: port)
    }
}
