import NIOCore
import NIOHTTP1

/// Times the one request in flight on a connection.
final class OpenLoopResponseTimer: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: used only on its channel's event loop, which is the schedule's.
    typealias InboundIn = HTTPClientResponsePart

    private let schedule: OpenLoopSchedule
    private var dueAt: NIODeadline?
    private var succeeded = false

    init(schedule: OpenLoopSchedule) {
        self.schedule = schedule
    }

    func expect(dueAt: NIODeadline) {
        self.dueAt = dueAt
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            succeeded = (200..<300).contains(Int(head.status.code))
        case .body:
            break
        case .end:
            guard let dueAt else { return }
            self.dueAt = nil
            schedule.completed(dueAt: dueAt, channel: context.channel, success: succeeded)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        schedule.closed(context.channel)
        if let dueAt {
            self.dueAt = nil
            schedule.completed(dueAt: dueAt, channel: nil, success: false)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
