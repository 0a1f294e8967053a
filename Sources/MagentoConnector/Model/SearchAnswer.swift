import FerryValues
import Foundation

/// One page of a search.
public struct SearchPage: Sendable {
    /// The items as sent.
    public var items: [JSONValue]
    /// Matches in all, over every page.
    public var totalCount: Int
}

/// A search's answer as received, read in two steps: ``outline()`` (each item's `entity_id` and the counts, without
/// building the items), then ``page()`` (everything, as `JSONValue`s) or ``tapePage()`` (everything, as a tape).
public struct SearchAnswer: Sendable {
    let body: Data
    let status: Int
    let path: String

    /// What a search answer says about its items before they are read: each one's `entity_id` (nil where it has
    /// none) and the matches over every page.
    public struct Outline: Sendable {
        public var entityIDs: [Int?]
        public var totalCount: Int
    }

    /// The items' ids and the total, at about a quarter of the cost of ``page()`` (not measured against
    /// ``tapePage()``, which is cheaper than a parse).
    /// - Throws: ``MagentoError`` (`invalidResponse`) for a text that is not a search result.
    public func outline() throws(MagentoError) -> Outline {
        let outline: JSONOutline
        do {
            outline = try JSONOutline.of(body, array: "items", field: "entity_id")
        } catch {
            throw MagentoError(code: .invalidResponse, status: status, method: "GET", path: path, message: "\(error)")
        }
        guard outline.members["items"] == nil else { throw noItems }
        // `{"items": []}` and PHP's `{"items": {}}` both outline as no elements.
        let ids = outline.fields.map { $0?.int }
        return Outline(entityIDs: ids, totalCount: outline.members["total_count"]?.int ?? ids.count)
    }

    /// The whole page.
    /// - Throws: ``MagentoError`` (`invalidResponse`) for a text that is not JSON or has no `items` array.
    public func page() throws(MagentoError) -> SearchPage {
        let json = try MagentoClient.parse(body, status: status, method: "GET", path: path)
        guard let items = json["items"]?.array else { throw noItems }
        return SearchPage(items: items, totalCount: json["total_count"]?.int ?? items.count)
    }

    /// The whole page as a tape: the items stay in the answer's bytes, each an index of the tape (the download's
    /// path: it writes them out once, #18).
    /// - Throws: ``MagentoError`` (`invalidResponse`) for a text that is not JSON or has no `items` array.
    public func tapePage() throws(MagentoError) -> (tape: JSONTape, items: [Int]) {
        let tape: JSONTape
        do {
            tape = try JSONTape.parse(Array(body))
        } catch {
            throw MagentoError(code: .invalidResponse, status: status, method: "GET", path: path, message: "\(error)")
        }
        // An array, or PHP's `{}` for an empty one.
        guard let list = tape.member("items", of: 0), tape.values[list].kind == .array
            || (tape.values[list].kind == .object && tape.values[list].next == list + 1)
        else { throw noItems }
        return (tape, Array(tape.elements(of: list)))
    }

    private var noItems: MagentoError {
        MagentoError(code: .invalidResponse, status: status, method: "GET", path: path, message: "no items[] in the search result")
    }
}
