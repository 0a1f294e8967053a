import FerryValues
import Foundation
import MagentoConnector

/// An answer of the REST API before faults are applied.
struct APIAnswer: Sendable {
    var status: Int
    var body: JSONValue
    var effect = false

    static func error(_ status: Int, _ message: String, _ parameters: JSONValue? = nil, errors: JSONValue? = nil) -> APIAnswer {
        var body: [String: JSONValue] = ["message": .string(message)]
        if let parameters { body["parameters"] = parameters }
        if let errors { body["errors"] = errors }
        return APIAnswer(status: status, body: .object(body))
    }

    static let noRoute = error(404, "Request does not match any route.")
}

extension SandboxStore {
    /// Routes one authenticated REST call (`segments` after `/V1`).
    func handle(
        method: String, segments: [String], query: [(String, String)], body: JSONValue?, options: MagentoSandboxOptions
    ) -> (APIAnswer, String) {
        switch (method, segments.count, segments.first) {
        case ("GET", 1, "orders"): return (searchOrders(query: query, options: options), "/V1/orders")
        case ("GET", 1, "products"): return (searchProducts(query: query, options: options), "/V1/products")
        case ("GET", 2, "orders"):
            guard let id = Int(segments[1]), let order = orders[id] else { return (notFound(), "/V1/orders/{id}") }
            return (APIAnswer(status: 200, body: .object(order)), "/V1/orders/{id}")
        case ("POST", 3, "orders") where segments[2] == "comments":
            return (addComment(segments[1], body: body, options: options), "/V1/orders/{id}/comments")
        case ("GET", 3, "orders") where segments[2] == "comments":
            guard let id = Int(segments[1]), let order = orders[id] else { return (notFound(), "/V1/orders/{id}/comments") }
            let items = order["status_histories"]?.array ?? []
            return (APIAnswer(status: 200, body: ["items": .array(items), "search_criteria": ["filter_groups": []], "total_count": .int(items.count)]), "/V1/orders/{id}/comments")
        case ("PUT", 4, "products") where segments[2] == "stockItems":
            return (putStock(sku: segments[1], body: body), "/V1/products/{productSku}/stockItems/{itemId}")
        case ("GET", 2, "stockItems"):
            return (getStock(sku: segments[1]), "/V1/stockItems/{productSku}")
        case ("POST", 2, "inventory") where segments[1] == "source-items":
            return (saveSourceItems(body: body, options: options), "/V1/inventory/source-items")
        default:
            return (.noRoute, "")
        }
    }

    func notFound() -> APIAnswer {
        .error(404, "The entity that was requested doesn't exist. Verify the entity and try again.")
    }

    /// A search by scanning: every item filtered and sorted (`SandboxSearch.apply`), then the page cut out.
    func search(_ all: [[String: JSONValue]], query: [(String, String)], options: MagentoSandboxOptions, id: String)
        -> APIAnswer
    {
        let criteria = SandboxSearch(query: query)
        if let refusal = refusal(criteria, options: options) { return refusal }
        let matched = criteria.apply(all, idField: id)
        return page(criteria, query: query, options: options, count: matched.count) { Array(matched[$0]) }
    }

    /// The 400 answers a search gets before anything is read: no searchCriteria, or a page over the input limit.
    func refusal(_ criteria: SandboxSearch, options: MagentoSandboxOptions) -> APIAnswer? {
        guard criteria.present else {
            return .error(400, "%fieldName is a required field.", ["fieldName": "searchCriteria"])
        }
        if options.inputLimits, let size = criteria.pageSize, size > 300 {
            return .error(400, "Maximum SearchCriteria pageSize is %max", ["max": 300])
        }
        return nil
    }

    /// The search answer for `count` matches in order; `items` gives the matches at the positions of the page
    /// asked for, so only that page becomes JSON.
    func page(
        _ criteria: SandboxSearch, query: [(String, String)], options: MagentoSandboxOptions, count: Int,
        items: (Range<Int>) -> [[String: JSONValue]]
    ) -> APIAnswer {
        let pageSize = criteria.pageSize ?? (options.inputLimits ? 20 : max(count, 1))
        var page = max(criteria.currentPage ?? 1, 1)
        let pages = max((count + pageSize - 1) / pageSize, 1)
        if page > pages {
            switch options.pastLastPage {
            case .clamp: page = pages
            case .empty: page = -1
            }
        }
        let start = page < 0 ? count : min((page - 1) * pageSize, count)
        let pageItems = items(start..<min(start + pageSize, count))
        let response: JSONValue = [
            "items": .array(pageItems.map { .object($0) }), "search_criteria": criteria.echo(),
            "total_count": .int(count),
        ]
        return APIAnswer(status: 200, body: applyFields(query.first { $0.0 == "fields" }?.1, to: response))
    }

