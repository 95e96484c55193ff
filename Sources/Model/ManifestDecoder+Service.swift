import Yams

extension ManifestDecoder {
    /// Fields of a real Service spec that Sluice reads or that change nothing it does.
    private static let serviceSpecFields = [
        "type", "clusterIP", "clusterIPs", "ports", "selector", "sessionAffinity", "sessionAffinityConfig",
        "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy", "externalTrafficPolicy",
        "publishNotReadyAddresses",
    ]

    /// NodePort range of a default API server (`--service-node-port-range`).
    static let nodePortRange: ClosedRange<Int> = 30000...32767

    /// Services are read strictly: an unknown spec field is an error, and so is a known one
    /// that would change traffic in a way Sluice does not implement.
    static func decodeService(_ object: MappingCursor) throws(ManifestError) -> Service {
        try object.rejectUnknownFields(["apiVersion", "kind", "metadata", "spec", "status"])
        let metadata = try decodeMetadata(object, nameRule: .dns1123Label, namespaced: true)
        // Service names are RFC 1035 labels: they become DNS names, so no leading digit.
        if let first = metadata.name.utf8.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first),
           let nameNode = try object.required("metadata").mapping().field("name") {
            throw nameNode.error("\"\(metadata.name)\": a DNS-1035 label must start with an alphabetic character")
        }
        let spec = try object.required("spec").mapping()
        try rejectUnsupportedServiceFields(spec)
        try spec.rejectUnknownFields(serviceSpecFields)

        let type = try spec.field("type").map { node throws(ManifestError) in try decodeServiceType(node) } ?? .clusterIP
        let clusterIPs = try decodeClusterIPs(spec)
        // A headless service has no address for a node port to lead to.
        if type == .nodePort && clusterIPs.isEmpty {
            throw spec.location(of: spec.field("clusterIP") != nil ? "clusterIP" : "clusterIPs")
                .error("may not be \"None\" when type is NodePort")
        }
        for (field, allowed) in [("internalTrafficPolicy", "Cluster"), ("externalTrafficPolicy", "Cluster")] {
            guard let node = spec.field(field) else { continue }
            let value = try node.string()
            guard value == allowed else {
                throw node.error("unsupported value \"\(value)\": Sluice implements only \"\(allowed)\"")
            }
        }
        if let node = spec.field("externalTrafficPolicy"), type != .nodePort {
            throw node.error("may only be set when type is NodePort")
        }
        try decodeIPFamilies(spec, clusterIPs: clusterIPs)

        let portNodes = try spec.list("ports")
        if portNodes.isEmpty && !clusterIPs.isEmpty {
            throw spec.location(of: "ports").error("required value")
        }
        var ports: [ServicePort] = []
        for node in portNodes {
            ports.append(try decodeServicePort(node, type: type, isOnlyPort: portNodes.count == 1))
        }
        try checkServicePortsUnique(ports, nodes: portNodes)

        var selector: [String: String] = [:]
        for (key, value, cursor) in try spec.stringMap("selector") {
            try validateLabel(key: key, value: value, at: cursor)
            selector[key] = value
        }

