// swift-tools-version:6.2
import PackageDescription

/// One set of compiler settings for every target: Swift 6 mode, strict imports, warnings are errors.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .treatAllWarnings(as: .error),
    // Specialise the per-frame generics (reader closures, decoders) across module boundaries.
    // No dynamic exclusivity checks in release: each access to a class's stored property costs a
    // runtime call (swift_beginAccess, ~70 instructions) and the engine makes several per frame.
    // Debug builds (and so `swift test`) keep the checks.
    .unsafeFlags(["-cross-module-optimization", "-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "Vantage",
    products: [
        .executable(name: "vantage", targets: ["vantage"]),
        .library(name: "VantageWire", targets: ["VantageWire"]),
        .library(name: "VantageCapture", targets: ["VantageCapture"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .target(name: "VantageWire", swiftSettings: strictSettings),
        // A cache prefetch hint (Swift has no intrinsic for it).
        .target(name: "CPrefetch"),
        .target(name: "VantageCapture", dependencies: ["VantageWire", "CPrefetch"], swiftSettings: strictSettings),
        .systemLibrary(name: "CPcap", path: "Sources/CPcap"),
        .target(name: "VantageLive", dependencies: ["CPcap", "VantageCapture"], swiftSettings: strictSettings),
        .target(name: "VantageState", dependencies: ["VantageWire", "VantageCapture", "CPrefetch"], swiftSettings: strictSettings),
        .target(name: "VantageDetect", dependencies: ["VantageState", "CPrefetch"], swiftSettings: strictSettings),
        .target(
            name: "VantageReport",
            dependencies: ["VantageDetect"],
            swiftSettings: strictSettings),
        .executableTarget(
            name: "vantage",
            dependencies: [
                "VantageWire", "VantageCapture", "VantageLive", "VantageState", "VantageDetect", "VantageReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings,
            // The Swift runtime and Foundation linked in (release only): the dynamic loader's
            // relocations into libswiftCore/libFoundation/ICU cost ~10 ms per run, 3 % of
            // tcpdump's time on a million frames, and the binary then runs without a Swift
            // toolchain installed.
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-lCoreFoundation", "-l_FoundationICU", "-l_FoundationCShims", "-l_FoundationCollections"], .when(configuration: .release))]
        ),
        .executableTarget(
            name: "vantage-benchgen",
            dependencies: ["VantageWire", "VantageCapture"],
            path: "Benchmarks/BenchGen",
            swiftSettings: strictSettings
        ),
        .testTarget(name: "VantageWireTests", dependencies: ["VantageWire"], swiftSettings: strictSettings),
        .testTarget(name: "VantageCaptureTests", dependencies: ["VantageCapture"], swiftSettings: strictSettings),
        .testTarget(
            name: "VantageDetectTests", dependencies: ["VantageDetect", "VantageReport", "VantageWire", "VantageCapture", "VantageState"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "VantageCLITests",
            dependencies: ["VantageWire", "VantageCapture", "VantageLive"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
