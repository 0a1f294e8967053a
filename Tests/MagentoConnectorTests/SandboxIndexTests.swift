import FerryValues
import Foundation
import MagentoConnector
@testable import MagentoSandbox
import Testing

/// The sandbox answers keyset pages and SKU look-ups from indexes: each answer must be the one the full scan gives.
@Suite struct SandboxIndexTests {
    static func criteria(
        _ groups: [[(String, String, String)]], sorts: [(String, String)] = [], pageSize: Int? = nil,
        page: Int? = nil, fields: String? = nil
    ) -> [(String, String)] {
        var query: [(String, String)] = []
        for (g, group) in groups.enumerated() {
            for (f, (field, condition, value)) in group.enumerated() {
                let prefix = "searchCriteria[filter_groups][\(g)][filters][\(f)]"
                query += [("\(prefix)[field]", field), ("\(prefix)[value]", value), ("\(prefix)[condition_type]", condition)]
            }
        }
        for (i, (field, direction)) in sorts.enumerated() {
            query += [("searchCriteria[sortOrders][\(i)][field]", field), ("searchCriteria[sortOrders][\(i)][direction]", direction)]
        }
        if let pageSize { query.append(("searchCriteria[pageSize]", String(pageSize))) }
        if let page { query.append(("searchCriteria[currentPage]", String(page))) }
        if query.isEmpty { query.append(("searchCriteria", "")) }
        if let fields { query.append(("fields", fields)) }
        return query
    }

    static let orderSearches: [[(String, String)]] = [
        criteria([[("entity_id", "gt", "0")]], sorts: [("entity_id", "ASC")], pageSize: 100, page: 1),
        criteria([[("entity_id", "gt", "250")]], sorts: [("entity_id", "ASC")], pageSize: 100, page: 1),
        criteria([[("entity_id", "gt", "300")]], sorts: [("entity_id", "ASC")], pageSize: 100, page: 1),
        criteria([[("entity_id", "gt", "12.5")]], sorts: [("entity_id", "DESC")], pageSize: 7, page: 3),
        criteria([[("status", "eq", "exported")], [("entity_id", "gt", "3")]], sorts: [("entity_id", "ASC")], pageSize: 2),
        criteria([[("status", "in", "pending,exported")], [("updated_at", "gteq", "2025-01-01 05:00:00")],
                  [("entity_id", "gt", "40")]], sorts: [("entity_id", "ASC")], pageSize: 50, page: 1),
        criteria([[("entity_id", "gteq", "10")], [("entity_id", "lt", "20")]], sorts: [("entity_id", "ASC")]),
        criteria([[("entity_id", "lteq", "15")], [("entity_id", "moreq", "15")]]),
        criteria([[("entity_id", "from", "5")], [("entity_id", "to", "9")]], sorts: [("entity_id", "DESC"), ("status", "ASC")]),
        criteria([[("entity_id", "eq", "77")]]),
        criteria([[("entity_id", "eq", "077")]]),
        criteria([[("entity_id", "eq", "-1")]]),
        criteria([[("entity_id", "gt", "abc")]], sorts: [("entity_id", "ASC")]),
        criteria([[("entity_id", "gt", "10"), ("status", "eq", "exported")]], sorts: [("entity_id", "ASC")]),
        criteria([[("entity_id", "in", "3, 5,8,13,999")]], sorts: [("entity_id", "DESC")]),
        criteria([[("entity_id", "neq", "1")]], pageSize: 100, page: 3),
        criteria([[("entity_id", "gt", "5")]], pageSize: 100, page: 9),
        criteria([], pageSize: 20, page: 2, fields: "items[entity_id,increment_id],total_count"),
        criteria([[("customer_email", "like", "jane%")]], sorts: [("entity_id", "ASC")], pageSize: 5, page: 2),
        criteria([[("coupon_code", "null", "")], [("entity_id", "lt", "100")]], sorts: [("entity_id", "ASC")]),
        // Not led by entity_id: the scan answers (the same code as before), here only to cover the routing.
        criteria([[("entity_id", "gt", "5")]], sorts: [("updated_at", "DESC"), ("entity_id", "ASC")], pageSize: 10),
    ]

