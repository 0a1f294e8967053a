import Foundation
import GRDB
import SageSide

/// The simulator's "Sage 50 company": customers, products with stock and Publish flags, sales orders numbered
/// from a configurable start. A small SQLite file (GRDB); quantities and prices are stored as decimal text.
final class SageCompany: Sendable {
    let queue: DatabaseQueue

    /// Opens or creates the company; a new company is stocked with the demo catalogue.
    init(path: String, firstOrderNumber: Int, catalogueSeed: UInt64) throws {
        // Readers (ferry's tests, an operator's sqlite3) may hold a shared lock while the job creates its tables:
        // wait for them instead of failing the start with "database is locked".
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        queue = try DatabaseQueue(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("company.v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE customers (
                        account_ref TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT, currency TEXT NOT NULL,
                        created TEXT NOT NULL);
                    CREATE INDEX customers_email ON customers(email);
                    CREATE TABLE products (
                        sku TEXT PRIMARY KEY, name TEXT NOT NULL, sale_price TEXT NOT NULL, tax_code INTEGER NOT NULL,
                        qty_in_stock TEXT NOT NULL, qty_allocated TEXT NOT NULL, publish INTEGER NOT NULL,
                        item_type TEXT NOT NULL, inactive_date TEXT, modified TEXT NOT NULL);
                    CREATE TABLE sales_orders (
                        number INTEGER PRIMARY KEY, external_id TEXT NOT NULL UNIQUE, account_ref TEXT NOT NULL,
                        customer_order_number TEXT, order_date TEXT, currency TEXT, total_net TEXT NOT NULL,
                        created TEXT NOT NULL);
                    CREATE TABLE sales_order_items (
                        order_number INTEGER NOT NULL, line INTEGER NOT NULL, sku TEXT NOT NULL, qty TEXT NOT NULL,
                        unit_price TEXT NOT NULL, qty_allocated TEXT NOT NULL, PRIMARY KEY (order_number, line));
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    """)
            try db.execute(
                sql: "INSERT INTO meta (key, value) VALUES ('next_order_number', ?)", arguments: ["\(firstOrderNumber)"])
            let now = Self.stamp(Date())
            for product in DemoCatalogue.products(seed: catalogueSeed) {
                try db.execute(
                    sql: """
                        INSERT INTO products (sku, name, sale_price, tax_code, qty_in_stock, qty_allocated, publish,
                            item_type, modified) VALUES (?, ?, ?, ?, ?, '0', ?, 'Stock', ?)
                        """,
                    arguments: [
                        product.sku, product.name, product.price.amountText, product.sageTaxCode,
                        "\(product.initialStock)", product.publish, now,
                    ])
            }
        }
        migrator.registerMigration("company.v2") { db in
            // What each record of a file being imported came to, written in the transaction of its import: a job
            // killed part-way through re-derives the same success and fail files on restart.
            try db.execute(
                sql: """
                    CREATE TABLE import_results (
                        file TEXT NOT NULL, record INTEGER NOT NULL, number INTEGER, account TEXT, fail_name TEXT,
                        fail_description TEXT, PRIMARY KEY (file, record));
                    """)
        }
        migrator.registerMigration("company.v3") { db in
            // Accounts hold the VAT number a Customer record brings (EU B2B orders).
            try db.execute(sql: "ALTER TABLE customers ADD COLUMN vat_number TEXT")
        }
        try migrator.migrate(queue)
    }

    /// How the simulated Sage treats a stock code it does not know.
    enum UnknownStock: Sendable { case useS1, fail }

    /// The outcome of importing one order.
    enum ImportResult: Sendable {
        case imported(number: Int, account: String, allocated: [Decimal?])
        case failed(name: String, description: String)
    }

    /// Where a record sits: its file (``SageSimulator/identity(_:)``) and its index in the file.
    struct RecordPlace: Sendable, Hashable {
        let file: String
        let record: Int
    }

    /// Imports one order as Sage 50's import does (one transaction; a failure leaves nothing behind), and notes
    /// the outcome for `place` in the same transaction.
    func importOrder(
        _ order: SalesOrder, unknownStock: UnknownStock, autoCreateCustomers: Bool, preventDuplicates: Bool,
        place: RecordPlace? = nil, now: Date = Date()
    ) throws -> ImportResult {
        try queue.write { db -> ImportResult in
            var result = ImportResult.failed(name: "", description: "")
            try db.inSavepoint {
                result = try importing(
                    db, order, unknownStock: unknownStock, autoCreateCustomers: autoCreateCustomers,
                    preventDuplicates: preventDuplicates, now: now)
                if case .failed = result { return .rollback }
                return .commit
            }
            if let place {
                let values: [(any DatabaseValueConvertible)?] =
                    switch result {
                    case .imported(let number, let account, _): [number, account, nil, nil]
                    case .failed(let name, let description): [nil, nil, name, description]
                    }
                try db.execute(
                    sql: "INSERT OR REPLACE INTO import_results VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: StatementArguments([place.file, place.record] + values))
            }
            return result
        }
    }

    /// The outcome noted for a record by an import before a crash, or nil.
    func result(at place: RecordPlace) throws -> ImportResult? {
        try queue.read { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT * FROM import_results WHERE file = ? AND record = ?", arguments: [place.file, place.record])
            else { return nil }
            if let number: Int = row["number"] {
                return .imported(number: number, account: row["account"] ?? "", allocated: [])
            }
            return .failed(name: row["fail_name"] ?? "", description: row["fail_description"] ?? "")
        }
    }

    /// Forgets the outcomes noted for a file whose outputs are written and which is archived.
    func forgetResults(of file: String) throws {
        try queue.write { db in try db.execute(sql: "DELETE FROM import_results WHERE file = ?", arguments: [file]) }
    }

    /// Forgets the outcomes of every file but `files` (those still waiting: the others' outputs are written; a
    /// crash after archiving one left its outcomes behind).
    func forgetResults(keeping files: Set<String>) throws {
        try queue.write { db in
            let noted = try String.fetchAll(db, sql: "SELECT DISTINCT file FROM import_results")
            for file in noted where !files.contains(file) {
                try db.execute(sql: "DELETE FROM import_results WHERE file = ?", arguments: [file])
            }
        }
    }

    private func importing(
        _ db: Database, _ order: SalesOrder, unknownStock: UnknownStock, autoCreateCustomers: Bool,
        preventDuplicates: Bool, now: Date
    ) throws -> ImportResult {
        if preventDuplicates,
            let number = try Int.fetchOne(
                db, sql: "SELECT number FROM sales_orders WHERE external_id = ?", arguments: [order.id])
        {
            return .failed(
                name: "Validation",
                description: "Sales order with Id \(order.id) already imported as \(number) (PreventDuplicates)")
        }
        let currency = order.currency ?? "GBP"
        let account: String
        switch try resolveAccount(db, order, currency: currency, autoCreate: autoCreateCustomers, now: now) {
        case .success(let ref): account = ref
        case .failure(let failure): return .failed(name: "Validation", description: failure.message)
        }
        // Lines: known stock codes allocate free stock; unknown ones become S1 or fail the order.
        var allocated: [Decimal?] = []
        var lines: [(sku: String, qty: Decimal, price: Decimal, allocated: Decimal)] = []
        var net: Decimal = 0
        for item in order.items {
            net += item.sageNet
            let special = ["S1", "S2", "S3", "M"].contains(item.sku)
            let row = special ? nil : try Row.fetchOne(
                db, sql: "SELECT qty_in_stock, qty_allocated FROM products WHERE sku = ?", arguments: [item.sku])
            guard special || row != nil else {
                if unknownStock == .fail {
                    return .failed(
                        name: "Stock Transaction Import",
                        description: "Stock code '\(item.sku)' does not exist (AutoCreateProducts off)")
                }
                lines.append(("S1", item.qtyOrdered, item.unitPrice, 0))
                allocated.append(nil)
                continue
            }
            guard let row else {
                lines.append((item.sku, item.qtyOrdered, item.unitPrice, 0))
                allocated.append(nil)
                continue
            }
            let inStock = Decimal(amountText: row["qty_in_stock"]) ?? 0
            let already = Decimal(amountText: row["qty_allocated"]) ?? 0
            let take = max(0, min(item.qtyOrdered, inStock - already))
            try db.execute(
                sql: "UPDATE products SET qty_allocated = ?, modified = ? WHERE sku = ?",
                arguments: [(already + take).amountText, Self.stamp(now), item.sku])
            lines.append((item.sku, item.qtyOrdered, item.unitPrice, take))
            allocated.append(take)
        }
        if let carriage = order.carriage { net += carriage.sageNet }
        let number = Int(try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'next_order_number'") ?? "1") ?? 1
        try db.execute(
            sql: "UPDATE meta SET value = ? WHERE key = 'next_order_number'", arguments: ["\(number + 1)"])
        try db.execute(
            sql: """
                INSERT INTO sales_orders (number, external_id, account_ref, customer_order_number, order_date,
                    currency, total_net, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                number, order.id, account, order.customerOrderNumber, order.salesOrderDate, currency,
                net.amountText, Self.stamp(now),
            ])
        for (index, line) in lines.enumerated() {
            try db.execute(
                sql: "INSERT INTO sales_order_items VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    number, index + 1, line.sku, line.qty.amountText, line.price.amountText,
                    line.allocated.amountText,
                ])
        }
        return .imported(number: number, account: account, allocated: allocated)
    }

    private struct AccountFailure: Error { let message: String }

    /// Finds or creates the order's account (Zynk's AutoCreateCustomer + AutoGenerateAccountReference).
    private func resolveAccount(
        _ db: Database, _ order: SalesOrder, currency: String, autoCreate: Bool, now: Date
    ) throws -> Result<String, AccountFailure> {
        let address = order.invoiceAddress
        let name = address?.company ?? [address?.forename, address?.surname].compactMap { $0 }.joined(separator: " ")
        if let ref = order.accountReference {
            if let existing = try String.fetchOne(
                db, sql: "SELECT currency FROM customers WHERE account_ref = ?", arguments: [ref])
            {
                guard existing == currency else {
                    return .failure(
                        AccountFailure(
                            message: "Order currency \(currency) does not match account \(ref) (\(existing))"))
                }
                return .success(ref)
            }
            guard autoCreate else {
                return .failure(AccountFailure(message: "Account reference \(ref) does not exist"))
            }
            try insertCustomer(db, ref, name: ref, email: nil, currency: currency, now: now)
            return .success(ref)
        }
        if let email = address?.email,
            let ref = try String.fetchOne(
                db, sql: "SELECT account_ref FROM customers WHERE email = ? AND currency = ?",
                arguments: [email.lowercased(), currency])
        {
            return .success(ref)
        }
        guard autoCreate else {
            return .failure(AccountFailure(message: "No account for this customer and AutoCreateCustomer is off"))
        }
        switch try freeReference(db, for: address) {
        case .success(let ref):
            try insertCustomer(
                db, ref, name: name.isEmpty ? ref : name, email: address?.email?.lowercased(), currency: currency,
                now: now)
            return .success(ref)
        case .failure(let letters):
            return .failure(AccountFailure(message: "No free account reference left for \(letters)"))
        }
    }

    /// Zynk's AutoGenerateAccountReference, convention CompanyOtherwiseFullname: three letters of the company
    /// (else surname and forename), then the first free three-digit counter; the letters when none is free.
    func freeReference(_ db: Database, for address: SalesOrderContact?) throws -> Result<String, ReferencesExhausted> {
        let source = address?.company ?? ((address?.surname ?? "") + (address?.forename ?? ""))
        var letters = String(source.uppercased().filter { $0.isASCII && $0.isLetter }.prefix(3))
        letters += String(repeating: "X", count: 3 - letters.count)
        for counter in 1...999 {
            let ref = letters + String(format: "%03d", counter)
            let taken = try Int.fetchOne(db, sql: "SELECT count(*) FROM customers WHERE account_ref = ?", arguments: [ref]) ?? 0
            if taken == 0 { return .success(ref) }
        }
        return .failure(ReferencesExhausted(letters: letters))
    }

    /// Every reference with these three letters is taken.
    struct ReferencesExhausted: Error, CustomStringConvertible {
        let letters: String
        var description: String { letters }
    }

    func insertCustomer(_ db: Database, _ ref: String, name: String, email: String?, currency: String, now: Date)
        throws
    {
        try db.execute(
            sql: "INSERT INTO customers (account_ref, name, email, currency, created) VALUES (?, ?, ?, ?, ?)",
            arguments: [ref, name, email, currency, Self.stamp(now)])
    }

    /// Stock records to export: all, or modified since the last export (at or after its start, so a change made
    /// while it ran goes out next time); published only when asked.
    func products(modifiedSince: String?, publishedOnly: Bool) throws -> [SageProduct] {
        try queue.read { db in
            var sql = "SELECT * FROM products WHERE 1"
            var arguments: StatementArguments = []
            if let since = modifiedSince {
                sql += " AND modified >= ?"
                arguments += [since]
            }
            if publishedOnly { sql += " AND publish = 1" }
            return try Row.fetchAll(db, sql: sql + " ORDER BY sku", arguments: arguments).map { row in
                SageProduct(
                    sku: row["sku"], name: row["name"], description: row["name"],
                    salePrice: Decimal(amountText: row["sale_price"]),
                    qtyInStock: Decimal(amountText: row["qty_in_stock"]) ?? 0,
                    qtyAllocated: Decimal(amountText: row["qty_allocated"]) ?? 0, qtyOnOrder: 0,
                    taxCode: row["tax_code"], publish: row["publish"], itemType: row["item_type"],
                    dateModified: String((row["modified"] as String).prefix(19)), inactiveDate: row["inactive_date"])
            }
        }
    }

    /// A value from the meta table.
    func meta(_ key: String) throws -> String? {
        try queue.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    /// Sets a value in the meta table.
    func setMeta(_ key: String, _ value: String) throws {
        try queue.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
        }
    }

    /// Sets a product's stock (tests and demos: "goods in").
    func setStock(sku: String, inStock: Decimal, now: Date? = nil) throws {
        try queue.write { db in
            // Stamped inside the write: an export that read before it started no later than this stamp.
            try db.execute(
                sql: "UPDATE products SET qty_in_stock = ?, modified = ? WHERE sku = ?",
                arguments: [inStock.amountText, Self.stamp(now ?? Date()), sku])
        }
    }

    /// Sortable UTC timestamp with milliseconds.
    static func stamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
    }
}
