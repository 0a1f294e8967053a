import FerryValues
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
