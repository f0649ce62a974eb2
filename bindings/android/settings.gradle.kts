// The Pinwire Android library (AAR). Build it with scripts/build-android.sh, which first builds the Rust
// libraries with cargo-ndk into generated/jniLibs and the UniFFI Kotlin bindings into generated/uniffi.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

// Also the artifact id: the sample app (and any app including this build) depends on
// "dev.pinwire:pinwire-android".
rootProject.name = "pinwire-android"
