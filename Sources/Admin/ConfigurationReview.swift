import Config

/// Validates a configuration file and compares it with the running one.
public enum ConfigurationReview {
    /// Loads `path`; with `running`, lists the settings that differ from it.
    public static func check(path: String, running: GatewayConfiguration?) -> (report: ConfigCheckReport,
                                                                             configuration: GatewayConfiguration?) {
        do {
            let configuration = try ConfigurationLoader.load(path: path)
            let changed = running.map { changes(from: $0, to: configuration) } ?? []
            return (ConfigCheckReport(path: path, valid: true, issues: [], restartRequired: changed), configuration)
        } catch {
            return (ConfigCheckReport(path: path, valid: false, issues: issues(error), restartRequired: []), nil)
        }
    }

    /// The problems as the API lists them; an unreadable file is one issue at line 0.
    static func issues(_ error: ConfigurationError) -> [ConfigurationIssueInfo] {
        switch error {
        case .invalid(_, let issues):
            return issues.map(ConfigurationIssueInfo.init)
        case .unreadable(_, let reason):
            return [ConfigurationIssueInfo(ConfigurationIssue(line: 0, column: 0, keyPath: "", problem: reason,
                                                              fix: "check the path and the file's permissions"))]
        }
    }

    /// Top-level sections (and single environments) whose settings differ. The running gateway
    /// builds listeners, the upstream pool, the signer and the quota windows from these at start,
    /// so each needs a restart to take effect.
    static func changes(from running: GatewayConfiguration, to new: GatewayConfiguration) -> [String] {
        var changed: [String] = []
        if running.store != new.store { changed.append("store") }
        if running.admin != new.admin { changed.append("admin") }
        if running.gateway != new.gateway { changed.append("gateway") }
        if running.health != new.health { changed.append("health") }
        if running.token != new.token { changed.append("token") }
        if running.quotas != new.quotas { changed.append("quotas") }
        if running.log != new.log { changed.append("log") }
        for name in Set(running.environments.keys).union(new.environments.keys).sorted()
        where running.environments[name] != new.environments[name] {
            changed.append("environments.\(name)")
        }
        return changed
    }
}
