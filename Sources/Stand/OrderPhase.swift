/// Where an order is in its life on the stand, with what EPGU reports for it.
///
/// `code` is the gu-smev processing status of the order details (EPGU specification, прил. 1);
/// `statusID`/`statusName` stand for the portal status, whose real values differ per service, so
/// the stand uses its own small table.
enum OrderPhase: String, Sendable, CaseIterable {
    /// Number reserved by `POST /order`, no files yet.
    case reserved
    /// Files received; waiting for verification.
    case submitted
    /// Files being verified.
    case verification
    /// Handed over to the department: the positive final status.
    case done
    /// The uploaded file is not a zip archive.
    case verificationFailed
    /// Cancelled by the applicant.
    case cancelled

    /// The gu-smev processing status (`code` of the order details); a cancelled order keeps the code
    /// it had, so this is nil for `.cancelled`.
    var code: String? {
        switch self {
        case .reserved, .submitted: return "NEW"
        case .verification: return "FILES_VERIFICATION"
        case .done: return "DONE"
        case .verificationFailed: return "FILES_VERIFICATION_FAILED"
        case .cancelled: return nil
        }
    }

    /// The stand's portal status number.
    var statusID: Int {
        switch self {
        case .reserved: return 0
        case .submitted: return 1
        case .verification: return 2
        case .done: return 3
        case .verificationFailed: return 4
        case .cancelled: return 5
        }
    }

    /// The stand's portal status name.
    var statusName: String {
        switch self {
        case .reserved: return "Черновик заявления"
        case .submitted: return "Заявление зарегистрировано на портале"
        case .verification: return "Заявление отправлено в ведомство"
        case .done: return "Услуга оказана"
        case .verificationFailed: return "Ошибка проверки файлов"
        case .cancelled: return "Заявление отменено"
        }
    }

    /// Whether the applicant may still cancel.
    var cancelAllowed: Bool {
        self == .reserved || self == .submitted || self == .verification
    }
}
