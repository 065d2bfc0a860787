import Foundation

/// Reference data for `POST /api/nsi/v1/dictionary/{code}` (no token needed): a few built-in
/// dictionaries plus any `dictionaries/<CODE>.json` in the stand directory (an array of
/// `{"value", "title", "parentValue"?, "attributeValues"?}` objects).
struct NSIDictionaries: Sendable {
    /// One dictionary entry.
    struct Item: Codable, Sendable, Equatable {
        var value: String
        var title: String
        var parentValue: String?
        var attributeValues: [String: String]?
    }

    private let dictionaries: [String: [Item]]

    /// Built-ins, overridden or extended by the JSON files in `directory` (if it exists).
    init(directory: String?) throws(StandError) {
        var dictionaries = Self.builtIn
        if let directory, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) {
            for name in names where name.hasSuffix(".json") {
                let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
                do {
                    let items = try JSONDecoder().decode([Item].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
                    dictionaries[String(name.dropLast(5))] = items
                } catch {
                    throw .configuration("dictionary \(path) is not a JSON array of {value, title, parentValue?}: \(error)")
                }
            }
        }
        self.dictionaries = dictionaries
    }

    /// The answer for dictionary `code` and a request body (possibly empty). Always HTTP 200, the way
    /// EPGU answers: an unknown dictionary is `error.code` 7.
    func answer(code: String, body: Data) -> [String: Any] {
        guard let items = dictionaries[code] else {
            return ["error": ["code": 7, "message": "Entity not found"], "fieldErrors": [], "total": 0, "items": []]
        }
        let request = body.isEmpty ? [:] : ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:])
        let filtering = (request["treeFiltering"] as? String)?.uppercased() ?? "ONELEVEL"
        let parent = (request["parentRefItemValue"]).flatMap { value -> String? in
            let text = "\(value)"
            return text.isEmpty || value is NSNull ? nil : text
        }
        var selected: [Item]
        if filtering == "SUBTREE" {
            selected = parent.map { descendants(of: $0, in: items) } ?? items
        } else {
            selected = items.filter { $0.parentValue == parent }
        }
        let total = selected.count
        if let pageNum = (request["pageNum"] as? NSNumber)?.intValue, let pageSize = (request["pageSize"] as? NSNumber)?.intValue,
           pageNum >= 1, pageSize >= 1 {
            selected = Array(selected.dropFirst((pageNum - 1) * pageSize).prefix(pageSize))
        }
        let rendered: [[String: Any]] = selected.map { item in
            let isLeaf = !items.contains { $0.parentValue == item.value }
            return ["value": item.value, "parentValue": item.parentValue ?? NSNull(), "title": item.title, "isLeaf": isLeaf,
                    "children": [], "attributes": [], "attributeValues": item.attributeValues ?? [:]]
        }
        return ["error": ["code": 0, "message": "operation completed"], "fieldErrors": [], "total": total, "items": rendered]
    }

    private func descendants(of value: String, in items: [Item]) -> [Item] {
        var result: [Item] = []
        var frontier = [value]
        while let next = frontier.popLast() {
            let children = items.filter { $0.parentValue == next }
            result.append(contentsOf: children)
            frontier.append(contentsOf: children.map(\.value))
        }
        return result
    }

    /// Small made-up dictionaries with the shapes of the real ones.
    private static let builtIn: [String: [Item]] = [
        "EXTERNAL_BIC": [
            Item(value: "044525000", title: "ГУ Банка России по ЦФО (стенд)", attributeValues: ["CORR_ACCOUNT": ""]),
            Item(value: "044525999", title: "АО «Стендовый банк»", attributeValues: ["CORR_ACCOUNT": "30101810400000000999"]),
            Item(value: "044030999", title: "ПАО «Северный стендовый банк»", attributeValues: ["CORR_ACCOUNT": "30101810000000000999"]),
        ],
        "OKATO_STAND": [
            Item(value: "45000000000", title: "Москва"),
            Item(value: "45263000000", title: "Москва, Центральный округ", parentValue: "45000000000"),
            Item(value: "45286000000", title: "Москва, Северный округ", parentValue: "45000000000"),
            Item(value: "40000000000", title: "Санкт-Петербург"),
            Item(value: "40262000000", title: "Санкт-Петербург, Василеостровский район", parentValue: "40000000000"),
        ],
    ]
}
