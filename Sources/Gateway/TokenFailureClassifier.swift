import ESIA
import Token

/// Turns the token layer's errors into the reasons the token manager acts on and the gateway reports.
enum TokenFailureClassifier {
    static func classify(_ error: any Error) -> TokenUnavailable {
        guard let error = error as? TokenError else { return .signerFailed("\(error)") }
        switch error {
        case .tokenAbsent, .tokenRemoved, .tokenNotFound, .pcscUnavailable:
            return .tokenAbsent
        case .pinRequired, .pinFinalTryRefused:
            return .pinRequired(retriesLeft: nil)
        case .pinIncorrect(let counter), .pinRejectedEarlier(let counter):
            return .pinRequired(retriesLeft: counter.retriesLeft)
        case .pinLocked:
            return .pinLocked
        case .queueTimeout, .cancelled:
            return .signerBusy(error.description)
        default:
            return .signerFailed(error.description)
        }
    }
}
