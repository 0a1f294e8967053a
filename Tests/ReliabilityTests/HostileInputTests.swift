import FerryPipeline
import Foundation
import Testing

/// What must become of one corpus file.
enum Outcome: Sendable, CustomStringConvertible {
    /// Moved to `failed/<stage>/` with a reason.
    case quarantined
    /// Archived (and its outputs written).
    case processed
    /// Either, as long as it leaves the inbox (an encoding libxml2 may or may not detect).
    case either
    /// Left where it is, untouched (a folder: ferry never descends into one).
    case leftAlone

    var description: String {
        switch self {
        case .quarantined: "quarantined"
        case .processed: "processed"
        case .either: "processed or quarantined"
        case .leftAlone: "left alone"
        }
    }
}

/// One file of the hostile and broken corpus, generated in the test.
struct CorpusCase: Sendable {
    var stage: String
    var name: String
    var expected: Outcome
    var make: @Sendable (URL) throws -> Void
    /// The name as raw bytes, when it is not UTF-8 (`name` is then its escaped form, as ferry takes it).
    var bytes: [UInt8]? = nil
    /// Written in place in this many chunks, the descriptor held open, rather than renamed in whole.
    var inPlaceChunks = 0
}

/// The three real stages the corpus goes through, each with its record shape.
enum CorpusStage: String, CaseIterable, Sendable {
    case map, orders, stock

    var folder: String { "inbox/\(rawValue)" }

    /// A valid document of this stage's kind, with `field` as the text of one record field.
    func document(field: String = "X", id: Int = 1) -> String {
        switch self {
        case .map:
            "<ArrayOfOrderInfo><OrderInfo><order_id>\(id)</order_id><name>\(field)</name></OrderInfo></ArrayOfOrderInfo>\n"
        case .orders:
            "<ArrayOfOrderInfo>" + Corpus.order(id: id, name: field) + "</ArrayOfOrderInfo>\n"
        case .stock:
            "<Company><Products>" + Corpus.product(sku: "SKU\(id)", name: field) + "</Products></Company>\n"
        }
    }

    /// The same document with a DOCTYPE internal subset before it.
    func withDoctype(_ subset: String, field: String) -> String {
        let root = self == .stock ? "Company" : "ArrayOfOrderInfo"
        return "<?xml version=\"1.0\"?>\n<!DOCTYPE \(root) [\n\(subset)\n]>\n" + document(field: field)
    }
}

enum Corpus {
    /// A Magento order record with a UK customer: 2 x DESK001 at 10.00 + 5.00 carriage, 20 % VAT.
    static func order(id: Int, name: String = "Desk", qty: String = "2", price: String = "10", rowTotal: String = "20", increment: String? = nil) -> String {
        let address = "<firstname>Joe</firstname><lastname>Harrison</lastname><street>1 High Street</street><city>Newcastle</city><postcode>NE1 4XF</postcode><country_id>GB</country_id><telephone>0845 123</telephone>"
        return """
            <OrderInfo><increment_id>\(increment ?? String(100_000_000 + id))</increment_id><created_at>2024-01-15 12:00:00</created_at>\
            <customer_id>42</customer_id><customer_email>joe@example.com</customer_email><customer_firstname>Joe</customer_firstname>\
            <customer_lastname>Harrison</customer_lastname><customer_is_guest>0</customer_is_guest><order_currency_code>GBP</order_currency_code>\
            <subtotal>20</subtotal><tax_amount>5</tax_amount><shipping_amount>5</shipping_amount><shipping_tax_amount>1</shipping_tax_amount>\
            <discount_amount>0</discount_amount><grand_total>30</grand_total><shipping_method>flatrate_flatrate</shipping_method>\
            <order_id>\(id)</order_id><shipping_address>\(address)</shipping_address><billing_address>\(address)</billing_address>\
            <items><OrderProduct><item_id>1</item_id><sku>DESK001</sku><name>\(name)</name><product_type>simple</product_type>\
            <qty_ordered>\(qty)</qty_ordered><price>\(price)</price><tax_percent>20</tax_percent><tax_amount>4</tax_amount>\
            <discount_amount>0</discount_amount><row_total>\(rowTotal)</row_total></OrderProduct></items>\
            <payment><method>checkmo</method><amount_ordered>30</amount_ordered></payment></OrderInfo>
            """
    }