    /// Magento 2.4's comment API: a status must belong to the order's current state (else 400, nothing stored);
    /// without one the entry takes the order's status; the entry goes first in `status_histories`.
    func addComment(_ idText: String, body: JSONValue?, options: MagentoSandboxOptions) -> APIAnswer {
        guard let history = body?["statusHistory"]?.object else {
            return .error(400, "\"%fieldName\" is required. Enter and try again.", ["fieldName": "statusHistory"])
        }
        for field in ["comment", "is_customer_notified", "is_visible_on_front", "parent_id"] where history[field] == nil {
            return .error(400, "\"%fieldName\" is required. Enter and try again.", ["fieldName": .string(field)])
        }
        guard let id = Int(idText), var order = orders[id] else { return notFound() }
        let state = order["state"]?.text ?? "new"
        var status = order["status"] ?? .null
        if let wanted = history["status"]?.text, !wanted.isEmpty {
            guard OrderStatusRules(customStatuses: options.customStatuses).allows(wanted, inState: state) else {
                return .error(
                    400, "Unable to add comment: The status \"%1\" is not part of the order status history.",
                    [.string(wanted)])
            }
            status = .string(wanted)
        }
        let now = MagentoDate.string(clock())
        let entry: JSONValue = [
            "comment": history["comment"] ?? "", "created_at": .string(now), "entity_id": .int(historyID),
            "entity_name": "order", "is_customer_notified": .int(history["is_customer_notified"]?.bool == true ? 1 : 0),
            "is_visible_on_front": .int(history["is_visible_on_front"]?.bool == true ? 1 : 0), "parent_id": .int(id),
            "status": status,
        ]
        historyID += 1
        order["status_histories"] = .array([entry] + (order["status_histories"]?.array ?? []))
        order["status"] = status
        order["updated_at"] = .string(now)
        orders[id] = order
        return APIAnswer(status: 200, body: true, effect: true)
    }

    func putStock(sku: String, body: JSONValue?) -> APIAnswer {
        guard let item = body?["stockItem"]?.object else {
            return .error(400, "\"%fieldName\" is required. Enter and try again.", ["fieldName": "stockItem"])
        }
        guard let product = productBySKU[sku.lowercased()] else {
            return .error(404, "The Product with the \"%1\" SKU doesn't exist.", [.string(sku)])
        }
        let qty = item["qty"]?.decimal ?? stock[product.sku]?.qty ?? 0
        let inStock = item["is_in_stock"]?.bool ?? (qty > 0)
        stock[product.sku] = (qty, inStock)
        return APIAnswer(status: 200, body: .int(product.id), effect: true)
    }

    func getStock(sku: String) -> APIAnswer {
        guard let product = productBySKU[sku.lowercased()] else {
            return .error(404, "The Product with the \"%1\" SKU doesn't exist.", [.string(sku)])
        }
        let level = stock[product.sku] ?? (0, false)
        return APIAnswer(
            status: 200,
            body: [
                "item_id": .int(product.id), "product_id": .int(product.id), "stock_id": 1, "qty": .decimal(level.qty),
                "is_in_stock": .bool(level.inStock), "is_qty_decimal": false, "show_default_notification_message": false,
                "use_config_min_qty": true, "min_qty": 0, "use_config_min_sale_qty": 1, "min_sale_qty": 1,
                "use_config_max_sale_qty": true, "max_sale_qty": 10000, "use_config_backorders": true, "backorders": 0,
                "use_config_notify_stock_qty": true, "notify_stock_qty": 1, "use_config_qty_increments": true,
                "qty_increments": 0, "use_config_enable_qty_inc": true, "enable_qty_increments": false,
                "use_config_manage_stock": true, "manage_stock": true, "low_stock_date": "",
                "is_decimal_divided": false, "stock_status_changed_auto": 0,
            ])
    }

    func saveSourceItems(body: JSONValue?, options: MagentoSandboxOptions) -> APIAnswer {
        guard let items = body?["sourceItems"]?.array, !items.isEmpty else {
            return .error(400, "Input data is empty")
        }
        if options.inputLimits, items.count > options.maxArrayItems {
            return .error(
                400, "Maximum items of type \"%type\" is %max",
                ["type": "\\Magento\\InventoryApi\\Api\\Data\\SourceItemInterface", "max": .int(options.maxArrayItems)])
        }
        var errors: [JSONValue] = []
        for item in items {
            for field in ["sku", "source_code"] where (item[field]?.text ?? "").isEmpty {
                errors.append(["message": "\"%field\" can not be empty.", "parameters": ["field": .string(field)]])
            }
            if item["quantity"]?.decimal == nil {
                errors.append(["message": "\"%field\" should be numeric.", "parameters": ["field": "quantity"]])
            }
        }
        if !errors.isEmpty {
            return .error(400, "Validation Failed", errors: .array(errors))
        }
        // All or nothing: an unknown source rejects the whole request.
        if items.contains(where: { !options.sources.contains($0["source_code"]?.text ?? "") }) {
            return .error(400, "Could not save Source Item")
        }
        for item in items {
            // An unknown SKU is saved silently, as MSI does; a known one in another case is the same row.
            let given = item["sku"]!.text!
            let sku = productBySKU[given.lowercased()]?.sku ?? given
            sourceItems[sku, default: [:]][item["source_code"]!.text!] = (
                item["quantity"]!.decimal!, item["status"]?.int ?? 1
            )
        }
        return APIAnswer(status: 200, body: [], effect: true)
    }
}
