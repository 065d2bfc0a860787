import Foundation
import TestSupport

/// Validates JSON against the schemas published in docs/schema/v1, with Python's `jsonschema`
/// (a validator nobody here wrote). Cross-file `$ref`s resolve through a registry of every schema
/// in the directory, so nothing is fetched from the network.
enum PublishedSchema {
    static let directory: String = {
        var root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while root.path != "/", !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root = root.deletingLastPathComponent()
        }
        return root.appendingPathComponent("docs/schema/v1").path
    }()

    /// Whether python3 with jsonschema (4.18+, with `referencing`) is installed.
    static let available: Bool = {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import jsonschema, referencing"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }()

    private static let script = """
        import json, os, sys
        import jsonschema, referencing
        directory, name = sys.argv[1], sys.argv[2]
        resources = []
        for file in os.listdir(directory):
            with open(os.path.join(directory, file)) as f:
                schema = json.load(f)
            resources.append((schema["$id"], referencing.Resource.from_contents(schema)))
        registry = referencing.Registry().with_resources(resources)
        with open(os.path.join(directory, name + ".json")) as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema, registry=registry)
        failures = 0
        text = sys.stdin.read()
        if not text.strip():
            print("no JSON at all")
            sys.exit(1)
        for number, line in enumerate(text.splitlines() if sys.argv[3] == "lines" else [text]):
            if not line.strip():
                continue
            for error in validator.iter_errors(json.loads(line)):
                failures += 1
                print(f"item {number}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
        sys.exit(1 if failures else 0)
        """

    /// Problems of `json` against `<name>.json`; empty when it validates. With `lines`, each
    /// line is one document (JSON Lines).
    static func problems(_ json: Data, against name: String, lines: Bool = false) async throws -> [String] {
        let result = try await ChildProcess.run("/usr/bin/env", ["python3", "-c", script, directory, name, lines ? "lines" : "one"],
                                                stdin: json, environment: ProcessInfo.processInfo.environment)
        if result.status == 0 { return [] }
        let output = (result.stdoutText + result.stderr).split(separator: "\n").map(String.init)
        return output.isEmpty ? ["python3 exited \(result.status)"] : output
    }
}
