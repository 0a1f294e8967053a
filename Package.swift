// swift-tools-version: 6.1
import PackageDescription

// Upcoming features the style notes ask for: explicit `any`, imports that mean what they say.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "ferry",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ferry", targets: ["ferry"]),
        .executable(name: "ferry-bench", targets: ["ferry-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // Already built for Hummingbird: the Magento client records its request figures through it.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
    ],
    targets: [
        // MARK: C libraries of the design card, each a thin system module with typed shims.
        .systemLibrary(
            name: "CXML", pkgConfig: "libexslt",
            providers: [.apt(["libxml2-dev", "libxslt1-dev"])]),
        // sync_file_range(2), which Swift's Glibc module does not declare.
        .systemLibrary(name: "CDurable"),
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        // One checked libcurl easy handle and curl's global init, for every HTTP and SMTP sender.
        .target(name: "FerryCurl", dependencies: ["CCurl"], swiftSettings: strictSettings),
        .systemLibrary(
            name: "CInotifyTools",
            providers: [.apt(["libinotifytools0-dev"])]),

        // MARK: Foundation: XML, durable state, watching, the engine.
        // The value types several modules share (JSONValue, InventoryRecord, SplitMix64): Foundation only.
        .target(name: "FerryValues", swiftSettings: strictSettings),
        .target(
            name: "FerryXML", dependencies: ["CXML", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strictSettings),
        // Durable whole-file writes and fsyncs on swift-system: every writer's target imports it.
        .target(
            name: "DurableFiles",
            dependencies: ["CDurable", "FerryValues", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strictSettings),
        .target(
            name: "FerryState",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings),
        .target(
            name: "FileWatching",
            dependencies: [
                "CInotifyTools",
                "FerryValues",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strictSettings),
        // ZIPFoundation behind one thin target: its CoreFoundation import must not reach the engine's modules.
        .target(
            name: "ArchiveZip",
            dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: strictSettings),
        .target(
            name: "FerryPipeline",
            dependencies: [
                "FerryValues",
                "FerryXML", "FerryState", "FileWatching",
                "DurableFiles",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // SIGHUP (reload) as an async sequence in `ferry watch`.
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                // Archive days zipped by the housekeeping (archive.zipAfterDays), through a thin target.
                "ArchiveZip",
            ],
            swiftSettings: strictSettings),

        // MARK: Connectors: they know Magento or Sage, never folders.
        .target(
            name: "MagentoConnector",
            dependencies: [
                "FerryValues",
                "CCurl", "FerryXML", "FerryState",
                "FerryCurl",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings),
        .target(
            name: "StandInHTTP",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        .target(
            name: "MagentoSandbox",
            dependencies: [
                "FerryValues",
                "MagentoConnector", "StandInHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        .target(
            name: "SageSide",
            dependencies: [
                "FerryValues",
                "FerryXML", "FerryState",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        .target(
            name: "Sage200Connector",
            dependencies: [
                "FerryValues",
                "MagentoConnector", "FerryPipeline", "FerryState", "SageSide",
                "DurableFiles", .product(name: "SystemPackage", package: "swift-system"),
                "FerryCurl",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        .target(
            name: "Sage200Sandbox",
            dependencies: [
                "FerryValues",
                "MagentoConnector", "SageSide", "StandInHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        .target(
            name: "SageSimulator",
            dependencies: [
                "FerryValues",
                "SageSide", "FerryXML", "FileWatching", "FerryPipeline",
                "DurableFiles", .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),

        // MARK: Stages: one file per task, wiring connectors into the engine.
        .target(
            name: "FerryStages",
            dependencies: [
                "FerryValues",
                "FerryPipeline", "FerryXML", "FerryState", "MagentoConnector", "SageSide",
                "Sage200Connector",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),

        // MARK: Operations: metrics, alerts, progress, observing the engine.
        .target(
            name: "FerryObservability",
            dependencies: [
                "FerryValues",
                "FerryPipeline", "CCurl",
                "DurableFiles", "FerryCurl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings),

        // MARK: The operator console (`"console"` in config.json): pages over the folders, the state store and the status report.
        .target(
            name: "FerryConsole",
            dependencies: [
                "FerryValues",
                "FerryPipeline", "FerryState", "StandInHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings),

        // MARK: The demo: sandbox, simulator and the default workflow wired together (used by `ferry demo` and tests).
        .target(
            name: "FerryDemo",
            dependencies: [
                "FerryValues",
                "FerryPipeline", "FerryStages", "FerryXML", "MagentoSandbox", "MagentoConnector", "SageSimulator", "SageSide",
                "Sage200Connector", "Sage200Sandbox",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings),

        // MARK: The thin command-line front.
        .executableTarget(
            name: "ferry",
            dependencies: [
                "FerryStages", "FerryValues", "FerryPipeline", "FerryDemo", "FerryObservability", "MagentoSandbox", "SageSimulator", "SageSide", "FerryState",
                "FerryConsole",
                "Sage200Connector", "Sage200Sandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings),

        // MARK: Benchmarks (scripts/bench): never part of the tests.
        .executableTarget(
            name: "ferry-bench",
            dependencies: [
                "FerryValues",
                "FerryDemo",
                "SageSide", "FerryState", "MagentoConnector", "MagentoSandbox",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),

        // The test helpers every test target shares (temporary folders, the built `ferry`, child processes, log
        // captures): only test targets depend on it, so nothing of it reaches the `ferry` product.
        .target(
            name: "FerryTestSupport",
            dependencies: ["FerryXML", "SageSide", .product(name: "Logging", package: "swift-log")],
            path: "Tests/FerryTestSupport", swiftSettings: strictSettings),
        .testTarget(name: "FerryValuesTests", dependencies: ["FerryValues", "FerryTestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "FerryXMLTests", dependencies: ["FerryXML", "CXML", "FerryTestSupport", "FerryValues"], swiftSettings: strictSettings),
        .testTarget(
            name: "DurableFilesTests",
            dependencies: ["DurableFiles", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strictSettings),
        .testTarget(
            name: "FerryPipelineTests",
            dependencies: [
                "FerryTestSupport",
                "FerryPipeline", "FerryStages", "FerryXML", "FerryState", "FileWatching",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "MagentoConnectorTests",
            dependencies: ["FerryTestSupport", "FerryValues", "MagentoConnector", "MagentoSandbox", "FerryStages", "FerryPipeline", "FerryCurl", "CCurl"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "FerryObservabilityTests",
            dependencies: [
                "FerryTestSupport", "FerryObservability", "FerryPipeline", "MagentoConnector",
                "FerryValues",
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "WorkflowTests",
            dependencies: [
                "FerryTestSupport",
                "FerryValues",
                "FerryDemo", "FerryObservability", "FerryPipeline", "FerryStages", "FerryState", "FerryXML", "MagentoConnector",
                "MagentoSandbox", "FerryConsole",
                "SageSimulator", "SageSide",
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "SageSideTests",
            dependencies: ["FerryTestSupport", "FerryValues", "SageSide", "SageSimulator", "FerryStages", "FerryPipeline", "MagentoConnector", "MagentoSandbox"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "Sage200Tests",
            dependencies: [
                "FerryTestSupport",
                "FerryValues",
                "Sage200Connector", "Sage200Sandbox", "MagentoConnector", "FerryStages", "FerryPipeline", "FerryState",
                "SageSide", "FerryXML",
                "MagentoSandbox", "FerryDemo",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "FerryConsoleTests",
            dependencies: [
                "FerryTestSupport",
                "FerryConsole", "FerryPipeline", "FerryStages", "FerryState", "FerryDemo", "FerryObservability", "MagentoConnector",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings),
        // Process-level crash, hostile-input and resource-fault tests: they run the built `ferry` binary.
        .testTarget(
            name: "ReliabilityTests",
            dependencies: [
                "FerryTestSupport",
                "FerryValues",
                "FerryPipeline", "FerryStages", "FerryXML", "FerryState", "FileWatching", "MagentoConnector",
                "MagentoSandbox", "SageSide",
                "DurableFiles",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
    ]
)
