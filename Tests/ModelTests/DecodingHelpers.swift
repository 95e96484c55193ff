import Testing
@testable import Model

/// Decodes `text` as the file `file`.
func decode(_ text: String, file: String = "test.yaml") throws(ManifestError) -> [Manifest] {
    try ManifestDecoder.decode(contents: text, file: file)
}

/// The error decoding `text` throws, or nil when it decodes.
func decodingError(_ text: String, file: String = "test.yaml") -> ManifestError? {
    do {
        _ = try ManifestDecoder.decode(contents: text, file: file)
        return nil
    } catch {
        return error
    }
}

/// The 1-based line of the first line in `text` that ends with the `# <-` marker.
func markedLine(_ text: String) -> Int? {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    return lines.firstIndex { $0.hasSuffix("# <-") }.map { $0 + 1 }
}

/// A manifest that must fail validation at the line marked `# <-`, with this field path and message.
struct ValidationCase: Sendable, CustomTestStringConvertible {
    var name: String
    var yaml: String
    var fieldPath: String
    var message: String
    var testDescription: String { name }

    /// Decodes the fixture as `file` and checks the error's file, line, field path and message.
    func expectReported(in file: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let line = try #require(markedLine(yaml), "fixture lacks a # <- marker", sourceLocation: sourceLocation)
        let error = try #require(decodingError(yaml, file: file), sourceLocation: sourceLocation)
        #expect(error.file == file, sourceLocation: sourceLocation)
        #expect(error.line == line, "\(error)", sourceLocation: sourceLocation)
        #expect(error.fieldPath == fieldPath, "\(error)", sourceLocation: sourceLocation)
        #expect(error.message.contains(message), "message: \(error.message)", sourceLocation: sourceLocation)
        #expect(error.description.hasPrefix("\(file):\(line): "), sourceLocation: sourceLocation)
    }
}

extension Manifest {
    var networkPolicy: NetworkPolicy? {
        if case .networkPolicy(let policy, _) = self { return policy }
        return nil
    }

    var pod: Pod? {
        if case .pod(let pod, _) = self { return pod }
        return nil
    }

    var namespace: Namespace? {
        if case .namespace(let namespace, _) = self { return namespace }
        return nil
    }
}

/// Parses an address a test relies on; a typo in the test fails it with the reason.
func ip(_ text: String) throws -> IPAddress {
    try IPAddress(parsing: text)
}

/// Parses a CIDR a test relies on; a typo in the test fails it with the reason.
func cidr(_ text: String) throws -> CIDR {
    try CIDR(parsing: text)
}
