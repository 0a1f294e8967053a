import Foundation
import MagentoConnector

// Searches answered from indexes, the way Magento answers them from MySQL's: a keyset page of orders is a range of
// the entity_id index, a `sku in (...)` look-up reads the SKU index. Only the page returned becomes JSON. Anything
// the indexes cannot answer exactly goes through the generic path (`SandboxSearch.apply` over every item), so the
// filter and sort semantics are the same either way.

extension SandboxSearch {
    /// How to read a search from the id index: the direction, the id bounds, and the groups left to evaluate.
    struct IDRangePlan {
        /// Id ascending (or descending) is the whole order: ids are unique, so later sort keys never decide.
        var ascending: Bool
        /// Single-filter groups on the id with a numeric value (`entity_id gt 100`): each narrows the range.
        var bounds: [(condition: String, value: Decimal)] = []
        /// The other groups, evaluated per order in the range.
        var rest: [[Filter]] = []
    }

    static let rangeConditions: Set<String> = ["eq", "gt", "gteq", "moreq", "from", "lt", "lteq", "to"]

    /// The plan when the first sort key is the id field (or no sort is sent, which sorts by id); nil otherwise.
    func idRangePlan(idField: String) -> IDRangePlan? {
        let first = effectiveSorts(idField: idField)[0]
        guard first.field == idField else { return nil }
        var plan = IDRangePlan(ascending: first.ascending)
        for group in groups {
            // Every id is an integer, so it compares as a number with a numeric filter value.
            if group.count == 1, let filter = group.first, filter.field == idField,
                Self.rangeConditions.contains(filter.condition), let value = filter.key.number
            {
                plan.bounds.append((filter.condition, value))
            } else {
                plan.rest.append(group)
            }
        }
        return plan
    }

    /// The values an index on `field` can look up for this search: those of the first group made only of `eq`/`in`
    /// filters on `field` whose values compare as text (a numeric value may equal differently spelt numbers, so it
    /// is left to the generic path). Any match must satisfy that group, hence hold one of these values exactly.
    func indexedValues(field: String) -> Set<String>? {
        for group in groups {
            var values = Set<String>()
            let usable = group.allSatisfy { filter in
                guard filter.field == field else { return false }
                let candidates: [String]
                switch filter.condition {
                case "eq": candidates = [filter.value]
                case "in": candidates = filter.list
                default: return false
                }
                guard candidates.allSatisfy({ SandboxKey($0).number == nil }) else { return false }
                values.formUnion(candidates)
                return true
            }
            if usable { return values }
        }
        return nil
    }
}

extension SandboxStore {
    /// `GET /V1/orders`: from the entity_id index when the search is sorted by entity_id, generically otherwise.
    func searchOrders(query: [(String, String)], options: MagentoSandboxOptions) -> APIAnswer {
        let criteria = SandboxSearch(query: query)
        if let refusal = refusal(criteria, options: options) { return refusal }
        guard let plan = criteria.idRangePlan(idField: "entity_id") else {
            return search(orders.values.map { $0 }, query: query, options: options, id: "entity_id")
        }
        var lower = 0
        var upper = orderIDs.count
        for (condition, value) in plan.bounds {
            let above = orderIDs.partitionPoint { Decimal($0) > value }
            let atOrAbove = orderIDs.partitionPoint { Decimal($0) >= value }
            switch condition {
            case "gt": lower = max(lower, above)
            case "gteq", "moreq", "from": lower = max(lower, atOrAbove)
            case "lt": upper = min(upper, atOrAbove)
            case "lteq", "to": upper = min(upper, above)
            default:  // eq
                lower = max(lower, atOrAbove)
                upper = min(upper, above)
            }
        }
        let range = lower < upper ? orderIDs[lower..<upper] : orderIDs[0..<0]
        let ids: [Int]
        if plan.rest.isEmpty {
            ids = plan.ascending ? Array(range) : range.reversed()
        } else {
            let groups = plan.rest.map { $0.map(SandboxSearch.CompiledFilter.init) }
            let inOrder = plan.ascending ? Array(range) : range.reversed()
            ids = inOrder.filter { id in
                let order = orders[id]!
                return groups.allSatisfy { group in group.contains { SandboxSearch.matches($0, order) } }
            }
        }
        return page(criteria, query: query, options: options, count: ids.count) { slice in
            ids[slice].map { self.orders[$0]! }
        }
    }

    /// `GET /V1/products`: a SKU look-up reads the SKU index; anything else converts the whole catalogue.
    func searchProducts(query: [(String, String)], options: MagentoSandboxOptions) -> APIAnswer {
        guard let skus = SandboxSearch(query: query).indexedValues(field: "sku") else {
            return search((catalogue + bulkProducts).map(productJSON), query: query, options: options, id: "id")
        }
        // In catalogue order, as the full scan sees them (a sort keeps that order among equal keys).
        let positions = Set(skus.flatMap { productPositionsBySKU[$0.lowercased()] ?? [] }).sorted()
        return search(positions.map { productJSON(product(at: $0)) }, query: query, options: options, id: "id")
    }

    /// The product at `position` in `catalogue + bulkProducts`.
    func product(at position: Int) -> SandboxProduct {
        position < catalogue.count ? catalogue[position] : bulkProducts[position - catalogue.count]
    }
}

extension RandomAccessCollection where Index == Int {
    /// The first index whose element satisfies `predicate`, which must be false then true along the collection.
    func partitionPoint(where predicate: (Element) -> Bool) -> Int {
        var low = startIndex
        var high = endIndex
        while low < high {
            let mid = low + (high - low) / 2
            if predicate(self[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
