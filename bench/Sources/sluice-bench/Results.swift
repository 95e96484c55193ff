import Glibc
/// One repetition of the three workloads against one subject.
struct WorkloadSample: Codable, Sendable {
    /// crr: connect, request, response, close, one after another.
    var connectionsPerSecond: Double
    var connectionP50Us: Double
    var connectionP99Us: Double
    /// Client plus server CPU per crr connection, softirq work they ran included.
    var cpuPerConnectionUs: Double
    /// rr: round trips over one persistent connection.
    var requestP50Us: Double
    var requestP99Us: Double
    /// bulk: one stream, as the server counted it.
    var throughputGbitPerSecond: Double
}

/// The control plane at one scale: full load and one-object changes, probe-observed.
struct ControlPlaneResult: Codable, Sendable {
    /// From the start of the write until the probe's first connection through the probed object.
    var loadSeconds: Double
    /// Until the system itself said every object was applied (Sluice: its policy count).
    var loadAppliedSeconds: Double?
    /// The loading command's own wall time and CPU (iptables-restore, nft).
    var loadCommand: CommandCost?
    /// Each change, from the write until the probe saw it, alternately blocking and opening.
    var changeMilliseconds: [Double]
    /// CPU of each change's command (iptables-restore, nft), in ms.
    var changeCommandCPUMilliseconds: [Double]
    var agent: AgentUsage?
    /// The agent stopped and started again over its own pins with the N objects in place.
    var restart: RestartCost?
    /// What the reader should know about how this row was measured.
    var notes: [String]
}

/// A restart of the agent after the changes: SIGTERM (pins and programs stay, as for an
/// upgrade), a new process on the same pins and directory, until it reports ready (its
/// first sync done).
struct RestartCost: Codable, Sendable {
    var readySeconds: Double
    /// The new process's CPU by then; nil when it could not be read.
    var agentCPUSeconds: Double?
}

/// The agent's footprint at one scale.
struct AgentUsage: Codable, Sendable {
    var rssMiBAfterLoad: Double
    var peakRSSMiB: Double
    /// CPU the agent spent from the write of N objects until it went idle (or the settle bound).
    var loadCPUSeconds: Double
    /// CPU per one-object change, from the first change to the last one seen (follow-up
    /// reconciles of all but the last included), averaged.
    var cpuMillisecondsPerChange: Double
}

extension AgentUsage {
    /// From the readings around a load and its `changes` one-object changes; nil when a
    /// reading is missing (the process was gone).
    init?(pid: pid_t, cpuBeforeLoad: UInt64?, cpuAfterLoad: UInt64?, rssAfterLoad: Int?, cpuBeforeChanges: UInt64?,
          changes: Int) {
        guard let cpuBeforeLoad, let cpuAfterLoad, let rssAfterLoad, let cpuBeforeChanges,
              let cpuAfterChanges = ProcessStats.cpuNanoseconds(pid),
              let peak = ProcessStats.memoryKiB(pid, field: "VmHWM") else { return nil }
        self.init(rssMiBAfterLoad: Double(rssAfterLoad) / 1024, peakRSSMiB: Double(peak) / 1024,
                  loadCPUSeconds: Double(difference(from: cpuBeforeLoad, to: cpuAfterLoad)) / 1e9,
                  cpuMillisecondsPerChange: Double(difference(from: cpuBeforeChanges, to: cpuAfterChanges)) / 1e6
                      / Double(max(1, changes)))
    }
}

struct SubjectResult: Codable, Sendable {
    enum Status: String, Codable, Sendable {
        case measured, unavailable, failed
    }

    var id: String
    var title: String
    var kind: Subject.Kind
    /// The baseline its ratios divide by (absent in reports older than the external one: the pod's).
    var baseline: Subject.Baseline?
    var status: Status
    /// Why unavailable, or what failed.
    var note: String?
    var controlPlane: ControlPlaneResult?
    /// The row this one was measured alternately with, on the same loaded system (a service
    /// row's, for its straight-to-the-backend companion): their samples pair by index.
    var pairedWith: String?
    var samples: [WorkloadSample]
}

struct ScaleResult: Codable, Sendable {
    var scale: Int
    var baseline: SubjectResult
    /// The external client straight to a server pod, measured when a row needs it.
    var externalBaseline: SubjectResult?
    var subjects: [SubjectResult]

    /// The baseline `subject`'s ratios divide by.
    func baseline(for subject: SubjectResult) -> SubjectResult? {
        subject.baseline == .external ? externalBaseline : baseline
    }

    /// Every baseline measured at this scale, the pod's first.
    var baselines: [SubjectResult] { [baseline] + (externalBaseline.map { [$0] } ?? []) }
}
