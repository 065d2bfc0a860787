// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "gosgate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "gosgated", targets: ["gosgated"]),
        .executable(name: "gosgatectl", targets: ["gosgatectl"]),
        .executable(name: "gosgate-stand", targets: ["gosgate-stand"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.20.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
    ],
    targets: [
        // System OpenSSL 3 (libcrypto + libssl) with inline shims for macros Swift cannot import.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // PC/SC lite (winscard API) for the token reader.
        .systemLibrary(name: "CPCSC", pkgConfig: "libpcsclite", providers: [.apt(["libpcsclite-dev"])]),

        .target(name: "GOST", dependencies: ["COpenSSL", .product(name: "SwiftASN1", package: "swift-asn1")]),
        .target(name: "TLS", dependencies: [
            "COpenSSL", "GOST",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .target(name: "Upstream", dependencies: [
            "TLS",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Token", dependencies: [
            "CPCSC", "GOST",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Linux kernel interfaces not in Glibc's overlay (NTP state).
        .target(name: "CLinux"),
        .target(name: "ESIA", dependencies: [
            "GOST", "CLinux",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Gateway", dependencies: [
            "TLS", "Upstream", "ESIA", "Store", "Config", "GOST", "Token", "Systemd",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Stand", dependencies: [
            "Gateway", "TLS", "GOST", "ESIA",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // libsystemd: sd_notify, journald, socket activation.
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .target(name: "Systemd", dependencies: [
            "CSystemd",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .target(name: "Config", dependencies: [.product(name: "Yams", package: "Yams")]),
        // The admin API on a Unix socket (SO_PEERCRED tiers) and its client for gosgatectl.
        .target(name: "Admin", dependencies: [
            "Gateway", "Store", "Config", "Token", "ESIA", "Systemd",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Store", dependencies: ["GOST", .product(name: "GRDB", package: "GRDB.swift")]),

        .executableTarget(name: "gosgated", dependencies: [
            "Config", "Store", "GOST", "Gateway", "Systemd", "Token", "Admin",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "gosgatectl", dependencies: [
            "Config", "GOST", "TLS", "Upstream", "Token", "Admin", "Store",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "gosgate-stand", dependencies: [
            "Config", "GOST", "Stand",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "gosgate-vcard", dependencies: [
            "GOST",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .executableTarget(name: "gosgate-bench", dependencies: [
            "GOST", "TLS", "Upstream", "Token", "ESIA", "Gateway", "Stand",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),

        // Shared by the test targets: runs peers nobody here wrote (openssl CLI with the GOST engine).
        .target(name: "TestSupport", dependencies: ["GOST"], path: "Tests/TestSupport"),
        .testTarget(name: "GOSTTests", dependencies: ["GOST", "TestSupport"]),
        .testTarget(name: "TLSTests", dependencies: ["TLS", "GOST", "TestSupport"]),
        .testTarget(name: "UpstreamTests", dependencies: ["Upstream", "TLS", "TestSupport"]),
        .testTarget(name: "TokenTests", dependencies: ["Token", "GOST", "TestSupport"]),
        .testTarget(name: "ESIATests", dependencies: ["ESIA", "GOST", "TestSupport"]),
        .testTarget(name: "StandTests", dependencies: ["Stand", "GOST", "ESIA", "TestSupport"]),
        .testTarget(name: "GatewayTests", dependencies: ["Gateway", "Stand", "TestSupport"]),
        .testTarget(name: "SystemdTests", dependencies: ["Systemd", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "GOST", "TestSupport"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config"]),
        .testTarget(name: "AdminTests", dependencies: ["Admin", "Gateway", "Store", "Stand", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
