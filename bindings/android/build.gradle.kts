// Android library module: the Kotlin API shared with the JVM build (../kotlin), the UniFFI-generated
// Kotlin (package dev.pinwire.ffi), this module's Android code (Pinwire.init, PlatformTrust), and the
// Rust libraries for arm64-v8a, armeabi-v7a, x86_64 and x86.
//
// scripts/build-android.sh fills generated/ and runs assembleRelease; the AAR lands in
// build/outputs/aar/pinwire-android-release.aar.
plugins {
    id("com.android.library") version "8.7.3"
    id("org.jetbrains.kotlin.android") version "2.4.21"
    `maven-publish`
}

group = "dev.pinwire"
// One version for every artifact: the workspace's ([workspace.package] in Cargo.toml).
version = Regex("""(?ms)^\[workspace\.package\].*?^version\s*=\s*"([^"]+)"""")
    .find(projectDir.resolve("../../Cargo.toml").readText())
    ?.groupValues?.get(1)
    ?: error("no [workspace.package] version in Cargo.toml")

android {
    namespace = "dev.pinwire"
    compileSdk = 35

    defaultConfig {
        minSdk = 24
        // Shipped inside the AAR and applied to every app that uses it (R8/ProGuard).
        consumerProguardFiles("consumer-rules.pro")
        // src/androidTest: a pinned and a refused fetch on an emulator (.github/workflows/android.yml).
        testInstrumentationRunner = "androidx.test.runner.AndroidJUnitRunner"
    }

    sourceSets {
        getByName("main") {
            java.srcDirs(
                "src/main/kotlin",                // Pinwire.init, PlatformTrust (Android only)
                "../kotlin/src/main/kotlin",      // the Kotlin API, shared with the JVM build and its tests
                "generated/uniffi/kotlin",        // uniffi-bindgen output (dev.pinwire.ffi)
            )
            jniLibs.srcDirs("generated/jniLibs") // cargo-ndk output: <abi>/libpinwire_ffi.so
        }
    }

    buildTypes {
        release {
            // A library is not shrunk itself; consumer-rules.pro protects it in the app's R8 run.
            isMinifyEnabled = false
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
        // The Kotlin API uses java.time (Instant, LocalDate, Duration), native from API 26 only: with
        // minSdk 24 it is desugared. Apps using the AAR with minSdk < 26 must enable it too.
        isCoreLibraryDesugaringEnabled = true
    }

    publishing {
        singleVariant("release") {
            withSourcesJar()
        }
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(org.jetbrains.kotlin.gradle.dsl.JvmTarget.JVM_17)
    }
}

dependencies {
    coreLibraryDesugaring("com.android.tools:desugar_jdk_libs:2.1.3")
    // The Android AAR of JNA (with libjnidispatch.so per ABI), not the desktop jar.
    implementation("net.java.dev.jna:jna:5.19.1@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.11.0")
    androidTestImplementation("androidx.test:runner:1.7.0")
    androidTestImplementation("androidx.test.ext:junit:1.3.0")
    androidTestImplementation("junit:junit:4.13.2")
}

// `gradle publishToMavenLocal` makes dev.pinwire:pinwire-android:<version> available to other builds.
publishing {
    publications {
        register<MavenPublication>("release") {
            artifactId = "pinwire-android"
            afterEvaluate {
                from(components["release"])
            }
        }
    }
}
