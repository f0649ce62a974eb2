// swift-tools-version:5.9
// A small SwiftUI app (an Xcode / Swift Playgrounds app package): fetches a URL with a pinned Pinwire client and
// shows the response, or the pin failure with the pins of the chain the platform validated. See ../README.md.
import AppleProductTypes
import PackageDescription

let package = Package(
    name: "PinwireSample",
    platforms: [.iOS("17.0")],
    products: [
        .iOSApplication(
            name: "PinwireSample",
            targets: ["PinwireSample"],
            bundleIdentifier: "dev.pinwire.sample",
            teamIdentifier: "",
            displayVersion: "1.0",
            bundleVersion: "1",
            appIcon: .placeholder(icon: .lock),
            accentColor: .presetColor(.blue),
            supportedDeviceFamilies: [.pad, .phone],
            supportedInterfaceOrientations: [
                .portrait,
                .landscapeRight,
                .landscapeLeft,
                .portraitUpsideDown(.when(deviceFamilies: [.pad])),
            ]
        ),
    ],
    dependencies: [
        // The Pinwire Swift package of this repository (run scripts/build-xcframework.sh first).
        .package(path: "../../bindings/swift"),
    ],
    targets: [
        .executableTarget(
            name: "PinwireSample",
            dependencies: [.product(name: "Pinwire", package: "swift")],
            path: "Sources"
        ),
    ]
)
