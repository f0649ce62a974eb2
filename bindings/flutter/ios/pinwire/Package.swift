// swift-tools-version: 5.9
// The iOS half of the pinwire Flutter plugin for apps that use Swift Package Manager (Flutter 3.24+); apps on
// CocoaPods use ../pinwire.podspec. Both build the same sources: PinwirePlugin.swift (the channel
// registration) and Host/ (everything else, tested on Linux by scripts/test-swift.sh). Flutter's own framework
// is provided by the app's build. Not built on the machines this repository is tested on (no Xcode).
import PackageDescription

let package = Package(
    name: "pinwire",
    platforms: [.iOS("15.0")],
    products: [
        .library(name: "pinwire", targets: ["pinwire"]),
    ],
    dependencies: [
        // The Swift API with its host bridge and the Rust core (bindings/swift; build its xcframework first).
        .package(name: "Pinwire", path: "../../../swift"),
    ],
    targets: [
        .target(
            name: "pinwire",
            dependencies: [.product(name: "Pinwire", package: "Pinwire")],
            path: "Sources/pinwire"
        ),
    ]
)