        return Service(metadata: metadata, spec: ServiceSpec(
            type: type, clusterIPs: clusterIPs, ports: ports, selector: selector.isEmpty ? nil : selector,
            sessionAffinity: try decodeSessionAffinity(spec),
            publishNotReadyAddresses: try spec.field("publishNotReadyAddresses")?.bool() ?? false))
    }

    /// Known Service fields that Sluice does not implement, with what to do instead.
    private static func rejectUnsupportedServiceFields(_ spec: MappingCursor) throws(ManifestError) {
        let unsupported = [
            "externalIPs", "externalName", "loadBalancerIP", "loadBalancerSourceRanges", "loadBalancerClass",
            "allocateLoadBalancerNodePorts", "healthCheckNodePort", "trafficDistribution",
        ]
        for entry in spec.entries where unsupported.contains(entry.name) && !spec.value(of: entry).isNull {
            // An empty list is what some exporters write for "not set".
            if spec.value(of: entry).isEmptySequence { continue }
            throw spec.key(of: entry).error("not supported by Sluice (ClusterIP and NodePort services only)")
        }
    }

    private static func decodeServiceType(_ node: NodeCursor) throws(ManifestError) -> ServiceSpec.ServiceType {
        let text = try node.string()
        if text == "LoadBalancer" || text == "ExternalName" {
            throw node.error("unsupported value \"\(text)\": Sluice balances ClusterIP and NodePort services only")
        }
        return try decodeEnum(node, ServiceSpec.ServiceType.self)
    }

    /// `clusterIP` and `clusterIPs` as the API server checks them; required, because Sluice
    /// has no allocator. `None` (headless) gives no addresses.
    private static func decodeClusterIPs(_ spec: MappingCursor) throws(ManifestError) -> [IPAddress] {
        let single = try spec.field("clusterIP").map { node throws(ManifestError) in (try node.string(), node) }
        var list: [(String, NodeCursor)] = []
        for node in try spec.list("clusterIPs") {
            list.append((try node.string(), node))
        }
        if single == nil && list.isEmpty {
            throw spec.missing("clusterIP").with(message:
                "required value: Sluice does not allocate cluster IPs; write the address (or \"None\" for a headless service)")
        }
        if let single, let first = list.first, single.0 != first.0 {
            throw first.1.error("\"\(first.0)\" must equal clusterIP (\"\(single.0)\")")
        }
        let texts = list.isEmpty ? [single].compactMap { $0 } : list
        if texts.count > 2 {
            throw spec.location(of: "clusterIPs").error("may not have more than two entries (one per IP family)")
        }
        if texts.contains(where: { $0.0 == "None" }) {
            guard texts.count == 1 else {
                throw spec.location(of: "clusterIPs").error("\"None\" must be the only entry")
            }
            return []
        }
        var addresses: [IPAddress] = []
        for (text, node) in texts {
            let address: IPAddress
            do {
                address = try IPAddress(parsing: text)
            } catch {
                throw node.error(error.description)
            }
            if addresses.contains(where: { $0.family == address.family }) {
                throw node.error("may specify no more than one IP for each IP family (\(address) repeats \(address.family))")
            }
            addresses.append(address)
        }
        return addresses
    }

    /// `ipFamilies` must name the families of the cluster IPs, in their order, each once; a
    /// single-stack service has one of each.
    private static func decodeIPFamilies(_ spec: MappingCursor, clusterIPs: [IPAddress]) throws(ManifestError) {
        var singleStack = false
        if let node = spec.field("ipFamilyPolicy") {
            let value = try node.string()
            guard ["SingleStack", "PreferDualStack", "RequireDualStack"].contains(value) else {
                throw node.error("unsupported value \"\(value)\": supported values: \"SingleStack\", \"PreferDualStack\", \"RequireDualStack\"")
            }
            singleStack = value == "SingleStack"
        }
        if singleStack && clusterIPs.count > 1 {
            throw spec.location(of: "clusterIPs").error("may have only one entry when ipFamilyPolicy is SingleStack")
        }
        let nodes = try spec.list("ipFamilies")
        if nodes.count > (singleStack ? 1 : 2) {
            throw spec.location(of: "ipFamilies").error(singleStack
                ? "may have only one entry when ipFamilyPolicy is SingleStack" : "may have at most two entries")
        }
        var seen: [String] = []
        for (index, node) in nodes.enumerated() {
            let value = try node.string()
            guard value == "IPv4" || value == "IPv6" else {
                throw node.error("unsupported value \"\(value)\": supported values: \"IPv4\", \"IPv6\"")
            }
            guard !seen.contains(value) else { throw node.error("duplicate value \"\(value)\"") }
            seen.append(value)
            if index < clusterIPs.count, clusterIPs[index].family.description != value {
                throw node.error("\(value) does not match clusterIPs[\(index)] (\(clusterIPs[index]))")
            }
        }
    }

    private static func decodeServicePort(_ node: NodeCursor, type: ServiceSpec.ServiceType,
                                          isOnlyPort: Bool) throws(ManifestError) -> ServicePort {
        let entry = try node.mapping()
        try entry.rejectUnknownFields(["name", "protocol", "appProtocol", "port", "targetPort", "nodePort"])
        var name: String?
        if let nameNode = entry.field("name") {
            let value = try nameNode.string()
            if !value.isEmpty {
                if let problem = KubernetesNames.dns1123LabelProblem(value) {
                    throw nameNode.error("\"\(value)\": \(problem)")
                }
                name = value
            }
        }
        if name == nil && !isOnlyPort {
            throw entry.location(of: "name").error("required value: every port needs a name when there are several")
        }
        if let appProtocol = entry.field("appProtocol") { _ = try appProtocol.string() }
        let proto = try decodeProtocol(entry)
        guard proto != .sctp else {
            throw entry.location(of: "protocol").error("unsupported value \"SCTP\": Sluice balances TCP and UDP only")
        }
        let port = try entry.required("port").port("port")
        let targetPort = try entry.field("targetPort").map(decodeTargetPort)
        var nodePort: UInt16?
        if let nodePortNode = entry.field("nodePort") {
            guard type == .nodePort else {
                throw nodePortNode.error("may not be used when type is ClusterIP")
            }
            let value = try nodePortNode.integer()
            guard nodePortRange.contains(value) else {
                throw nodePortNode.error(
                    "nodePort \(value) out of range \(nodePortRange.lowerBound)-\(nodePortRange.upperBound)")
            }
            nodePort = UInt16(value)
        } else if type == .nodePort {
            throw entry.location(of: "nodePort").error(
                "required value: Sluice does not allocate node ports; write one in \(nodePortRange.lowerBound)-\(nodePortRange.upperBound)")
        }
        return ServicePort(name: name, protocol: proto, port: port, targetPort: targetPort, nodePort: nodePort)
    }

    /// Kubernetes `IntOrString` as the API server reads it: a plain number is a port, a
    /// string (quoted or not) a container port name.
    private static func decodeTargetPort(_ node: NodeCursor) throws(ManifestError) -> ServicePort.TargetPort {
        if let text = node.plainText {
            if NodeCursor.isDecimalInteger(text) { return .number(try node.port("targetPort")) }
            guard node.tag == Tag.Name.str.rawValue else {
                throw node.error("expected a decimal port number or a port name, got \(node.shape)")
            }
        }
        let name = try node.string()
        if let problem = KubernetesNames.portNameProblem(name) {
            throw node.error("invalid port name \"\(name)\": \(problem)")
        }
        return .name(name)
    }

    private static func checkServicePortsUnique(_ ports: [ServicePort], nodes: [NodeCursor]) throws(ManifestError) {
        var names: Set<String> = []
        var numbers: Set<String> = []
        var nodePorts: Set<String> = []
        for (port, node) in zip(ports, nodes) {
            if let name = port.name, !names.insert(name).inserted {
                throw node.error("duplicate port name \"\(name)\"")
            }
            if !numbers.insert("\(port.port)/\(port.protocol.rawValue)").inserted {
                throw node.error("duplicate port \(port.port)/\(port.protocol.rawValue)")
            }
            if let nodePort = port.nodePort, !nodePorts.insert("\(nodePort)/\(port.protocol.rawValue)").inserted {
                throw node.error("duplicate nodePort \(nodePort)/\(port.protocol.rawValue)")
            }
        }
    }

    private static func decodeSessionAffinity(_ spec: MappingCursor) throws(ManifestError) -> SessionAffinity {
        let kind = try spec.field("sessionAffinity").map { node throws(ManifestError) in try node.string() } ?? "None"
        guard kind == "None" || kind == "ClientIP" else {
            throw spec.location(of: "sessionAffinity").error(
                "unsupported value \"\(kind)\": supported values: \"ClientIP\", \"None\"")
        }
        guard let configNode = spec.field("sessionAffinityConfig") else {
            return kind == "None" ? .none : .clientIP(timeoutSeconds: SessionAffinity.defaultTimeoutSeconds)
        }
        guard kind == "ClientIP" else {
            throw configNode.error("must not be set when sessionAffinity is None")
        }
        let config = try configNode.mapping()
        try config.rejectUnknownFields(["clientIP"])
        guard let clientNode = config.field("clientIP") else {
            return .clientIP(timeoutSeconds: SessionAffinity.defaultTimeoutSeconds)
        }
        let client = try clientNode.mapping()
        try client.rejectUnknownFields(["timeoutSeconds"])
        guard let timeoutNode = client.field("timeoutSeconds") else {
            return .clientIP(timeoutSeconds: SessionAffinity.defaultTimeoutSeconds)
        }
        let timeout = try timeoutNode.integer()
        guard (1...Int(SessionAffinity.maximumTimeoutSeconds)).contains(timeout) else {
            throw timeoutNode.error("timeoutSeconds \(timeout) out of range 1-\(SessionAffinity.maximumTimeoutSeconds)")
        }
        return .clientIP(timeoutSeconds: UInt32(timeout))
    }
}
