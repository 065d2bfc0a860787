import Foundation
import Token

extension AdminAPI {
    /// Hands a PIN to the signer: tried at once when the token is there (once: a wrong PIN is
    /// reported, never retried), kept for later when it is not. Token managers waiting for a PIN
    /// try again.
    func tokenLogin(_ call: AdminRoute.Call) async throws -> AdminRoute.Outcome {
        let request = try call.request.decode(TokenLoginRequest.self)
        let pin: TokenPIN
        do {
            pin = try TokenPIN(request.pin)
        } catch {
            throw AdminAPIError(error)
        }
        let forceFinalTry = request.forceFinalTry ?? false
        // Opening first lets the PIN be tried now; when the token is absent it is kept for later.
        _ = try? await service.signer.current()
        do {
            _ = try await service.signer.login(pin: pin, forceFinalTry: forceFinalTry)
        } catch {
            throw AdminAPIError(error)
        }
        await service.wakeTokenManagers()
        let report = await tokenReport(probe: false)
        return .init(response: .json(report), detail: [
            "force_final_try": String(forceFinalTry), "pin_state": report.pinState, "present": String(report.present),
        ])
    }

    /// Logs the token out and wipes the held PIN: no signature until the next login.
    func tokenLogout() async -> AdminRoute.Outcome {
        await service.signer.logout()
        return .init(response: .json(ActionReport(
            ok: true, message: "token logged out and the PIN wiped; tokens are refreshed only after `gosgatectl token login`")))
    }
}
