extension ManifestDecoder {
    /// Pods are read leniently: only the fields below are looked at, the many others that real
    /// manifests carry are ignored.
    static func decodePod(_ object: MappingCursor) throws(ManifestError) -> Pod {
        let metadata = try decodeMetadata(object, nameRule: .dns1123Subdomain, namespaced: true)
        let spec = try object.field("spec").map { node throws(ManifestError) in try decodePodSpec(node.mapping()) }
        let status = try object.field("status").map { node throws(ManifestError) in try decodePodStatus(node.mapping()) }
        return Pod(metadata: metadata, spec: spec ?? PodSpec(), status: status ?? PodStatus())
    }

    private static func decodePodSpec(_ spec: MappingCursor) throws(ManifestError) -> PodSpec {
        var nodeName: String?
        if let node = spec.field("nodeName") {
            let value = try node.string()
            if let problem = KubernetesNames.dns1123SubdomainProblem(value) { throw node.error("\"\(value)\": \(problem)") }
            nodeName = value
        }
        let hostNetwork = try spec.field("hostNetwork")?.bool() ?? false

        var containers: [Container] = []
        var containerNames: Set<String> = []
        for node in try spec.list("containers") {
            let container = try decodeContainer(node.mapping())
            guard containerNames.insert(container.name).inserted else {
                throw node.error("duplicate container name \"\(container.name)\"")
            }
            containers.append(container)
        }
        return PodSpec(nodeName: nodeName, hostNetwork: hostNetwork, containers: containers)
    }

    private static func decodeContainer(_ container: MappingCursor) throws(ManifestError) -> Container {
        let nameNode = try container.required("name")
        let name = try nameNode.string()
        if let problem = KubernetesNames.dns1123LabelProblem(name) { throw nameNode.error("\"\(name)\": \(problem)") }

        var ports: [ContainerPort] = []
        var portNames: Set<String> = []
        for node in try container.list("ports") {
            let port = try node.mapping()
            var portName: String?
            if let nameNode = port.field("name") {
                let value = try nameNode.string()
                if let problem = KubernetesNames.portNameProblem(value) { throw nameNode.error("\"\(value)\": \(problem)") }
                guard portNames.insert(value).inserted else { throw nameNode.error("duplicate port name \"\(value)\"") }
                portName = value
            }
            let number = try port.required("containerPort").port("containerPort")
            let proto = try decodeProtocol(port)
            ports.append(ContainerPort(name: portName, containerPort: number, protocol: proto))
        }
        return Container(name: name, ports: ports)
    }

    private static func decodePodStatus(_ status: MappingCursor) throws(ManifestError) -> PodStatus {
        var phase: PodStatus.Phase?
        if let node = status.field("phase") {
            phase = try decodeEnum(node, PodStatus.Phase.self)
        }

        var podIP: IPAddress?
        if let node = status.field("podIP") {
            podIP = try decodeAddress(node)
        }

        var podIPs: [IPAddress] = []
        let podIPNodes = try status.list("podIPs")
        for node in podIPNodes {
            let address = try decodeAddress(node.mapping().required("ip"))
            if podIPs.contains(where: { $0.family == address.family }) {
                throw node.error("may specify no more than one IP for each IP family (\(address) repeats \(address.family))")
            }
            podIPs.append(address)
        }
        if let podIP, let first = podIPs.first, podIP != first, let node = status.field("podIP") {
            throw node.error("\(podIP) must equal podIPs[0] (\(first))")
        }

        var conditions: [PodCondition] = []
        for node in try status.list("conditions") {
            let condition = try node.mapping()
            let type = try condition.required("type").string()
            let value = try decodeEnum(condition.required("status"), PodCondition.Status.self)
            conditions.append(PodCondition(type: type, status: value))
        }
        return PodStatus(phase: phase, podIP: podIP, podIPs: podIPs, conditions: conditions)
    }

    private static func decodeAddress(_ node: NodeCursor) throws(ManifestError) -> IPAddress {
        let text = try node.string()
        do {
            return try IPAddress(parsing: text)
        } catch {
            throw node.error(error.description)
        }
    }

    /// A string that must be one of an enum's raw values: `Unsupported value: "X": supported values: ...`.
    static func decodeEnum<E: RawRepresentable & CaseIterable>(_ node: NodeCursor, _ type: E.Type) throws(ManifestError) -> E
    where E.RawValue == String {
        let text = try node.string()
        guard let value = E(rawValue: text) else {
            let supported = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw node.error("unsupported value \"\(text)\": supported values: \(supported)")
        }
        return value
    }

    /// `protocol`, TCP when absent.
    static func decodeProtocol(_ mapping: MappingCursor) throws(ManifestError) -> TransportProtocol {
        try mapping.field("protocol").map { node throws(ManifestError) in try decodeEnum(node, TransportProtocol.self) } ?? .tcp
    }
}
