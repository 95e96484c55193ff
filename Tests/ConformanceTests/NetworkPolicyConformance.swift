import Glibc
import Testing

/// Kubernetes NetworkPolicy conformance in the style of Kubernetes' e2e netpol
/// suite: namespaces x, y, z with pods a, b, c, servers on ports 80 and 81 over
/// TCP and UDP, and the whole from → to matrix probed for every scenario against
/// an `Expectation` written by hand. Sections (nested suites) each build their
/// own cluster; everything runs one scenario at a time, since a scenario owns
/// its cluster's policy directory and its probes' timing matters.
@Suite(.serialized, .enabled(if: getuid() == 0, "runs sluiced on network namespaces: needs root"))
struct NetworkPolicyConformance {}
