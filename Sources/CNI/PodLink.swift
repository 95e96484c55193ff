import Model

/// The routed veth of one attachment, with no bridge: the container end (`CNI_IFNAME`)
/// holds the pod's /32 and /128 and a default route via a link-local gateway that the
/// host end answers for; the host end (named by `HostInterfaceName`) holds that gateway
/// and a host route to each pod address.
struct PodLink {
    static let gatewayIPv4 = IPAddress(v4: 169, 254, 1, 1)
    static let gatewayIPv6 = IPAddress(family: .v6, integer: UInt128(0xfe80) << 112 | 1)

    let attachment: CNIAttachment
    /// The pod's netns path.
    let netns: String
    let mtu: Int?

    var hostName: String { HostInterfaceName.make(for: attachment) }

    private var host: IPRoute { IPRoute(netns: nil) }
    private var pod: IPRoute { IPRoute(netns: netns) }

    static func gateway(for family: IPAddress.Family) -> IPAddress {
        family == .v4 ? gatewayIPv4 : gatewayIPv6
    }

    /// Fails (101) when either end's name is taken, before anything is created.
    func ensureNamesAreFree() throws(CNIError) {
        if try host.link(hostName) != nil {
            throw CNIError(.interfaceSetup, "host interface \(hostName) already exists",
                           details: "left by an earlier ADD of \(attachment) that was never deleted")
        }
        if try pod.link(attachment.ifname) != nil {
            throw CNIError(.interfaceSetup, "interface \(attachment.ifname) already exists in \(netns)")
        }
    }

    /// Creates the pair with its container end directly in the pod's netns (it never
    /// appears on the host), then addresses and routes on both ends.
    func create(addresses: [IPAddress]) throws(CNIError) -> (host: IPRoute.Link, pod: IPRoute.Link) {
        let mtuArguments = mtu.map { ["mtu", String($0)] } ?? []
        try host.run(["link", "add", hostName] + mtuArguments + ["type", "veth", "peer", "name", attachment.ifname]
                     + mtuArguments + ["netns", netns])
        let families = Set(addresses.map(\.family))
        var hostCommands = ["link set \(hostName) up"]
        if families.contains(.v4) { hostCommands.append("address add \(Self.gatewayIPv4)/32 dev \(hostName)") }
        if families.contains(.v6) { hostCommands.append("address add \(Self.gatewayIPv6)/64 dev \(hostName) nodad") }
        for address in addresses {
            hostCommands.append("route replace \(InterfaceAddress(host: address)) dev \(hostName)")
        }
        try host.batch(hostCommands)

        let ifname = attachment.ifname
        var podCommands = ["link set \(ifname) up"]
        for address in addresses {
            podCommands.append("address add \(InterfaceAddress(host: address)) dev \(ifname)" + (address.family == .v6 ? " nodad" : ""))
        }
        if families.contains(.v4) {
            podCommands.append("route add \(Self.gatewayIPv4)/32 dev \(ifname) scope link")
            podCommands.append("route add 0.0.0.0/0 via \(Self.gatewayIPv4) dev \(ifname)")
        }
        if families.contains(.v6) {
            podCommands.append("route add ::/0 via \(Self.gatewayIPv6) dev \(ifname)")
        }
        try pod.batch(podCommands)

        guard let hostLink = try host.link(hostName), let podLink = try pod.link(ifname) else {
            throw CNIError(.interfaceSetup, "veth \(hostName)/\(ifname) vanished while being set up")
        }
        return (hostLink, podLink)
    }

    /// Deletes the pair through its host end (the container end goes with it); false
    /// when it was already gone. Needs neither the netns nor any saved state.
    @discardableResult
    static func remove(hostName: String) throws(CNIError) -> Bool {
        let host = IPRoute(netns: nil)
        guard try host.link(hostName) != nil else { return false }
        do {
            try host.run(["link", "delete", hostName])
        } catch {
            // Deleted concurrently (or with its netns) between the look and the delete.
            if try host.link(hostName) == nil { return false }
            throw error
        }
        return true
    }

    /// CHECK: both ends up, the pod's addresses, its default routes and the host routes
    /// as ADD left them. Routes a later plugin added are fine; missing ones are not.
    func verify(addresses: [IPAddress], podMAC: String?) throws(CNIError) {
        guard let hostLink = try host.link(hostName) else {
            throw CNIError(.interfaceSetup, "host interface \(hostName) is missing")
        }
        guard hostLink.isUp else { throw CNIError(.interfaceSetup, "host interface \(hostName) is down") }
        let ifname = attachment.ifname
        guard let podLink = try pod.link(ifname) else {
            throw CNIError(.interfaceSetup, "interface \(ifname) is missing in \(netns)")
        }
        guard podLink.isUp else { throw CNIError(.interfaceSetup, "interface \(ifname) in \(netns) is down") }
        if let podMAC, let actual = podLink.mac, actual.lowercased() != podMAC.lowercased() {
            throw CNIError(.interfaceSetup, "interface \(ifname) has MAC \(actual), the result says \(podMAC)")
        }
        let present = try pod.addresses(on: ifname).map(\.address)
        for address in addresses where !present.contains(address) {
            throw CNIError(.interfaceSetup, "address \(address) is missing on \(ifname) in \(netns)")
        }
        for family in Set(addresses.map(\.family)) {
            let gateway = Self.gateway(for: family)
            let routes = try pod.routes(on: ifname, family: family)
            guard routes.contains(where: { $0.destination == "default" && $0.gateway.flatMap(IPAddress.init) == gateway }) else {
                throw CNIError(.interfaceSetup, "default route via \(gateway) is missing on \(ifname) in \(netns)")
            }
            let hostRoutes = try host.routes(on: hostName, family: family)
            for address in addresses where address.family == family {
                guard hostRoutes.contains(where: { Self.routeMatches($0.destination, host: address) }) else {
                    throw CNIError(.interfaceSetup, "host route to \(address) via \(hostName) is missing")
                }
            }
        }
    }

    /// ip prints a host route as the bare address; accept `/32` and `/128` too.
    private static func routeMatches(_ destination: String, host address: IPAddress) -> Bool {
        if let bare = IPAddress(destination) { return bare == address }
        return InterfaceAddress(destination) == InterfaceAddress(host: address)
    }
}
