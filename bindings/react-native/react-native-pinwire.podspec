# The iOS half of react-native-pinwire. It depends on the `Pinwire` pod (the Swift API with its host bridge and
# the Rust core as an xcframework): see README.md, "iOS".
require "json"

package = JSON.parse(File.read(File.join(__dir__, "package.json")))

Pod::Spec.new do |s|
  s.name         = "react-native-pinwire"
  s.version      = package["version"]
  s.summary      = package["description"]
  s.homepage     = "https://github.com/pinwire/pinwire"
  s.license      = package["license"]
  s.authors      = "Pinwire"
  s.platforms    = { :ios => "15.0" }
  s.source       = { :git => "https://github.com/pinwire/pinwire.git", :tag => "v#{s.version}" }
  s.source_files = "ios/**/*.{h,m,mm,swift}"
  s.swift_version = "5.9"

  s.dependency "Pinwire"
  # React Native's helper: React-Core, codegen (RNPinwireSpec) and the New Architecture flags.
  install_modules_dependencies(s)
end
