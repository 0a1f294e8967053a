import FerryValues
import Foundation
/// Magento's searchCriteria: filter groups (AND) of filters (OR), sort orders, paging.
public struct SearchCriteria: Sendable, Equatable {
    /// A filter's condition type, as Magento names it.
    public enum Condition: String, Sendable, CaseIterable, Codable {
        case eq, neq, gt, gteq, lt, lteq, moreq, like, nlike, `in`, nin, finset, nfinset, null, notnull, from, to
    }

    /// One condition on a top-level field.
    public struct Filter: Sendable, Equatable {
        public var field: String
        public var value: String
        public var condition: Condition

        /// Creates a filter; `like` values carry their own `%`.
        public init(_ field: String, _ condition: Condition = .eq, _ value: String = "") {
            self.field = field
            self.value = value
            self.condition = condition
        }
    }

    /// Filters OR'ed together.
    public struct Group: Sendable, Equatable {
        public var filters: [Filter]
        /// Creates a group.
        public init(_ filters: [Filter]) { self.filters = filters }
    }

    public var groups: [Group]
    public var sortOrders: [(field: String, ascending: Bool)]
    public var pageSize: Int?
    public var currentPage: Int?

    /// Creates criteria.
    public init(
        groups: [Group] = [], sortOrders: [(field: String, ascending: Bool)] = [], pageSize: Int? = nil,
        currentPage: Int? = nil
    ) {
        self.groups = groups
        self.sortOrders = sortOrders
        self.pageSize = pageSize
        self.currentPage = currentPage
    }

    public static func == (a: SearchCriteria, b: SearchCriteria) -> Bool {
        a.groups == b.groups && a.pageSize == b.pageSize && a.currentPage == b.currentPage
            && a.sortOrders.map(\.field) == b.sortOrders.map(\.field)
            && a.sortOrders.map(\.ascending) == b.sortOrders.map(\.ascending)
    }

    /// Adds a group with one filter (AND with the others).
    public mutating func require(_ filter: Filter) { groups.append(Group([filter])) }

    /// The query items, in Magento's snake_case spelling.
    public var queryItems: [(String, String)] {
        var items: [(String, String)] = []
        for (g, group) in groups.enumerated() {
            for (f, filter) in group.filters.enumerated() {
                let prefix = "searchCriteria[filter_groups][\(g)][filters][\(f)]"
                items.append(("\(prefix)[field]", filter.field))
                items.append(("\(prefix)[value]", filter.value))
                items.append(("\(prefix)[condition_type]", filter.condition.rawValue))
            }
        }
        for (i, sort) in sortOrders.enumerated() {
            items.append(("searchCriteria[sortOrders][\(i)][field]", sort.field))
            items.append(("searchCriteria[sortOrders][\(i)][direction]", sort.ascending ? "ASC" : "DESC"))
        }
        if let pageSize { items.append(("searchCriteria[pageSize]", String(pageSize))) }
        if let currentPage { items.append(("searchCriteria[currentPage]", String(currentPage))) }
        if items.isEmpty {
            // searchCriteria is mandatory: an empty one still has to be present.
            items.append(("searchCriteria", ""))
        }
        return items
    }
}

/// One page of a search.
public struct SearchPage: Sendable {
    /// The items as sent.
    public var items: [JSONValue]
    /// Matches in all, over every page.
    public var totalCount: Int
}

/// A search's answer as received, read in two steps: ``outline()`` (each item's `entity_id` and the counts, without
/// building the items) and ``page()`` (everything).
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

    /// The items' ids and the total, at about a quarter of the cost of ``page()``.
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

    private var noItems: MagentoError {
        MagentoError(code: .invalidResponse, status: status, method: "GET", path: path, message: "no items[] in the search result")
    }
}
