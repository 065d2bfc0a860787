import ArgumentParser
import Foundation

/// The gosgate programs a gateway benchmark starts, and the peers it needs from Debian.
struct GatewayBenchmarkBinaries {
    let gosgated: String
    let gosgatectl: String
    let stand: String

    /// The peer programs, with the package that ships each.
    static let peers: [(path: String, package: String)] = [
        ("/usr/sbin/nginx", "nginx-light"), ("/usr/bin/wrk", "wrk"), ("/usr/bin/curl", "curl"),
        ("/usr/bin/taskset", "util-linux"), ("/usr/bin/python3", "python3"),
    ]

    /// - Parameter directory: where the gosgate programs are; nil means beside the running program.
    init(directory: String?) throws {
        let base = try directory ?? URL(fileURLWithPath: FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            .deletingLastPathComponent().path
        gosgated = base + "/gosgated"
        gosgatectl = base + "/gosgatectl"
        stand = base + "/gosgate-stand"
        for program in [gosgated, gosgatectl, stand] where !FileManager.default.isExecutableFile(atPath: program) {
            throw ValidationError("\(program) is missing: swift build -c release --static-swift-stdlib --product "
                                  + URL(fileURLWithPath: program).lastPathComponent)
        }
        for (path, package) in Self.peers where !FileManager.default.isExecutableFile(atPath: path) {
            throw ValidationError("\(path) is missing: apt-get install \(package)")
        }
    }
}
