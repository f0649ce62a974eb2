import Foundation

/// What `pinwire-testserver` prints on its first line.
struct ServerInfo: Decodable, Sendable {
    struct Ports: Decodable, Sendable {
        let good: Int
        let http1: Int
        let impostor: Int
        let untrusted: Int
    }
    struct Roots: Decodable, Sendable {
        let test: String
        let evil: String
    }
    struct Pins: Decodable, Sendable {
        let leaf: String
        let intermediate: String
        let root: String
        let impostorLeaf: String
        let evilRoot: String

        enum CodingKeys: String, CodingKey {
            case leaf, intermediate, root
            case impostorLeaf = "impostor_leaf"
            case evilRoot = "evil_root"
        }
    }

    let host: String
    let otherHost: String
    let ports: Ports
    let rootsPem: Roots
    let pins: Pins

    enum CodingKeys: String, CodingKey {
        case host, ports, pins
        case otherHost = "other_host"
        case rootsPem = "roots_pem"
    }
}

struct TestServerError: Error, CustomStringConvertible {
    let description: String
}

/// The real `pinwire-testserver` process (path in `PINWIRE_TESTSERVER`): local TLS servers on 127.0.0.1 that
/// serve until their standard input closes. Start one per test and `stop()` it at the end.
final class TestServer: @unchecked Sendable {
    let info: ServerInfo
    /// Every port by name, the fault servers' (`fault-tls-alert`, ...) and `refused` included.
    let ports: [String: Int]
    private let process: Process
    private let input: Pipe

    private struct PortsByName: Decodable {
        let ports: [String: Int]
    }

    private init(info: ServerInfo, ports: [String: Int], process: Process, input: Pipe) {
        self.info = info
        self.ports = ports
        self.process = process
        self.input = input
    }

    static func start() throws -> TestServer {
        guard let path = ProcessInfo.processInfo.environment["PINWIRE_TESTSERVER"], !path.isEmpty else {
            throw TestServerError(description: "PINWIRE_TESTSERVER is not set (scripts/test-swift.sh sets it)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        // The first line is the JSON description.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let more = output.fileHandleForReading.availableData
            if more.isEmpty {
                process.waitUntilExit()
                throw TestServerError(
                    description: "pinwire-testserver exited (\(process.terminationStatus)) before printing its ports")
            }
            line.append(more)
        }
        let json = line.prefix { $0 != UInt8(ascii: "\n") }
        let info = try JSONDecoder().decode(ServerInfo.self, from: json)
        let ports = try JSONDecoder().decode(PortsByName.self, from: json).ports
        return TestServer(info: info, ports: ports, process: process, input: input)
    }

    /// Closes the server's standard input, which stops it, and waits for it to exit.
    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// `https://<host>:<port><path>` (the host resolves to 127.0.0.1 through the client's `resolve`).
    func url(_ port: Int, _ path: String = "/", host: String? = nil) -> URL {
        URL(string: "https://\(host ?? info.host):\(port)\(path)")!
    }
}
