import Foundation

/// How every `/v1` document is written and read: keys sorted so output is
/// stable and diffable, slashes unescaped so `namespace/name` reads as
/// written, dates as ISO 8601.
public enum APIJSON {
    public static func encode<Document: Encodable>(_ document: Document) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return Array(try encoder.encode(document)) + [UInt8(ascii: "\n")]
    }

    public static func decode<Document: Decodable>(_ type: Document.Type, from bytes: [UInt8]) throws -> Document {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(bytes))
    }
}

/// The body of every `/v1` answer that is not a 200.
public struct APIErrorDocument: Codable, Sendable, Equatable {
    public var error: String

    public init(error: String) {
        self.error = error
    }
}
