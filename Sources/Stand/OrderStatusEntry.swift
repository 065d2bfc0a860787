import Foundation
import GRDB

/// One line of an order's status history; its id is EPGU's `currentStatusHistoryId`.
struct OrderStatusEntry: Sendable, Equatable {
    let id: Int64
    let orderID: Int64
    let phase: OrderPhase
    let code: String
    let at: Date

    init(row: Row) {
        id = row["id"]
        orderID = row["order_id"]
        phase = OrderPhase(rawValue: row["phase"]) ?? .reserved
        code = row["code"]
        at = Date(timeIntervalSince1970: row["at"])
    }
}
