/// An HTTP response fetched with `sluice-probe http-get`.
public struct HTTPResult: Sendable, Equatable {
    public let status: Int
    public let body: String
}
