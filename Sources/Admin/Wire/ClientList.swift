/// `GET /v1/clients` (schema `client-list.json`).
public struct ClientList: Codable, Sendable, Equatable {
    public let clients: [ClientInfo]
}
