import Model

/// iproute2 in one network namespace: the plugin's own (the host side of the pod's
/// veth) or a pod's, entered by path with `nsenter --net=` since `ip -n` takes only
/// names under /run/netns and CNI_NETNS is any path.
struct IPRoute {
    struct Link: Equatable {
        var name: String
        var mac: String?
        var mtu: Int?
        var isUp: Bool
    }

    struct Route: Equatable {
        /// `default` or a prefix, as ip prints it.
        var destination: String
        var gateway: String?
    }

    /// nil: the plugin's own namespace.
    let netns: String?

    private var prefix: [String] { netns.map { ["nsenter", "--net=\($0)", "ip"] } ?? ["ip"] }
    private var place: String { netns.map { "in \($0)" } ?? "on the host" }

    /// `ip ARGS`; a non-zero exit is an interface error (101) with ip's message.
    @discardableResult
    func run(_ arguments: [String], input: String = "") throws(CNIError) -> String {
        let output: Subprocess.Output
        do {
            output = try Subprocess.run(prefix + arguments, input: input)
        } catch {
            throw CNIError(.interfaceSetup, "cannot run ip \(place)", details: error.description)
        }
        guard output.status == 0 else {
            throw CNIError(.interfaceSetup, "ip \(arguments.joined(separator: " ")) \(place) failed",
                           details: output.stderr.trimmingNewlines())
        }
        return output.stdout
    }

    /// `ip -batch -`: the commands run in order and the first failure stops them.
    func batch(_ commands: [String]) throws(CNIError) {
        try run(["-batch", "-"], input: commands.joined(separator: "\n") + "\n")
    }

    /// The link named `name`, nil when there is none.
    func link(_ name: String) throws(CNIError) -> Link? {
        let output: Subprocess.Output
        do {
            output = try Subprocess.run(prefix + ["-j", "link", "show", "dev", name])
        } catch {
            throw CNIError(.interfaceSetup, "cannot run ip \(place)", details: error.description)
        }
        if output.status != 0 {
            if output.stderr.contains("does not exist") { return nil }
            throw CNIError(.interfaceSetup, "ip link show \(name) \(place) failed", details: output.stderr.trimmingNewlines())
        }
        guard let entry = JSONValue.parse(Array(output.stdout.utf8))?.arrayValue?.first else { return nil }
        let flags = entry["flags"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return Link(name: entry["ifname"]?.stringValue ?? name, mac: entry["address"]?.stringValue,
                    mtu: entry["mtu"]?.intValue, isUp: flags.contains("UP"))
    }

    /// The addresses on `device`, link-local ones left out.
    func addresses(on device: String) throws(CNIError) -> [InterfaceAddress] {
        let text = try run(["-j", "address", "show", "dev", device])
        var result: [InterfaceAddress] = []
        for entry in JSONValue.parse(Array(text.utf8))?.arrayValue ?? [] {
            for info in entry["addr_info"]?.arrayValue ?? [] where info["scope"]?.stringValue != "link" {
                guard let local = info["local"]?.stringValue.flatMap({ IPAddress($0) }),
                      let length = info["prefixlen"]?.intValue else { continue }
                result.append(InterfaceAddress(address: local, prefixLength: length))
            }
        }
        return result
    }

    /// The routes through `device` of one family.
    func routes(on device: String, family: IPAddress.Family) throws(CNIError) -> [Route] {
        let text = try run([family == .v4 ? "-4" : "-6", "-j", "route", "show", "dev", device])
        return (JSONValue.parse(Array(text.utf8))?.arrayValue ?? []).compactMap { entry in
            entry["dst"]?.stringValue.map { Route(destination: $0, gateway: entry["gateway"]?.stringValue) }
        }
    }
}

extension String {
    func trimmingNewlines() -> String {
        var text = Substring(self)
        while let last = text.last, last.isNewline || last == " " { text = text.dropLast() }
        return String(text)
    }
}
