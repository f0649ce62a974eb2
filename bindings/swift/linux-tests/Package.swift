// swift-tools-version:6.0
// The Swift suite on Linux (run by scripts/test-swift.sh, in the Debian trixie chroot of scripts/swift-chroot.sh).
//
// The same wrapper sources as the users' package (Sources/Pinwire is a symlink to ../Sources/Pinwire), on top of
// what scripts/test-swift.sh generates into generated/ (build output, not committed): the UniFFI Swift
// (generated/PinwireBindings), the C header and modulemap (generated/PinwireFFI) and a link to the Rust library
// (generated/lib/libpinwire_ffi.so), where xcframework users get PinwireFFI.xcframework instead.
// Sources/PinwireFlutterShim links to the Flutter plugin's Swift shim (bindings/flutter/ios/pinwire/Sources/
// pinwire/Host), compiled and tested here without the plugin's registration file, which needs Flutter.
import PackageDescription

let libDir = Context.packageDirectory + "/generated/lib"

let package = Package(
    name: "PinwireLinuxTests",
    targets: [
        .systemLibrary(name: "PinwireFFI", path: "generated/PinwireFFI"),
        .target(
            name: "PinwireBindings",
            dependencies: ["PinwireFFI"],
            path: "generated/PinwireBindings",
            swiftSettings: [.swiftLanguageMode(.v5)],
            linkerSettings: [
                .linkedLibrary("pinwire_ffi"),
                .unsafeFlags(["-L", libDir, "-Xlinker", "-rpath", "-Xlinker", libDir]),
            ]
        ),
        .target(name: "Pinwire", dependencies: ["PinwireBindings"], path: "Sources/Pinwire"),
        // The Flutter plugin's iOS shim without its channel registration (a link to bindings/flutter/ios/.../Host).
        .target(name: "PinwireFlutterShim", dependencies: ["Pinwire"], path: "Sources/PinwireFlutterShim"),
        // PinwireBindings too: ReadyChunkTests call the generated `BodyReader` under the Swift API directly.
        .testTarget(
            name: "PinwireTests", dependencies: ["Pinwire", "PinwireBindings", "PinwireFlutterShim"],
            path: "Tests/PinwireTests"),
    ]
)
