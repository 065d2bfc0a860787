import Foundation
import SwiftASN1

/// `Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }`, the signingTime value (RFC 5652 §11.3):
/// UTCTime for 1950–2049, GeneralizedTime otherwise, whole seconds.
enum CMSTime: DERParseable, DERSerializable, Hashable, Sendable {
    case utcTime(UTCTime)
    case generalizedTime(GeneralizedTime)

    /// The encoding RFC 5652 requires for `date`, truncated to whole seconds.
    init(_ date: Date) throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let (year, month, day) = (parts.year!, parts.month!, parts.day!)
        let (hour, minute, second) = (parts.hour!, parts.minute!, parts.second!)
        if (1950...2049).contains(year) {
            self = .utcTime(try UTCTime(year: year, month: month, day: day, hours: hour, minutes: minute, seconds: second))
        } else {
            self = .generalizedTime(try GeneralizedTime(year: year, month: month, day: day, hours: hour,
                                                        minutes: minute, seconds: second, fractionalSeconds: 0))
        }
    }

    init(derEncoded node: ASN1Node) throws {
        switch node.identifier {
        case UTCTime.defaultIdentifier: self = .utcTime(try UTCTime(derEncoded: node))
        case GeneralizedTime.defaultIdentifier: self = .generalizedTime(try GeneralizedTime(derEncoded: node))
        default: throw ASN1Error.unexpectedFieldType(node.identifier)
        }
    }

    func serialize(into coder: inout DER.Serializer) throws {
        switch self {
        case .utcTime(let time): try coder.serialize(time)
        case .generalizedTime(let time): try coder.serialize(time)
        }
    }

    /// The moment as a `Date`.
    var date: Date? {
        var parts = DateComponents()
        switch self {
        case .utcTime(let time):
            (parts.year, parts.month, parts.day) = (time.year, time.month, time.day)
            (parts.hour, parts.minute, parts.second) = (time.hours, time.minutes, time.seconds)
        case .generalizedTime(let time):
            (parts.year, parts.month, parts.day) = (time.year, time.month, time.day)
            (parts.hour, parts.minute, parts.second) = (time.hours, time.minutes, time.seconds)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: parts)
    }
}
