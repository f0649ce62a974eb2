// swift-tools-version:6.0
// The Swift bench client of scripts/bench.sh: Pinwire's Swift API (the same sources as the users' package;
// Sources/Pinwire is a symlink to bindings/swift/Sources/Pinwire) on Linux, over the C ABI of the release
// libpinwire_ffi.so. Built and run inside the Swift chroot (scripts/swift-chroot.sh) by scripts/bench.sh, which
// generates generated/ (the UniFFI Swift, the C header and modulemap, a link to the library; build output,
// not committed). Not a library and not a test suite.
import PackageDescription

let libDir = Context.packageDirectory + "/generated/lib"

let package = Package(
    name: "PinwireBench",
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
        .executableTarget(
            name: "PinwireBench",
            dependencies: ["Pinwire"],
            path: "Sources/PinwireBench",
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)
