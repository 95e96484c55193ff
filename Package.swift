// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Sluice",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sluiced", targets: ["sluiced"]),
        .executable(name: "sluicectl", targets: ["sluicectl"]),
        .executable(name: "sluice-cni", targets: ["sluice-cni"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        .target(
            name: "CSluiceBPF",
            linkerSettings: [.linkedLibrary("bpf"), .linkedLibrary("elf"), .linkedLibrary("z")]
        ),
        .target(name: "BPF", dependencies: ["CSluiceBPF"]),
        .target(name: "Model", dependencies: ["Yams"]),
        .target(
            name: "Planner",
            dependencies: ["Model", "CSluiceBPF", .product(name: "HashTreeCollections", package: "swift-collections")]
        ),
        .target(
            name: "Agent",
            dependencies: [
                "BPF", "Model", "Planner", "CSluiceBPF", "CNI",
                .product(name: "HashTreeCollections", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "sluiced",
            dependencies: ["Agent", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "sluicectl",
            dependencies: ["Agent", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "sluice-probe"),
        .target(name: "CNI", dependencies: ["Model"]),
        .executableTarget(name: "sluice-cni", dependencies: ["CNI"]),
        .testTarget(name: "CNITests", dependencies: ["CNI", "Agent", "Model", "Planner"]),
        .executableTarget(name: "sluice-plan-bench", dependencies: ["Planner", "Model"]),
        .target(name: "TestSupport", dependencies: ["BPF", "CSluiceBPF"]),
        // `make bench`: the runner and its load generator live in bench/, apart from the product.
        .executableTarget(
            name: "sluice-bench",
            dependencies: ["Agent", "BPF", "CSluiceBPF", "Model", "Planner", "TestSupport",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "bench/Sources/sluice-bench"
        ),
        .executableTarget(
            name: "sluice-loadgen",
            path: "bench/Sources/sluice-loadgen",
            cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror"])]
        ),
        .testTarget(name: "ModelTests", dependencies: ["Model"]),
        .testTarget(name: "PlannerTests", dependencies: ["Planner", "Model"]),
        .testTarget(name: "AgentTests", dependencies: ["Agent", "BPF", "Planner", "Model", "CSluiceBPF", "TestSupport"]),
        .testTarget(name: "BPFTests", dependencies: ["BPF", "CSluiceBPF", "TestSupport"]),
        .testTarget(name: "DatapathTests", dependencies: ["BPF", "CSluiceBPF", "TestSupport", "Agent"]),
        .testTarget(name: "ServiceDatapathTests", dependencies: ["BPF", "CSluiceBPF", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "BPF", "CSluiceBPF", "Planner", "Model"]),
        .testTarget(name: "ConformanceTests", dependencies: ["TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
