import Model

/// What ADD returns and CHECK receives back as `prevResult`: interfaces, addresses,
/// routes and DNS, written in the shape of the configuration's version.
public struct CNIResult: Sendable, Equatable {
    public struct Interface: Sendable, Equatable {
        public var name: String
        public var mac: String?
        public var mtu: Int?
        /// The netns path for the container's interface; nil for the host's.
        public var sandbox: String?

        public init(name: String, mac: String? = nil, mtu: Int? = nil, sandbox: String? = nil) {
            self.name = name
            self.mac = mac
            self.mtu = mtu
            self.sandbox = sandbox
        }
    }

    public struct IPConfig: Sendable, Equatable {
        public var address: InterfaceAddress
        public var gateway: IPAddress?
        /// Index into `interfaces`.
        public var interface: Int?

        public init(address: InterfaceAddress, gateway: IPAddress? = nil, interface: Int? = nil) {
            self.address = address
            self.gateway = gateway
            self.interface = interface
        }
    }

    public struct Route: Sendable, Equatable {
        public var destination: CIDR
        public var gateway: IPAddress?

        public init(destination: CIDR, gateway: IPAddress? = nil) {
            self.destination = destination
            self.gateway = gateway
        }
    }

    public var interfaces: [Interface] = []
    public var ips: [IPConfig] = []
    public var routes: [Route] = []
    /// Passed through from the configuration's `dns`.
    public var dns: JSONValue?

    public init(interfaces: [Interface] = [], ips: [IPConfig] = [], routes: [Route] = [], dns: JSONValue? = nil) {
        self.interfaces = interfaces
        self.ips = ips
        self.routes = routes
        self.dns = dns
    }

    /// The result as `version` writes it: before 1.0.0 every address carries `version`
    /// ("4"/"6"); interface `mtu` exists from 1.1.0 on.
    public func json(version: CNIVersion) -> JSONValue {
        let interfaceObjects = interfaces.map { interface -> JSONValue in
            var object: [String: JSONValue] = ["name": .string(interface.name)]
            if let mac = interface.mac { object["mac"] = .string(mac) }
            if let mtu = interface.mtu, version >= CNIVersion(1, 1, 0) { object["mtu"] = .number(Double(mtu)) }
            if let sandbox = interface.sandbox { object["sandbox"] = .string(sandbox) }
            return .object(object)
        }
        let ipObjects = ips.map { ip -> JSONValue in
            var object: [String: JSONValue] = ["address": .string(ip.address.description)]
            if version < CNIVersion.unversionedAddresses {
                object["version"] = .string(ip.address.address.family == .v4 ? "4" : "6")
            }
            if let gateway = ip.gateway { object["gateway"] = .string(gateway.description) }
            if let interface = ip.interface { object["interface"] = .number(Double(interface)) }
            return .object(object)
        }
        let routeObjects = routes.map { route -> JSONValue in
            var object: [String: JSONValue] = ["dst": .string(route.destination.description)]
            if let gateway = route.gateway { object["gw"] = .string(gateway.description) }
            return .object(object)
        }
        var object: [String: JSONValue] = [
            "cniVersion": .string(version.description),
            "interfaces": .array(interfaceObjects),
            "ips": .array(ipObjects),
            "routes": .array(routeObjects),
        ]
        object["dns"] = dns ?? .object([:])
        return .object(object)
    }
}

extension CNIResult {
    /// Reads a `prevResult` of any supported version; fields Sluice does not check are ignored.
    init(field: ConfigField) throws(CNIError) {
        for interfaceField in try field.optional("interfaces")?.elements() ?? [] {
            interfaces.append(Interface(
                name: try interfaceField.required("name").nonEmptyString(),
                mac: try interfaceField.optional("mac")?.string(),
                mtu: try interfaceField.optional("mtu")?.integer(in: 0...65535),
                sandbox: try interfaceField.optional("sandbox")?.string()))
        }
        for ipField in try field.optional("ips")?.elements() ?? [] {
            let addressField = try ipField.required("address")
            guard let address = InterfaceAddress(try addressField.string()) else {
                throw addressField.invalid("must be an address with a prefix length")
            }
            var gateway: IPAddress?
            if let gatewayField = try ipField.optional("gateway") {
                guard let parsed = IPAddress(try gatewayField.string()) else { throw gatewayField.invalid("must be an address") }
                gateway = parsed
            }
            let interface = try ipField.optional("interface")?.integer(in: 0...(max(interfaces.count - 1, 0)))
            ips.append(IPConfig(address: address, gateway: gateway, interface: interface))
        }
        for routeField in try field.optional("routes")?.elements() ?? [] {
            // Host bits allowed, as other plugins (and Go's ParseCIDR) write them.
            let destinationField = try routeField.required("dst")
            guard let written = InterfaceAddress(try destinationField.string()),
                  let destination = CIDR(address: written.address, prefixLength: written.prefixLength) else {
                throw destinationField.invalid("must be a prefix")
            }
            var gateway: IPAddress?
            if let gatewayField = try routeField.optional("gw") {
                guard let parsed = IPAddress(try gatewayField.string()) else { throw gatewayField.invalid("must be an address") }
                gateway = parsed
            }
            routes.append(Route(destination: destination, gateway: gateway))
        }
        dns = try field.optional("dns")?.value
    }
}
