import SwiftUI

@main
struct PinwireSampleApp: App {
    var body: some Scene {
        WindowGroup {
            ContentView()
        }
    }
}
