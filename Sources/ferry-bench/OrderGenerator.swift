import Foundation

/// Writes Magento "Download Orders" files (`ArrayOfOrderInfo/OrderInfo`) for the benchmarks.
///
/// Its own generator, shaped like the reference sample and the tests' fixtures: UK registered customers, one to
/// three desks at 10.00 (20 % VAT) plus 5.00 carriage, so every order passes Sage 50 pre-validation in both the
/// native mapping and the reference stylesheet. Text is written directly (no DOM), so a million orders stay cheap.
enum OrderGenerator {
    /// One order's XML, `id` giving its entity id, increment id, date and quantity.
    static func orderXML(_ id: Int) -> String {
        let qty = 1 + id % 3
        let net = 10 * qty
        let itemTax = 2 * qty
        let subtotal = "\(net).00"
        let tax = "\(itemTax + 1).00"
        let grand = "\(net + itemTax + 6).00"
        let minute = id % 60
        let second = (id / 60) % 60
        let day = 1 + id % 28
        let created = String(format: "2024-01-%02d 12:%02d:%02d", day, minute, second)
        let address = """
            <firstname>Joe</firstname><lastname>Harrison\(id % 97)</lastname><company>Zynk Ltd</company>\
            <street>6-8 Charlotte Square
            Floor 2</street><city>Newcastle</city><region>Tyne and Wear</region><postcode>NE1 4XF</postcode>\
            <country_id>GB</country_id><telephone>0845 123 2920</telephone>
            """
        return """
            <OrderInfo><increment_id>\(100_000_000 + id)</increment_id><created_at>\(created)</created_at>\
            <customer_id>42</customer_id><customer_email>joe\(id % 97)@example.com</customer_email>\
            <customer_firstname>Joe</customer_firstname><customer_lastname>Harrison\(id % 97)</customer_lastname>\
            <customer_is_guest>0</customer_is_guest><order_currency_code>GBP</order_currency_code>\
            <subtotal>\(subtotal)</subtotal><tax_amount>\(tax)</tax_amount><shipping_amount>5.00</shipping_amount>\
            <shipping_tax_amount>1.00</shipping_tax_amount><discount_amount>0.00</discount_amount>\
            <grand_total>\(grand)</grand_total><shipping_method>flatrate_flatrate</shipping_method>\
            <shipping_description>Flat Rate - Fixed</shipping_description><order_id>\(id)</order_id>\
            <shipping_address>\(address)</shipping_address><billing_address>\(address)</billing_address>\
            <items><OrderProduct><item_id>\(id)</item_id><sku>DESK001</sku><name>Desk Standard</name>\
            <product_type>simple</product_type><qty_ordered>\(qty).0000</qty_ordered><price>10.00</price>\
            <tax_percent>20.00</tax_percent><tax_amount>\(itemTax).00</tax_amount><discount_amount>0.00</discount_amount>\
            <row_total>\(subtotal)</row_total></OrderProduct></items>\
            <payment><method>checkmo</method><amount_ordered>\(grand)</amount_ordered></payment></OrderInfo>

            """
    }

    /// Writes a file of orders `ids`.
    static func write(ids: Range<Int>, to url: URL) throws {
        FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var buffer = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ArrayOfOrderInfo>\n"
        for id in ids {
            buffer += orderXML(id)
            if buffer.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(buffer.utf8))
                buffer = ""
            }
        }
        buffer += "</ArrayOfOrderInfo>\n"
        try handle.write(contentsOf: Data(buffer.utf8))
    }

    /// Writes one single-order file per id into `folder`, named `order-<id>.xml`; returns the names.
    static func writeSingles(ids: Range<Int>, into folder: URL) throws -> [String] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var names: [String] = []
        names.reserveCapacity(ids.count)
        for id in ids {
            let name = "order-\(id).xml"
            let text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ArrayOfOrderInfo>\n" + orderXML(id) + "</ArrayOfOrderInfo>\n"
            try Data(text.utf8).write(to: folder.appendingPathComponent(name))
            names.append(name)
        }
        return names
    }
}