    /// A Sage stock record.
    static func product(sku: String, name: String = "Desk", qty: String = "10", allocated: String = "2") -> String {
        "<Product><Sku>\(sku)</Sku><Name>\(name)</Name><QtyInStock>\(qty)</QtyInStock><QtyAllocated>\(allocated)</QtyAllocated><Publish>true</Publish></Product>"
    }

    static func write(_ text: String) -> @Sendable (URL) throws -> Void { { try Data(text.utf8).write(to: $0) } }
    static func write(_ data: Data) -> @Sendable (URL) throws -> Void { { try data.write(to: $0) } }

    /// A marker that lives only in a file outside every inbox: it must never show up in an output or a log.
    static let outsideMarker = "OUTSIDE-SECRET-7f3a9c"

    /// The corpus: security and encoding cases for each stage, data cases per stage, odd names and odd entries.
    static func cases(outsideFile: URL, bigFileBytes: Int) -> [CorpusCase] {
        var cases: [CorpusCase] = []
        for stage in CorpusStage.allCases {
            func add(_ name: String, _ expected: Outcome, _ make: @escaping @Sendable (URL) throws -> Void) {
                cases.append(CorpusCase(stage: stage.rawValue, name: "\(stage.rawValue)-\(name)", expected: expected, make: make))
            }
            let laughs = (1...9).map { i in
                "<!ENTITY l\(i) \"" + String(repeating: "&l\(i - 1);", count: 10) + "\">"
            }.joined(separator: "\n")
            add("xxe-file.xml", .quarantined, write(stage.withDoctype("<!ENTITY x SYSTEM \"file://\(outsideFile.path)\">", field: "&x;")))
            add("xxe-http.xml", .quarantined, write(stage.withDoctype("<!ENTITY x SYSTEM \"http://127.0.0.1:9/evil\">", field: "&x;")))
            add("xxe-parameter.xml", .quarantined, write(stage.withDoctype("<!ENTITY % p SYSTEM \"http://127.0.0.1:9/evil.dtd\"> %p;", field: "x")))
            add("billion-laughs.xml", .quarantined, write(stage.withDoctype("<!ENTITY l0 \"lol\">\n" + laughs, field: "&l9;")))
            add("quadratic-blowup.xml", .quarantined, write(stage.withDoctype(
                "<!ENTITY a \"" + String(repeating: "a", count: 100_000) + "\">", field: String(repeating: "&a;", count: 2_000))))
            // Wide rather than deep: a 1 MB entity referenced 5,000 times inside one entity (5 GB if expanded).
            add("wide-entity-bomb.xml", .quarantined, write(stage.withDoctype(
                "<!ENTITY c \"" + String(repeating: "c", count: 1_000) + "\">\n<!ENTITY b \"" + String(repeating: "&c;", count: 1_000)
                    + "\">\n<!ENTITY a \"" + String(repeating: "&b;", count: 5_000) + "\">", field: "&a;")))
            add("external-dtd.xml", .quarantined, write(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE r SYSTEM \"file://\(outsideFile.path)\">\n" + stage.document()))
            add("binary-garbage.xml", .quarantined, write(Data((0..<4096).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 7) })))
            add("truncated.xml", .quarantined, write(String(stage.document().prefix(stage.document().count / 2))))
            add("empty.xml", .quarantined, write(""))
            add("control-chars.xml", .quarantined, write(stage.document(field: "bell\u{07}escape\u{1B}")))
            add("utf16-declared.xml", .processed, write(
                Data([0xFF, 0xFE]) + ("<?xml version=\"1.0\" encoding=\"UTF-16\"?>" + stage.document(field: "Café")).data(using: .utf16LittleEndian)!))
            add("utf16-undeclared-bom.xml", .either, write(Data([0xFF, 0xFE]) + stage.document(field: "Café").data(using: .utf16LittleEndian)!))
            add("utf16-undeclared-no-bom.xml", .either, write(stage.document(field: "Café").data(using: .utf16BigEndian)!))
            add("latin1-declared.xml", .processed, write(
                ("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" + stage.document(field: "Café")).data(using: .isoLatin1)!))
            add("latin1-undeclared.xml", .quarantined, write(stage.document(field: "Café").data(using: .isoLatin1)!))
            add("utf8-bom.xml", .processed, write(Data([0xEF, 0xBB, 0xBF]) + Data(stage.document(field: "Café").utf8)))
            add("long-name.xml", stage == .orders ? .either : .processed, write(stage.document(field: String(repeating: "N", count: 10_000))))
            if stage != .map {
                add("wrong-root.xml", .quarantined, write("<Invoices><Invoice><Id>1</Id></Invoice></Invoices>\n"))
            }
        }
        func add(_ stage: CorpusStage, _ name: String, _ expected: Outcome, _ text: String) {
            cases.append(CorpusCase(stage: stage.rawValue, name: "\(stage.rawValue)-\(name)", expected: expected, make: write(text)))
        }
        let wrap = { (records: String) in "<ArrayOfOrderInfo>\(records)</ArrayOfOrderInfo>\n" }
        // Valid XML with bad data: the file is processed, the order goes to a fail record (never to Sage).
        add(.orders, "missing-fields.xml", .processed, wrap("<OrderInfo><order_id>7001</order_id><customer_id>1</customer_id></OrderInfo>"))
        add(.orders, "negative-qty.xml", .processed, wrap(order(id: 7002, qty: "-2", rowTotal: "-20")))
        add(.orders, "absurd-qty.xml", .processed, wrap(order(id: 7003, qty: "99999999999999999999999999999999", rowTotal: "20")))
        add(.orders, "not-a-number.xml", .processed, wrap(order(id: 7004, qty: "two")))
        add(.orders, "ten-decimals.xml", .processed, wrap(order(id: 7005, price: "10.0000000001", rowTotal: "20.0000000002")))
        add(.orders, "duplicate-orders.xml", .processed, wrap(order(id: 7006) + order(id: 7006)))
        add(.orders, "exponent-price.xml", .processed, wrap(order(id: 7007, price: "1e400")))
        let products = { (records: String) in "<Company><Products>\(records)</Products></Company>\n" }
        add(.stock, "negative-qty.xml", .processed, products(product(sku: "NEG", qty: "-5")))
        add(.stock, "absurd-qty.xml", .processed, products(product(sku: "BIG", qty: "1e30000")))
        add(.stock, "ten-decimals.xml", .processed, products(product(sku: "DEC", qty: "3.0000000001")))
        add(.stock, "missing-sku.xml", .processed, products("<Product><QtyInStock>1</QtyInStock><QtyAllocated>0</QtyAllocated></Product>"))
        add(.stock, "not-a-number.xml", .either, products(product(sku: "NAN", qty: "lots")))
        // Odd names, each a valid file for the xslt stage.
        for name in ["with spaces.xml", "ünïcødé-注文.xml", "-leading-dash.xml", String(repeating: "n", count: 247) + ".xml", "semi;colon 'quote\".xml"] {
            add(.map, name, .processed, CorpusStage.map.document(id: 5))
        }
        // Odd entries.
        cases.append(CorpusCase(stage: "map", name: "map-symlink-outside.xml", expected: .quarantined) { url in
            try FileManager.default.createSymbolicLink(at: url, withDestinationURL: outsideFile)
        })
        cases.append(CorpusCase(stage: "map", name: "map-fifo.xml", expected: .quarantined) { url in
            guard mkfifo(url.path, 0o644) == 0 else { throw POSIXError(.EIO) }
        })
        cases.append(CorpusCase(stage: "map", name: "map-folder.xml", expected: .quarantined) { url in
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
            try Data(CorpusStage.map.document().utf8).write(to: url.appendingPathComponent("inside.xml"))
        })
        // Unreadable: root reads it anyway (processed); anyone else gets it quarantined with the reason.
        cases.append(CorpusCase(stage: "map", name: "map-unreadable.xml", expected: runningAsRoot ? .processed : .quarantined) { url in
            try Data(CorpusStage.map.document().utf8).write(to: url)
            chmod(url.path, 0)
        })
        // A big file streamed by the order reader: padding records the reader skips, then one real order.
        cases.append(CorpusCase(stage: "orders", name: "orders-big.xml", expected: .processed) { url in
            FileManager.default.createFile(atPath: url.path, contents: nil)
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.write(contentsOf: Data("<ArrayOfOrderInfo>".utf8))
            let chunk = Data(("<pad>" + String(repeating: "p", count: (1 << 20) - 11) + "</pad>").utf8)
            for _ in 0..<(bigFileBytes >> 20) { try handle.write(contentsOf: chunk) }
            try handle.write(contentsOf: Data((order(id: 7999) + "</ArrayOfOrderInfo>\n").utf8))
        })
        return cases
    }
}

