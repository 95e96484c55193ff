import Yams

extension ManifestDecoder {
    /// NetworkPolicy is read strictly: an unknown field anywhere in it is an error, because a
    /// field silently ignored changes what traffic is allowed.
    static func decodeNetworkPolicy(_ object: MappingCursor) throws(ManifestError) -> NetworkPolicy {
        try object.rejectUnknownFields(["apiVersion", "kind", "metadata", "spec", "status"])
        let metadata = try decodeMetadata(object, nameRule: .dns1123Subdomain, namespaced: true)
        guard let specNode = object.field("spec") else {
            // Kubernetes accepts it: the empty spec isolates every pod of the namespace for ingress.
            return NetworkPolicy(metadata: metadata)
        }
        let spec = try specNode.mapping()
        try spec.rejectUnknownFields(["podSelector", "policyTypes", "ingress", "egress"])

        let podSelector = try spec.field("podSelector").map(decodeLabelSelector) ?? .everything

        let policyTypeNodes = try spec.list("policyTypes")
        if policyTypeNodes.count > 2 {
            throw spec.location(of: "policyTypes").error("may not specify more than two policyTypes")
        }
        var policyTypes: [PolicyType] = []
        for node in policyTypeNodes {
            policyTypes.append(try decodeEnum(node, PolicyType.self))
        }

        var ingress: [NetworkPolicyIngressRule] = []
        for node in try spec.list("ingress") {
            let rule = try node.mapping()
            try rule.rejectUnknownFields(["from", "ports"])
            ingress.append(NetworkPolicyIngressRule(from: try decodePeers(rule.list("from")), ports: try decodePorts(rule.list("ports"))))
        }
        var egress: [NetworkPolicyEgressRule] = []
        for node in try spec.list("egress") {
            let rule = try node.mapping()
            try rule.rejectUnknownFields(["to", "ports"])
            egress.append(NetworkPolicyEgressRule(to: try decodePeers(rule.list("to")), ports: try decodePorts(rule.list("ports"))))
        }
        return NetworkPolicy(
            metadata: metadata,
            spec: NetworkPolicySpec(podSelector: podSelector, policyTypes: policyTypes, ingress: ingress, egress: egress)
        )
    }

    private static func decodePeers(_ nodes: [NodeCursor]) throws(ManifestError) -> [NetworkPolicyPeer] {
        var peers: [NetworkPolicyPeer] = []
        for node in nodes {
            let peer = try node.mapping()
            try peer.rejectUnknownFields(["podSelector", "namespaceSelector", "ipBlock"])
            let podSelector = try peer.field("podSelector").map(decodeLabelSelector)
            let namespaceSelector = try peer.field("namespaceSelector").map(decodeLabelSelector)
            let ipBlock = try peer.field("ipBlock").map(decodeIPBlock)
            if podSelector == nil && namespaceSelector == nil && ipBlock == nil {
                throw node.error("must specify a peer: podSelector, namespaceSelector or ipBlock")
            }
            if ipBlock != nil && (podSelector != nil || namespaceSelector != nil) {
                throw node.error("may not specify both ipBlock and another peer")
            }
            peers.append(NetworkPolicyPeer(podSelector: podSelector, namespaceSelector: namespaceSelector, ipBlock: ipBlock))
        }
        return peers
    }

    private static func decodeIPBlock(_ node: NodeCursor) throws(ManifestError) -> IPBlock {
        let block = try node.mapping()
        try block.rejectUnknownFields(["cidr", "except"])
        let cidr = try decodeCIDR(block.required("cidr"))
        var except: [CIDR] = []
        for exceptNode in try block.list("except") {
            let inner = try decodeCIDR(exceptNode)
            guard cidr.strictlyContains(inner) else {
                throw exceptNode.error("\(inner) must be a strict subset of cidr \(cidr)")
            }
            except.append(inner)
        }
        return IPBlock(cidr: cidr, except: except)
    }

    private static func decodeCIDR(_ node: NodeCursor) throws(ManifestError) -> CIDR {
        let text = try node.string()
        do {
            return try CIDR(parsing: text)
        } catch {
            throw node.error(error.description)
        }
    }

    private static func decodePorts(_ nodes: [NodeCursor]) throws(ManifestError) -> [NetworkPolicyPort] {
        var ports: [NetworkPolicyPort] = []
        for node in nodes {
            let entry = try node.mapping()
            try entry.rejectUnknownFields(["protocol", "port", "endPort"])
            let proto = try decodeProtocol(entry)
            let port = try entry.field("port").map(decodePortValue)
            var endPort: UInt16?
            if let endNode = entry.field("endPort") {
                let end = try endNode.port("endPort")
                switch port {
                case nil:
                    throw endNode.error("may not be specified when port is not specified")
                case .name:
                    throw endNode.error("may not be specified when port is a named port")
                case .number(let first) where end < first:
                    throw endNode.error("endPort \(end) must be greater than or equal to port \(first)")
                case .number:
                    endPort = end
                }
            }
            ports.append(NetworkPolicyPort(protocol: proto, port: port, endPort: endPort))
        }
        return ports
    }

    /// Kubernetes `IntOrString`: a plain YAML/JSON number is a port number, a string (quoted or
    /// not) a port name, so `"80"` is a (bad) name, as the API server reads it.
    private static func decodePortValue(_ node: NodeCursor) throws(ManifestError) -> NetworkPolicyPort.Port {
        if let text = node.plainText {
            if NodeCursor.isDecimalInteger(text) { return .number(try node.port("port")) }
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
}
