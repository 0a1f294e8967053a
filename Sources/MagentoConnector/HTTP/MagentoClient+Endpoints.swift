import FerryValues
public import Foundation

extension MagentoClient {
    /// `GET /V1/orders` with search criteria.
    public func searchOrders(_ criteria: SearchCriteria) async throws(MagentoError) -> SearchPage {
        try await search("/orders", criteria)
    }

    /// `GET /V1/products` with search criteria (fields limited to what ferry needs when `fields` is set).
    public func searchProducts(_ criteria: SearchCriteria, fields: String? = nil) async throws(MagentoError)
        -> SearchPage
    {
        try await search("/products", criteria, fields: fields)
    }

    /// `GET /V1/orders` with search criteria, unparsed: ``SearchAnswer/outline()`` gives the orders' ids at a
    /// quarter of the cost of ``SearchAnswer/page()`` (a download asks for the next page in between).
    public func searchOrderPage(_ criteria: SearchCriteria) async throws(MagentoError) -> SearchAnswer {
        try await searchAnswer("/orders", criteria)
    }

    private func search(_ path: String, _ criteria: SearchCriteria, fields: String? = nil) async throws(MagentoError)
        -> SearchPage
    {
        try await searchAnswer(path, criteria, fields: fields).page()
    }

    private func searchAnswer(_ path: String, _ criteria: SearchCriteria, fields: String? = nil) async throws(MagentoError)
        -> SearchAnswer
    {
        var query = criteria.queryItems
        if let fields { query.append(("fields", fields)) }
        let response = try await answer("GET", path, query: query)
        return SearchAnswer(body: response.body, status: response.status, path: restPrefix + path)
    }

    /// `GET /V1/orders/{id}`.
    public func order(entityID: Int) async throws(MagentoError) -> MagentoOrder {
        MagentoOrder(json: try await send("GET", "/orders/\(entityID)"))
    }

    /// `POST /V1/orders/{id}/comments`: adds a status history comment, optionally changing the status.
    ///
    /// Not idempotent: a repeated call adds a second comment, so it is never blindly retried
    /// (see ``OrderUpdater`` for the exactly-once protocol).
    public func addComment(
        entityID: Int, comment: String, status: String?, notifyCustomer: Bool, visibleOnFront: Bool
    ) async throws(MagentoError) {
        var history: [String: JSONValue] = [
            "comment": .string(comment),
            "is_customer_notified": .int(notifyCustomer ? 1 : 0),
            "is_visible_on_front": .int(visibleOnFront ? 1 : 0),
            "parent_id": .int(entityID),
        ]
        if let status { history["status"] = .string(status) }
        _ = try await send(
            "POST", "/orders/\(entityID)/comments", body: ["statusHistory": .object(history)], idempotent: false)
    }

    /// Escapes a SKU as one path segment: `/`, `%`, spaces, `#`, `?` all escaped.
    public static func escapePathSegment(_ s: String) -> String { OAuth1Signer.percentEncode(s) }

    /// `PUT /V1/products/{sku}/stockItems/1` (legacy stock; the item id is resolved from the SKU by Magento).
    public func updateStockItem(sku: String, qty: Decimal, isInStock: Bool) async throws(MagentoError) {
        _ = try await send(
            "PUT", "/products/\(Self.escapePathSegment(sku))/stockItems/1",
            body: ["stockItem": ["qty": .decimal(qty), "is_in_stock": .bool(isInStock)]])
    }

    /// `POST /V1/inventory/source-items` (MSI): all-or-nothing save of source items.
    public func saveSourceItems(_ items: [SourceItem]) async throws(MagentoError) {
        let body: JSONValue = [
            "sourceItems": .array(
                items.map {
                    [
                        "sku": .string($0.sku), "source_code": .string($0.sourceCode), "quantity": .decimal($0.quantity),
                        "status": .int($0.inStock ? 1 : 0),
                    ]
                })
        ]
        _ = try await send("POST", "/inventory/source-items", body: body)
    }

    /// Which of `skus` exist in the catalogue (MSI saves unknown SKUs silently, so ferry checks first).
    public func existingSKUs(_ skus: [String], batchSize: Int = 100) async throws(MagentoError) -> Set<String> {
        var found = Set<String>()
        var start = 0
        while start < skus.count {
            if Task.isCancelled { throw MagentoError.stopped("catalogue look-up") }
            let batch = Array(skus[start..<min(start + batchSize, skus.count)])
            start += batchSize
            // `in` takes a comma list: a SKU containing a comma is looked up on its own with `eq`.
            let plain = batch.filter { !$0.contains(",") }
            var lookups: [SearchCriteria.Filter] = []
            if !plain.isEmpty { lookups.append(.init("sku", .in, plain.joined(separator: ","))) }
            lookups += batch.filter { $0.contains(",") }.map { .init("sku", .eq, $0) }
            for filter in lookups {
                let criteria = SearchCriteria(groups: [.init([filter])], pageSize: batch.count, currentPage: 1)
                let page = try await searchProducts(criteria, fields: "items[sku],total_count")
                for item in page.items { if let sku = item["sku"]?.text { found.insert(sku) } }
            }
        }
        return found
    }
}

/// One MSI source item to save.
public struct SourceItem: Sendable, Equatable {
    public var sku: String
    public var sourceCode: String
    public var quantity: Decimal
    public var inStock: Bool

    /// Creates a source item.
    public init(sku: String, sourceCode: String, quantity: Decimal, inStock: Bool) {
        self.sku = sku
        self.sourceCode = sourceCode
        self.quantity = quantity
        self.inStock = inStock
    }
}
