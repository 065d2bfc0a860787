import Foundation
import Gateway
import Logging
import Systemd

extension AdminServer {
    /// The group whose members are admins on an installed box (etc/sysusers.d/gosgate.conf).
    public static let adminGroup = "gosgate-admin"

    /// The admin server as gosgated runs it: on the socket systemd passed as `admin`
    /// (`gosgate-admin.socket`) when there is one, otherwise on `admin.socket` from the
    /// configuration, mode 0660, group gosgate-admin; operators are `admin.operator_group`. SIGHUP
    /// reloads, like `gosgatectl reload`, and is caught from this call on.
    public static func daemon(service: GatewayService, configurationPath: String, activation: SocketActivation,
                              startedAt: Date = Date(), logger: Logger) throws(AdminServerError) -> AdminServer {
        let settings = service.configuration.admin
        let api = AdminAPI(service: service, configurationPath: configurationPath,
                           policy: AdminAccessPolicy(adminGroup: adminGroup, operatorGroup: settings.operatorGroup),
                           startedAt: startedAt, logger: logger)
        // Before the service group starts: READY=1 may go out before the admin server runs, and
        // a SIGHUP then must reload, not end the daemon.
        HangupSignals.catchFromNow()
        let passed: [ActivatedSocket]
        do {
            passed = try activation.listeners(named: "admin")
        } catch {
            throw .activationFailed(error.description)
        }
        if let socket = passed.first {
            return AdminServer(api: api, listener: .activated(socket), logger: logger, reloadsOnHangup: true)
        }
        return AdminServer(api: api, listener: .path(AdminSocketSettings(path: settings.socket, group: adminGroup)),
                           logger: logger, reloadsOnHangup: true)
    }
}
