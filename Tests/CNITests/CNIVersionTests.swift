import CNI
import Testing

struct CNIVersionTests {
    @Test func versionsCompareNumericallyNotAsText() {
        #expect(CNIVersion("0.10.0").map { $0 > CNIVersion(0, 4, 0) } == true)
        #expect(CNIVersion("1.1.0") == CNIVersion.latest)
    }

    @Test func malformedVersionsAreRejected() {
        for text in ["", "1", "1.0", "1.0.0.0", "a.b.c", "1.-1.0", "1.0.0 "] {
            #expect(CNIVersion(text) == nil, "\(text)")
        }
    }
}