    @Test(arguments: [MagentoSandboxOptions.PastLastPage.clamp, .empty])
    func orderSearchesMatchTheScan(_ pastLast: MagentoSandboxOptions.PastLastPage) async throws {
        let store = SandboxStore(seed: 5, orders: 280, faultSeed: 1)
        await store.setClock { Date(timeIntervalSince1970: 1_735_700_000) }
        for id in stride(from: 7, through: 280, by: 13) { await store.touch(id, status: "exported") }
        for _ in 0..<20 { await store.addOrder(createdAt: "2025-01-02 10:00:00") }
        let options = MagentoSandboxOptions(pastLastPage: pastLast)
        let every = await Array(store.orders.values)
        for query in Self.orderSearches {
            let indexed = await store.searchOrders(query: query, options: options)
            let scanned = await store.search(every, query: query, options: options, id: "entity_id")
            #expect(indexed.status == scanned.status)
            #expect(indexed.body.serialized == scanned.body.serialized, "\(query)")
        }
    }

    @Test func productLookUpsMatchTheScan() async throws {
        let store = SandboxStore(seed: 5, orders: 1, faultSeed: 1)
        await store.addSimpleProducts(count: 300)
        // The same prefix again: duplicate SKUs, which the scan returns twice.
        await store.addSimpleProducts(count: 3)
        await store.addSimpleProducts(count: 12, prefix: "7")
        let searches: [[(String, String)]] = [
            Self.criteria([[("sku", "in", "BULK-1,BULK-2,NOPE,BOARD001,PEN/BLK-10,BULK-250")]], pageSize: 100, page: 1,
                          fields: "items[sku],total_count"),
            Self.criteria([[("sku", "in", "BULK-1, BULK-2 ,,BULK-299")]], sorts: [("price", "DESC"), ("name", "ASC")]),
            Self.criteria([[("sku", "eq", "BULK-0"), ("sku", "in", "BULK-7,BULK-8")]], sorts: [("type_id", "ASC")]),
            Self.criteria([[("sku", "in", "BULK-1,BULK-2,BULK-3")], [("name", "like", "%2")]]),
            Self.criteria([[("sku", "in", "BULK-1,BULK-2,BULK-3")]], pageSize: 2, page: 2),
            Self.criteria([[("sku", "in", "BULK-1,BULK-2,BULK-3")]], pageSize: 2, page: 5),
            // Numeric-looking values compare as numbers: answered by the scan.
            Self.criteria([[("sku", "in", "70,71,07")]]),
            Self.criteria([[("sku", "eq", "7.0")]]),
            Self.criteria([[("sku", "like", "BULK-2%")]], pageSize: 10),
            Self.criteria([[("sku", "eq", "")]]),
        ]
        var every: [[String: JSONValue]] = []
        for product in await store.products { every.append(await store.productJSON(product)) }
        #expect(every.count > 300)
        for query in searches {
            for options in [MagentoSandboxOptions(pastLastPage: .clamp), MagentoSandboxOptions(pastLastPage: .empty)] {
                let indexed = await store.searchProducts(query: query, options: options)
                let scanned = await store.search(every, query: query, options: options, id: "id")
                #expect(indexed.status == scanned.status)
                #expect(indexed.body.serialized == scanned.body.serialized, "\(query)")
            }
        }
    }
}

@Suite struct JSONSerialisationTests {
    @Test func escapesAndSortsAsBefore() throws {
        let value: JSONValue = [
            "b": .string("a\"b\\c\n\r\t\u{01}\u{1F}\u{7F}é😀/"), "a": [1, .null, true, false, .number("56.470")],
            "é": [:], "Z": [],
        ]
        #expect(
            value.serialized
                == #"{"Z":[],"a":[1,null,true,false,56.470],"b":"a\"b\\c\n\r\t\u0001\u001f"# + "\u{7F}é😀/\",\"é\":{}}")
        #expect(try JSONValue.parse(value.serialized) == value)
        #expect(value.data == Data(value.serialized.utf8))
    }
}