@Suite("Hostile and broken input", .serialized)
struct HostileInputTests {
    static func stageConfigs() -> [String] {
        [
            FerryRoot.xsltStage.replacingOccurrences(of: "inbox/in", with: "inbox/map"),
            """
            { "name": "orders", "watch": "inbox/orders", "task": "magento-orders-to-sage-orders", "settings": {},
              "outputs": { "out": "outbox/sage", "fail": "outbox/sage-fail" } }
            """,
            """
            { "name": "stock", "watch": "inbox/stock", "task": "sage-products-to-magento-inventory", "settings": {},
              "outputs": { "out": "outbox/inventory" } }
            """,
        ]
    }

    @Test func everyCorpusFileIsQuarantinedWithAReasonOrProcessedAndTheDaemonStaysUp() async throws {
        let root = try FerryRoot()
        for folder in ["inbox/map", "inbox/orders", "inbox/stock", "outbox/sage", "outbox/sage-fail", "outbox/inventory", "outside"] {
            try FileManager.default.createDirectory(at: root.url.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        let outside = root.url.appendingPathComponent("outside/secret.txt")
        try Data("root:x:0:0 \(Corpus.outsideMarker)\n".utf8).write(to: outside)
        try root.writeConfig(stages: Self.stageConfigs())
        let child = try root.start(["watch"])
        try await child.waitUntilWatching()

        let bigBytes = longRun ? 4 << 30 : 1 << 30
        let cases = Corpus.cases(outsideFile: outside, bigFileBytes: bigBytes) + IssueThirteen.cases()
        #expect(cases.count >= 40)
        var writers: [Task<Void, any Error>] = []
        for item in cases {
            // Generated under a hidden name, then renamed in: the daemon sees only complete files.
            let folder = root.url.appendingPathComponent("inbox/\(item.stage)")
            let hidden = folder.appendingPathComponent(".gen-\(UUID().uuidString)")
            // Generation (a 1 GiB file among them) runs on its own thread, not on a cooperative one.
            try await offload { try item.make(hidden) }
            if item.inPlaceChunks > 0 {
                // Pauses of 300 ms, three times the settle time: the half-written file looks finished to a timer.
                let data = try Data(contentsOf: hidden)
                try FileManager.default.removeItem(at: hidden)
                let target = folder.appendingPathComponent(item.name)
                writers.append(Task {
                    try await IssueThirteen.writeInPlace(data, to: target, chunks: item.inPlaceChunks, pause: .milliseconds(300))
                })
            } else if let bytes = item.bytes {
                try IssueThirteen.rename(hidden, toBytes: bytes, in: folder)
            } else {
                #expect(rename(hidden.path, folder.appendingPathComponent(item.name).path) == 0, "\(item.name)")
            }
        }
        for writer in writers { try await writer.value }
        // The good file beside them, in each stage.
        try root.deliver("good.xml", CorpusStage.map.document(id: 1), into: root.url.appendingPathComponent("inbox/map"))
        try root.deliver("good.xml", CorpusStage.orders.document(id: 9001), into: root.url.appendingPathComponent("inbox/orders"))
        try root.deliver("good.xml", CorpusStage.stock.document(id: 1), into: root.url.appendingPathComponent("inbox/stock"))

        func reason(_ item: CorpusCase) -> String {
            let url = root.failed.appendingPathComponent("\(item.stage)/\(item.name).error.txt")
            return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        }
        func placed(_ item: CorpusCase) -> Outcome? {
            if root.archived(stage: item.stage).contains(item.name) { return .processed }
            if root.quarantined(stage: item.stage).contains(item.name) { return .quarantined }
            return nil
        }
        let expectedPlaced = cases.filter { $0.expected != .leftAlone }
        let deadline = ContinuousClock.now + .seconds(240)
        while child.isRunning, ContinuousClock.now < deadline {
            if expectedPlaced.allSatisfy({ placed($0) != nil }),
               ["map", "orders", "stock"].allSatisfy({ root.archived(stage: $0).contains("good.xml") }) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let unplaced = expectedPlaced.filter { placed($0) == nil }.map(\.name)
        #expect(unplaced.isEmpty, "not placed: \(unplaced.map { String($0.prefix(60)) })\nlog: \(child.log.suffix(4000))")
        #expect(child.isRunning, "the daemon stays up")
        for item in cases {
            let outcome = placed(item)
            switch item.expected {
            case .quarantined, .processed:
                #expect(outcome.map { "\($0)" } == "\(item.expected)", "\(item.name): \(outcome.map { "\($0)" } ?? "not placed")")
            case .either:
                #expect(outcome != nil, "\(item.name) left the inbox")
            case .leftAlone:
                #expect(FileManager.default.fileExists(atPath: root.url.appendingPathComponent("inbox/\(item.stage)/\(item.name)/inside.xml").path))
            }
            if outcome.map({ "\($0)" }) == "quarantined" {
                let text = reason(item)
                #expect(text.contains("reason:"), "\(item.name) has its reason: \(text.prefix(200))")
                if item.name.hasSuffix("-truncated.xml") {
                    // #13.5: a document that ends early says so, not "Extra content at the end of the document".
                    let saysTruncated = text.contains("truncated: the document ends") && !text.contains("Extra content")
                    #expect(saysTruncated, "\(item.name): \(text.prefix(300))")
                }
            }
        }
        print(IssueThirteen.table(
            cases: cases, outcome: { placed($0).map { "\($0)" } ?? "not placed" },
            reason: { item in
                let line = reason(item).split(separator: "\n").first { $0.contains("reason:") } ?? ""
                return String(line.replacingOccurrences(of: "|", with: "/").prefix(90))
            }))
        #expect(try await child.stop() == 0)
        // The good files made it through each stage.
        #expect(root.files(in: root.url.appendingPathComponent("outbox/out")).contains("good.xml"))
        #expect(root.files(in: root.url.appendingPathComponent("outbox/sage")).contains("good-sage-orders.xml"))
        #expect(root.files(in: root.url.appendingPathComponent("outbox/inventory")).contains("good-inventory.xml"))
        // A duplicated order inside one file goes to Sage once.
        let duplicate = root.url.appendingPathComponent("outbox/sage/orders-duplicate-orders-sage-orders.xml")
        let duplicateText = (try? String(contentsOf: duplicate, encoding: .utf8)) ?? ""
        #expect(duplicateText.components(separatedBy: "<SalesOrder>").count - 1 == 1, "one SalesOrder for a duplicated order")
        // Nothing outside an inbox was read, followed or leaked; no temporaries; the outside file untouched.
        #expect(try String(contentsOf: outside, encoding: .utf8).contains(Corpus.outsideMarker))
        var isLink = false
        if let attributes = try? FileManager.default.attributesOfItem(atPath: root.failed.appendingPathComponent("map/map-symlink-outside.xml").path) {
            isLink = attributes[.type] as? FileAttributeType == .typeSymbolicLink
        }
        #expect(isLink, "the symlink is quarantined as a link, never followed or copied")
        for folder in ["outbox", "archive"] {
            for path in root.allFiles(under: root.url.appendingPathComponent(folder)) where !path.contains("symlink") {
                let url = root.url.appendingPathComponent(folder).appendingPathComponent(path)
                guard (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0 < 10_000_000 else { continue }
                let text = String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self)
                #expect(!text.contains(Corpus.outsideMarker), "\(path) holds the outside file's content")
            }
        }
        #expect(!root.allLogs.contains(Corpus.outsideMarker))
        #expect(root.temporaries.isEmpty, "\(root.temporaries)")
        Figures.record("corpus.cases", cases.count)
        Figures.record("corpus.bigFileBytes", bigBytes)
    }
}
