/// How much of everything a run does. The three modes differ only in scale and duration,
/// never in what is measured, so the smoke run in `make test` exercises every code path.
struct BenchPlan: Codable, Sendable {
    enum Mode: String, Codable, Sendable {
        case full, quick, smoke
    }

    var mode: Mode
    /// N: policies or services loaded, the probed one last.
    var scales: [Int]
    /// Repetitions of each workload per subject; medians are over these.
    var repetitions: Int
    var crrSeconds: Double
    var rrSeconds: Double
    var bulkSeconds: Double
    /// One-object changes per subject and scale, alternately closing and opening the probed path.
    var changes: Int
    /// No new change starts once the changes of one subject took this long (one always
    /// runs): a system whose change takes minutes gets fewer samples, and the report says so.
    var changeBudgetSeconds: Int
    /// `repeat` of each BPF_PROG_TEST_RUN for paths a repeated packet measures faithfully.
    var microRepeat: UInt32
    /// Fresh flows, one test run each, for paths that create state (a repeated packet would hit it).
    var microFlows: Int
    /// Bounds on waiting for a full load, and for one change, to be enforced.
    var loadTimeoutSeconds: Int
    var changeTimeoutSeconds: Int
    /// How long an agent may take to finish its follow-up reconciles before a change is made
    /// (so a change is not queued behind one), and before the workloads run (past that it
    /// is paused while they run, so they measure the datapath, not the agent's CPU use).
    var settleSeconds: Int
    var workloadSettleSeconds: Int
    /// Measures the baseline again at the end of each scale, so drift during a scale shows.
    var baselineAtEnd: Bool
    /// The whole run is aborted (and cleaned up) past this.
    var hardLimitSeconds: Int
    /// The cluster-scale control-plane run (issue #3's target); tiny in smoke runs.
    var clusterScale: ClusterScaleShape

    init(mode: Mode) {
        self.mode = mode
        switch mode {
        case .full:
            scales = [10, 1000, 10000]
            // Five short repetitions rather than three long ones: a median of five shrugs off
            // the stalls other builds on a shared machine cause.
            repetitions = 5
            (crrSeconds, rrSeconds, bulkSeconds) = (1.2, 0.6, 0.6)
            (changes, changeBudgetSeconds) = (20, 60)
            (microRepeat, microFlows) = (1_000_000, 20_000)
            (loadTimeoutSeconds, changeTimeoutSeconds) = (300, 180)
            (settleSeconds, workloadSettleSeconds) = (150, 20)
            baselineAtEnd = true
            hardLimitSeconds = 30 * 60
            clusterScale = .issue3
        case .quick:
            scales = [10, 1000]
            repetitions = 3
            (crrSeconds, rrSeconds, bulkSeconds) = (0.4, 0.2, 0.2)
            (changes, changeBudgetSeconds) = (10, 15)
            (microRepeat, microFlows) = (200_000, 5_000)
            (loadTimeoutSeconds, changeTimeoutSeconds) = (120, 60)
            (settleSeconds, workloadSettleSeconds) = (60, 10)
            baselineAtEnd = false
            hardLimitSeconds = 8 * 60
            clusterScale = .issue3
        case .smoke:
            scales = [10]
            repetitions = 3
            (crrSeconds, rrSeconds, bulkSeconds) = (0.1, 0.05, 0.05)
            (changes, changeBudgetSeconds) = (4, 10)
            (microRepeat, microFlows) = (10_000, 200)
            (loadTimeoutSeconds, changeTimeoutSeconds) = (60, 30)
            (settleSeconds, workloadSettleSeconds) = (20, 5)
            baselineAtEnd = false
            hardLimitSeconds = 4 * 60
            clusterScale = ClusterScaleShape(pods: 60, policies: 20, namespaces: 5, changes: 4, changeBudgetSeconds: 10)
        }
    }

    var hardLimit: Duration { .seconds(hardLimitSeconds) }
}

/// How big the cluster-scale run is: pods (the topology's four included) in namespaces,
/// policies besides the probed one, and how many one-file changes it times.
struct ClusterScaleShape: Codable, Sendable {
    var pods: Int
    var policies: Int
    var namespaces: Int
    var changes: Int
    /// No new change starts past this (one always runs), as for the subjects.
    var changeBudgetSeconds: Int

    /// Issue #3: 1,000 policies over 5,000 pods, in 50 namespaces.
    static let issue3 = ClusterScaleShape(pods: 5000, policies: 1000, namespaces: 50, changes: 20, changeBudgetSeconds: 50)
}
