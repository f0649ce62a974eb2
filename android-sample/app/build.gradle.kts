plugins {
    id("com.android.application") version "8.7.3"
    id("org.jetbrains.kotlin.android") version "2.4.21"
}

android {
    namespace = "dev.pinwire.sample"
    compileSdk = 35

    defaultConfig {
        applicationId = "dev.pinwire.sample"
        minSdk = 24
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
    }

    buildTypes {
        release {
            // Shrunk like a real release, so the AAR's consumer R8 rules (JNA, dev.pinwire.ffi,
            // PlatformTrust) are exercised. Signed with the debug key: a sample, not for a store.
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"))
            signingConfig = signingConfigs.getByName("debug")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
        // Pinwire's Kotlin API uses java.time, native from API 26 only: an app with minSdk < 26 that uses
        // the AAR enables core library desugaring (the AAR requires it).
        isCoreLibraryDesugaringEnabled = true
    }

    sourceSets {
        getByName("main") {
            java.srcDirs("src/main/kotlin")
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
    // Built from ../bindings/android through the included build (settings.gradle.kts).
    implementation("dev.pinwire:pinwire-android:0.1.0")
    // With the AAR file instead (copy bindings/android/build/outputs/aar/pinwire-android-release.aar to
    // app/libs/ and drop includeBuild), an AAR file carries no dependencies, so also add JNA and coroutines:
    //   implementation(files("libs/pinwire-android-release.aar"))
    //   implementation("net.java.dev.jna:jna:5.19.1@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.11.0")
}
