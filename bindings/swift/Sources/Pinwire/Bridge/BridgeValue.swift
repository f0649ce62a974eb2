import Foundation

/// A value of a host-bridge message: what React Native's and Flutter's channels carry (strings, numbers,
/// booleans, lists, maps, bytes), as a `Sendable` Swift type. `init(plain:)` reads the host's values (`Any`,
/// `NSNumber`, `NSDictionary`...), `plain` and `jsonCompatible` give them back.
public enum BridgeValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case bytes(Data)
    case list([BridgeValue])
    case map([String: BridgeValue])

    /// Reads a host value; anything that is not a message value is a `BadMessage` error naming it.
    public init(plain value: Any?) throws {
        switch value {
        case nil, is NSNull:
            self = .null
        case let v as String:
            self = .string(v)
        case let v as Data:
            self = .bytes(v)
        case let v as Bool where isBoolean(value!):
            self = .bool(v)
        case let v as Int:
            self = .int(v)
        case let v as Double:
            self = .double(v)
        case let v as [Any?]:
            self = .list(try v.map { try BridgeValue(plain: $0) })
        case let v as [String: Any?]:
            self = .map(try v.mapValues { try BridgeValue(plain: $0) })
        default:
            throw BridgeError(code: .badMessage, message: "\(type(of: value!)) is not a message value")
        }
    }

    /// The value for hosts whose channel has bytes (Flutter's standard codec takes `Data` wrapped by its shim).
    public var plain: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let v): return v
        case .int(let v): return v
        case .double(let v): return v
        case .string(let v): return v
        case .bytes(let v): return v
        case .list(let v): return v.map(\.plain)
        case .map(let v): return v.mapValues(\.plain)
        }
    }

    /// The value for channels that carry only JSON-like values (React Native): bytes as base64 strings.
    public var jsonCompatible: Any {
        switch self {
        case .bytes(let v): return v.base64EncodedString()
        case .list(let v): return v.map(\.jsonCompatible)
        case .map(let v): return v.mapValues(\.jsonCompatible)
        default: return plain
        }
    }
}

/// Whether a host value is a boolean: a Swift `Bool`, or on Apple platforms an `NSNumber` made from one (which
/// `as? Bool` cannot tell from the numbers 0 and 1).
private func isBoolean(_ value: Any) -> Bool {
    if type(of: value) == Bool.self { return true }
    #if canImport(ObjectiveC)
    if let number = value as? NSNumber { return CFGetTypeID(number) == CFBooleanGetTypeID() }
    #endif
    return false
}

/// A bridge message: named values.
public typealias BridgeMessage = [String: BridgeValue]

extension BridgeValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: BridgeValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, BridgeValue)...) {
        self = .map(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

/// Typed reads from a message's arguments; a missing or mistyped one is a `BadMessage` error naming it.
struct BridgeArguments {
    let method: String
    let args: BridgeMessage

    func bad(_ text: String) -> BridgeError {
        BridgeError(code: .badMessage, message: "\(method): \(text)")
    }

    func string(_ key: String) throws -> String {
        guard let v = try optString(key) else { throw bad("\(key) (a string) is missing") }
        return v
    }

    func optString(_ key: String) throws -> String? {
        switch args[key] {
        case nil, .null?: return nil
        case .string(let v)?: return v
        default: throw bad("\(key) must be a string")
        }
    }

    func optBool(_ key: String) throws -> Bool? {
        switch args[key] {
        case nil, .null?: return nil
        case .bool(let v)?: return v
        default: throw bad("\(key) must be a boolean")
        }
    }

    /// A whole number, however the host represents it (JavaScript's numbers are doubles).
    func optInt(_ key: String) throws -> Int? {
        switch args[key] {
        case nil, .null?: return nil
        case .int(let v)?: return v
        case .double(let d)? where d == d.rounded() && abs(d) <= 9_007_199_254_740_991: return Int(d)
        default: throw bad("\(key) must be a whole number")
        }
    }

    func optNonNegative(_ key: String) throws -> Int? {
        guard let v = try optInt(key) else { return nil }
        if v < 0 { throw bad("\(key) must not be negative, was \(v)") }
        return v
    }

    func id(_ key: String) throws -> Int {
        guard let v = try optInt(key) else { throw bad("\(key) (a handle id) is missing") }
        if v < 1 { throw bad("\(key) must be a handle id, was \(v)") }
        return v
    }

    func optStrings(_ key: String) throws -> [String]? {
        switch args[key] {
        case nil, .null?: return nil
        case .list(let items)?:
            return try items.enumerated().map { i, item in
                guard case .string(let s) = item else { throw bad("\(key)[\(i)] must be a string") }
                return s
            }
        default: throw bad("\(key) must be a list of strings")
        }
    }

    func optMap(_ key: String) throws -> BridgeMessage? {
        switch args[key] {
        case nil, .null?: return nil
        case .map(let v)?: return v
        default: throw bad("\(key) must be a map")
        }
    }

    /// Bytes, or (for hosts whose channel has none) a base64 string.
    func optBytes(_ key: String) throws -> Data? {
        switch args[key] {
        case nil, .null?: return nil
        case .bytes(let v)?: return v
        case .string(let s)?:
            guard let data = Data(base64Encoded: s) else { throw bad("\(key) is not valid base64") }
            return data
        default: throw bad("\(key) must be bytes")
        }
    }

    /// Header lines: a list of `[name, value]` pairs.
    func optHeaders(_ key: String) throws -> [Header]? {
        switch args[key] {
        case nil, .null?: return nil
        case .list(let lines)?:
            return try lines.enumerated().map { i, line in
                guard case .list(let pair) = line, pair.count == 2, case .string(let name) = pair[0],
                    case .string(let value) = pair[1]
                else { throw bad("\(key)[\(i)] must be a [name, value] pair of strings") }
                return Header(name, value)
            }
        default: throw bad("\(key) must be a list of [name, value] pairs")
        }
    }
}
