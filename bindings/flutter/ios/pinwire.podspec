# The iOS half of the pinwire Flutter plugin, for apps on CocoaPods (pinwire/Package.swift serves Swift Package
# Manager). It depends on the `Pinwire` pod (the Swift API with its host bridge and the Rust core as an
# xcframework): see ../README.md, "Adding it to an app". Not built on the machines this repository is tested on.
Pod::Spec.new do |s|
  s.name             = "pinwire"
  s.version          = "0.1.0"
  s.summary          = "HTTPS with TLS public-key pinning for Flutter, over Pinwire's Rust core."
  s.homepage         = "https://github.com/pinwire/pinwire"
  s.license          = { :type => "Apache-2.0" }
  s.author           = "Pinwire"
  s.source           = { :path => "." }
  s.source_files     = "pinwire/Sources/pinwire/**/*.swift"
  s.platform         = :ios, "15.0"
  s.swift_version    = "5.9"

  s.dependency "Flutter"
  s.dependency "Pinwire"
end
