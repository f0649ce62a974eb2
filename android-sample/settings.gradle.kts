// Pinwire sample app. It builds the Pinwire library from source as an included build
// (../bindings/android): run scripts/build-android.sh once first, so the library's native libraries and
// UniFFI bindings exist, then: gradle -p android-sample :app:assembleDebug (or open this folder in
// Android Studio). To use a built AAR instead, see app/build.gradle.kts.
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

rootProject.name = "pinwire-sample"

// Substitutes dev.pinwire:pinwire-android with the library module.
includeBuild("../bindings/android")

include(":app")
