import Glibc

// sluice-probe: the traffic end of Sluice's tests and demo, run inside pod
// namespaces through `nsenter --net=/run/netns/POD sluice-probe ...`.
// Exit status: 0 answered, 1 refused or reset, 2 timed out, 3 other network
// error, 4 HTTP error status, 64 usage; `matrix` exits 0 once every target has
// its line, whatever the lines say.

let usage = """
    usage:
      \(Server.usage)
      \(StreamProbe.usage)
      \(SessionProbe.usage)
      \(DatagramProbe.usage)
      \(HTTPGet.usage)
      \(MatrixProbe.usage)
    """

func printLine(_ text: String) {
    let bytes = Array((text.hasSuffix("\n") ? text : text + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
}

func writeOut(_ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        guard written > 0 else { return }
        offset += written
    }
}

func printError(_ text: String) {
    let bytes = Array((text.hasSuffix("\n") ? text : text + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

/// Runs a subcommand; what it returns is printed as a line, nil when it printed its own output.
func runCommand(_ arguments: [String]) throws(ProbeError) -> String? {
    guard let command = arguments.first else { throw .usage(usage) }
    let rest = arguments.dropFirst()
    switch command {
    case "serve": try Server.run(rest)
    case "tcp": return try StreamProbe.run(rest)
    case "session":
        try SessionProbe.run(rest)
        return nil
    case "udp": return try DatagramProbe.run(rest)
    case "http-get":
        try HTTPGet.run(rest)
        return nil
    case "matrix":
        try MatrixProbe.run(rest)
        return nil
    case "help", "--help", "-h":
        return usage
    default: throw .usage("unknown command '\(command)'\n\(usage)")
    }
}

signal(SIGPIPE, SIG_IGN)
do {
    if let output = try runCommand(Array(CommandLine.arguments.dropFirst())) {
        printLine(output)
    }
    exit(0)
} catch {
    printError(error.description)
    exit(error.exitCode)
}
