/// A subcommand's command line: positional arguments and `--name value` options,
/// checked against the options the subcommand knows.
struct Options {
    private(set) var positionals: [String] = []
    private var values: [String: String] = [:]
    private var flags: Set<String> = []

    init(_ arguments: ArraySlice<String>, valued: Set<String>, flags known: Set<String> = []) throws(ProbeError) {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            guard argument.hasPrefix("--") else {
                positionals.append(argument)
                continue
            }
            let name = String(argument.dropFirst(2))
            if known.contains(name) {
                flags.insert(name)
            } else if valued.contains(name) {
                guard let value = rest.popFirst() else { throw .usage("--\(name) needs a value") }
                values[name] = value
            } else {
                throw .usage("unknown option --\(name)")
            }
        }
    }

    func has(_ flag: String) -> Bool { flags.contains(flag) }

    func string(_ name: String) -> String? { values[name] }

    func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(ProbeError) -> Int {
        guard let text = values[name] else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw .usage("--\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), not '\(text)'")
        }
        return value
    }

    /// `80,81` as ports; absent means none.
    func ports(_ name: String) throws(ProbeError) -> [UInt16] {
        guard let text = values[name] else { return [] }
        var ports: [UInt16] = []
        for item in text.split(separator: ",") {
            guard let port = UInt16(item), port != 0 else { throw .usage("--\(name): not a port: '\(item)'") }
            ports.append(port)
        }
        return ports
    }

    /// Exactly `count` positional arguments, named in `usage` when missing.
    func positionals(count: Int, usage: String) throws(ProbeError) -> [String] {
        guard positionals.count == count else { throw .usage(usage) }
        return positionals
    }
}

/// Parses a port given as a positional argument.
func port(_ text: String) throws(ProbeError) -> UInt16 {
    guard let port = UInt16(text), port != 0 else { throw .usage("not a port: '\(text)'") }
    return port
}
