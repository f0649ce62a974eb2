// swift-tools-version:6.0
// Pinwire for Apple platforms: the `Pinwire` Swift module over the Rust core.
//
// From this repository, build the binary part first:
//
//     scripts/build-xcframework.sh
//
// (on a Mac with Xcode, or on Linux without it: docs/artifacts.md), which writes generated/PinwireFFI.xcframework
// (the Rust static library for iOS devices and the iOS simulator, and macOS on a Mac, with its C header) and
// generated/PinwireBindings/PinwireBindings.swift (UniFFI's Swift for it). Both are build output, not committed.
// Then add this directory to an Xcode project as a local package (File > Add Package Dependencies... > Add
// Local...) and `import Pinwire`.
//
// The release variant of this file (scripts/release.sh, in the release's swift-package/) differs in one line:
// the PinwireFFI binary target downloads the release's PinwireFFI.xcframework.zip by URL, with its checksum.
import PackageDescription

let package = Package(
    name: "Pinwire",
    // SecTrustCopyCertificateChain (the chain SecTrust validated, which pins are matched against) needs iOS 15 /
    // macOS 12.
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Pinwire", targets: ["Pinwire"]),
    ],
    targets: [
        .binaryTarget(name: "PinwireFFI", path: "generated/PinwireFFI.xcframework"),
        // UniFFI's generated Swift: an implementation detail, imported only by the Pinwire module.
        .target(
            name: "PinwireBindings",
            dependencies: ["PinwireFFI"],
            path: "generated/PinwireBindings",
            swiftSettings: [.swiftLanguageMode(.v5)],
            linkerSettings: [
                // The Rust static library calls Security.framework (SecTrust) and CoreFoundation.
                .linkedFramework("Security"),
                .linkedFramework("CoreFoundation"),
            ]
        ),
        .target(name: "Pinwire", dependencies: ["PinwireBindings"], path: "Sources/Pinwire"),
    ]
)
