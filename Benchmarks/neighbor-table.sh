#!/bin/sh
# Times NeighborTable.observe (and the engine with the standard detectors) on synthetic
# decoded frames in release mode: 200 hosts on two VLANs, 80 % host-to-host TCP, 20 % through
# a router to off-link addresses. Builds a throw-away package in $TMPDIR that links this
# checkout's sources, so Package.swift needs no benchmark target.
#   Benchmarks/neighbor-table.sh [frames] [rounds] [t = table only]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=${TMPDIR:-/tmp}/vantage-neighbor-bench
mkdir -p "$work/Sources/bench"
for module in VantageWire VantageCapture VantageState VantageDetect; do
    ln -sfn "$root/Sources/$module" "$work/Sources/$module"
done
cp "$root/Benchmarks/NeighborTableBench/main.swift" "$work/Sources/bench/main.swift"
cat > "$work/Package.swift" <<'PKG'
// swift-tools-version:6.2
import PackageDescription
let settings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]
let package = Package(
    name: "neighborbench",
    targets: [
        .target(name: "VantageWire", swiftSettings: settings),
        .target(name: "VantageCapture", dependencies: ["VantageWire"], swiftSettings: settings),
        .target(name: "VantageState", dependencies: ["VantageWire", "VantageCapture"], swiftSettings: settings),
        .target(name: "VantageDetect", dependencies: ["VantageState"], swiftSettings: settings),
        .executableTarget(name: "bench", dependencies: ["VantageWire", "VantageCapture", "VantageState", "VantageDetect"], swiftSettings: settings),
    ],
    swiftLanguageModes: [.v6]
)
PKG
cd "$work" && swift build -c release >/dev/null && ./.build/release/bench "$@"
