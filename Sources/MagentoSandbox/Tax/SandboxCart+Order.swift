import FerryValues
public import Foundation
public import MagentoConnector

extension SandboxCart {
    /// The order Magento stores for this cart under `settings`, as its REST API returns it (`GET /V1/orders/{id}`):
    /// every amount in the order currency and again in the base currency (`base_*`), stored to 4 places.
    public func magentoOrder(
        settings: MagentoTaxSettings, customer: SandboxCustomer, entityID: Int, createdAt: String
    ) -> [String: JSONValue] {
        let order = priced(settings, rate: currency == "GBP" ? nil : baseToOrderRate)
        let base = currency == "GBP" ? order : priced(settings, rate: nil)
        func money(_ value: Decimal) -> JSONValue { .number(value.rounded(places: 4).description) }
        func quantity(_ value: Decimal) -> JSONValue { .number(value.description) }
        // Both currencies of one figure: `name` and `base_name`.
        func pair(_ fields: inout [String: JSONValue], _ name: String, _ get: (PricedCart) -> Decimal) {
            fields[name] = money(get(order))
            fields["base_\(name)"] = money(get(base))
        }

        var items: [JSONValue] = []
        var itemID = entityID * 100
        for (index, line) in lines.enumerated() {
            itemID += 1
            let parentID = itemID
            // A row's fields: one priced row, or a dynamic bundle's parts summed (`recalculateParent`).
            func rowFields(_ get: (PricedCart) -> [PricedRow], percent: Decimal, summed: Bool) -> [String: JSONValue] {
                var f: [String: JSONValue] = [:]
                func sum(_ cart: PricedCart, _ value: (PricedRow) -> Decimal) -> Decimal {
                    get(cart).reduce(0) { $0 + value($1) }
                }
                let qty = line.quantity
                for (name, value) in [
                    ("row_total", { (r: PricedRow) in r.taxed.rowTotal }),
                    ("row_total_incl_tax", { $0.taxed.rowTotalInclTax }), ("tax_amount", { $0.taxed.rowTax }),
                    ("discount_amount", { $0.discount }),
                    ("discount_tax_compensation_amount", { $0.taxed.discountTaxCompensation }),
                ] as [(String, (PricedRow) -> Decimal)] {
                    f[name] = money(sum(order, value))
                    f["base_\(name)"] = money(sum(base, value))
                }
                if !summed {
                    let row = get(order)[0].taxed
                    let baseRow = get(base)[0].taxed
                    f["price"] = money(row.price)
                    f["base_price"] = money(baseRow.price)
                    f["price_incl_tax"] = money(row.priceInclTax)
                    f["base_price_incl_tax"] = money(baseRow.priceInclTax)
                } else {
                    // A dynamic bundle's price is its parts' rows over its quantity.
                    for (name, value) in [
                        ("price", { (r: PricedRow) in r.taxed.rowTotal }),
                        ("price_incl_tax", { $0.taxed.rowTotalInclTax }),
                    ] as [(String, (PricedRow) -> Decimal)] {
                        f[name] = money(MagentoRounding.round(sum(order, value)) / qty)
                        f["base_\(name)"] = money(MagentoRounding.round(sum(base, value)) / qty)
                    }
                }
                f["original_price"] = f["price"]
                f["base_original_price"] = f["base_price"]
                f["tax_percent"] = .number(percent.description)
                f["discount_percent"] = .number(couponPercent.description)
                return f
            }
            let rates = Set(order.lines[index].map(\.taxed.taxPercent))
            var parent = rowFields(
                { $0.lines[index] }, percent: rates.count == 1 ? rates.first! : 0, summed: line.kind == .dynamicBundle)
            let productType = line.kind == .configurable ? "configurable" : line.kind == .simple ? "simple" : "bundle"
            parent.merge(
                [
                    "item_id": .int(parentID), "order_id": .int(entityID), "quote_item_id": .int(parentID),
                    "sku": .string(line.sku), "name": .string(line.name), "product_id": .int(line.productId),
                    "product_type": .string(productType), "qty_ordered": quantity(line.quantity),
                    "is_qty_decimal": .int(line.quantity == line.quantity.rounded(places: 0) ? 0 : 1),
                    "created_at": .string(createdAt), "updated_at": .string(createdAt), "store_id": 1,
                ], uniquingKeysWith: { $1 })
            if line.kind == .configurable { parent["product_option"] = ["extension_attributes": [:]] }
            if line.kind == .fixedBundle || line.kind == .dynamicBundle {
                parent["product_options"] = [
                    "product_calculations": .int(line.kind == .dynamicBundle ? 0 : 1),
                    "shipment_type": 0,
                ]
            }
            items.append(.object(parent))
            for (partIndex, part) in line.parts.enumerated() {
                itemID += 1
                var child: [String: JSONValue]
                if line.kind == .dynamicBundle {
                    child = rowFields(
                        { [$0.lines[index][partIndex]] }, percent: order.lines[index][partIndex].taxed.taxPercent,
                        summed: false)
                } else {
                    // A configurable's variant and a fixed bundle's parts are carried at 0: the parent is priced.
                    child = [:]
                    for name in [
                        "price", "price_incl_tax", "original_price", "row_total", "row_total_incl_tax", "tax_amount",
                        "discount_amount", "discount_tax_compensation_amount", "tax_percent", "discount_percent",
                    ] {
                        child[name] = 0
                        if name != "tax_percent" && name != "discount_percent" { child["base_\(name)"] = 0 }
                    }
                }
                child.merge(
                    [
                        "item_id": .int(itemID), "order_id": .int(entityID), "parent_item_id": .int(parentID),
                        "quote_item_id": .int(itemID), "sku": .string(part.sku), "name": .string(part.name),
                        "product_id": .int(part.productId), "product_type": "simple",
                        "qty_ordered": quantity(line.quantity * part.quantity), "created_at": .string(createdAt),
                        "updated_at": .string(createdAt), "store_id": 1, "parent_item": .object(parent),
                    ], uniquingKeysWith: { $1 })
                items.append(.object(child))
            }
        }

        let guest = customer.customerId == nil
        func address(_ type: String) -> JSONValue {
            var a: [String: JSONValue] = [
                "address_type": .string(type), "firstname": .string(customer.firstname),
                "lastname": .string(customer.lastname), "street": .array(customer.street.map { .string($0) }),
                "city": .string(customer.city), "region": .string(customer.region),
                "postcode": .string(customer.postcode), "country_id": .string(country),
                "telephone": .string(customer.telephone), "email": .string(customer.email),
                "parent_id": .int(entityID), "entity_id": .int(entityID * 2 + (type == "billing" ? 0 : 1)),
            ]
            if let company = customer.company { a["company"] = .string(company) }
            if let vatNumber { a["vat_id"] = .string(vatNumber) }
            return .object(a)
        }
        var json: [String: JSONValue] = [
            "entity_id": .int(entityID), "increment_id": .string(String(format: "%09d", 100_000_000 + entityID)),
            "created_at": .string(createdAt), "updated_at": .string(createdAt), "state": "new", "status": "pending",
            "store_id": 1, "store_name": "Main Website\nMain Website Store\nDefault Store View",
            "customer_email": .string(customer.email), "customer_firstname": .string(customer.firstname),
            "customer_lastname": .string(customer.lastname), "customer_is_guest": .int(guest ? 1 : 0),
            "customer_group_id": .int(guest ? 0 : vatNumber != nil ? 4 : 1),
            "order_currency_code": .string(currency), "base_currency_code": "GBP", "global_currency_code": "GBP",
            "store_currency_code": "GBP", "base_to_order_rate": .number(currency == "GBP" ? "1" : baseToOrderRate.description),
            "base_to_global_rate": 1, "store_to_order_rate": .number(currency == "GBP" ? "1" : baseToOrderRate.description),
            "total_qty_ordered": quantity(lines.reduce(0) { $0 + $1.quantity }),
            "weight": quantity(lines.reduce(0) { $0 + $1.quantity }), "shipping_description": .string(shippingDescription),
            "items": .array(items), "billing_address": address("billing"), "status_histories": [],
        ]
        pair(&json, "subtotal", \.subtotal)
        pair(&json, "subtotal_incl_tax", \.subtotalInclTax)
        pair(&json, "tax_amount", \.taxAmount)
        pair(&json, "shipping_amount", \.shipping.taxed.rowTotal)
        pair(&json, "shipping_incl_tax", \.shipping.taxed.rowTotalInclTax)
        pair(&json, "shipping_tax_amount", \.shipping.taxed.rowTax)
        pair(&json, "shipping_discount_amount", \.shippingDiscount)
        pair(&json, "discount_amount", \.discountAmount)
        pair(&json, "discount_tax_compensation_amount", \.itemCompensation)
        json["shipping_discount_tax_compensation_amount"] = money(order.shipping.taxed.discountTaxCompensation)
        // Magento's column name really is truncated (MySQL's 64-character limit was not the reason; it is history).
        json["base_shipping_discount_tax_compensation_amnt"] = money(base.shipping.taxed.discountTaxCompensation)
        pair(&json, "grand_total", \.grandTotal)
        let grand = order.grandTotal
        json["payment"] = [
            "method": grand == 0 ? "free" : "checkmo", "amount_ordered": money(grand),
            "base_amount_ordered": money(base.grandTotal), "additional_information": ["Check / Money order"],
            "account_status": "", "cc_last4": "", "parent_id": .int(entityID), "entity_id": .int(entityID),
        ]
        var extensionAttributes: [String: JSONValue] = [
            "shipping_assignments": [
                [
                    "shipping": [
                        "address": address("shipping"), "method": .string(shippingMethod),
                        "total": [
                            "shipping_amount": money(order.shipping.taxed.rowTotal),
                            "shipping_tax_amount": money(order.shipping.taxed.rowTax),
                            "shipping_incl_tax": money(order.shipping.taxed.rowTotalInclTax),
                            "shipping_discount_amount": money(order.shippingDiscount),
                        ],
                    ],
                    "items": [],
                ]
            ]
        ]
        if let id = customer.customerId { json["customer_id"] = .int(id) }
        if let vatNumber { json["customer_taxvat"] = .string(vatNumber) }
        if let couponCode {
            json["coupon_code"] = .string(couponCode)
            json["discount_description"] = .string(couponCode)
        }
        if let customerNote { json["customer_note"] = .string(customerNote) }
        if let giftMessage {
            extensionAttributes["gift_message"] = [
                "message": .string(giftMessage), "sender": .string(customer.firstname),
                "recipient": .string(customer.firstname),
            ]
        }
        json["extension_attributes"] = .object(extensionAttributes)
        return json
    }
}
