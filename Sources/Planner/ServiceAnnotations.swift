/// Annotations the service planner reads.
public enum ServiceAnnotations {
    /// On a backend pod (or on an EndpointSlice, for all its endpoints that name no known
    /// pod): the backend's relative share of new connections, an integer 0 ... 1000,
    /// default 1. 0 keeps the backend's established connections but sends it no new ones.
    public static let weight = "sluice.dev/weight"

    public static let defaultWeight: UInt32 = 1
    public static let maximumWeight: UInt32 = 1000

    /// The weight an annotation map gives, or the reason it is unusable.
    static func weight(in annotations: [String: String]) -> Result<UInt32, WeightProblem>? {
        guard let text = annotations[weight] else { return nil }
        guard let value = UInt32(text), value <= maximumWeight else {
            return .failure(WeightProblem(text: text))
        }
        return .success(value)
    }

    struct WeightProblem: Error {
        var text: String
        var description: String {
            "\(ServiceAnnotations.weight): \"\(text)\" is not an integer in 0...\(ServiceAnnotations.maximumWeight); using \(ServiceAnnotations.defaultWeight)"
        }
    }
}
