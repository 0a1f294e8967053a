import FerryPipeline
import FerryXML
public import Foundation
public import Logging
import SageSide

/// What one pass over the orders folder did.
public struct SimulatorReport: Sendable, Hashable {
    /// Order files processed.
    public var files = 0
    /// Orders imported (in success files).
    public var imported = 0
    /// Orders rejected (in fail files).
    public var failed = 0
}

/// `ferry sage-sim`: plays the Windows-side Sage 50 job on ferry's folders.
///
/// Polls `outbox/sage-orders` (as over a share, where inotify sees nothing), imports each file's orders into a
/// small SQLite Sage company with Sage 50's behaviour (duplicates by Id refused, unknown stock codes as S1 or
/// failed, accounts auto-created with generated references, stock auto-allocated), writes Zynk success and fail
/// files into `inbox/sage-success` / `inbox/sage-failed`, and exports stock records into `inbox/sage-stock`.
///
/// ```swift
/// let sim = try SageSimulator(settings: .init(root: root, databasePath: "/srv/ferry/sage-sim.sqlite"), logger: log)
/// try await sim.run()   // until the task is cancelled
/// ```
public struct SageSimulator: Sendable {
    /// The settings.
    public let settings: SageSimulatorSettings
    let company: SageCompany
    let logger: Logger

    /// Opens (or creates and stocks) the company and creates missing folders.
    ///
    /// - Throws: ``SimulatorError`` or a database error naming the file.
    public init(settings: SageSimulatorSettings, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        for folder in [
            settings.ordersFolder, settings.successFolder, settings.failedFolder, settings.stockFolder,
            settings.archiveFolder,
        ] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        do {
            company = try SageCompany(
                path: settings.databasePath, firstOrderNumber: settings.firstOrderNumber,
                catalogueSeed: settings.catalogueSeed)
        } catch {
            throw SimulatorError(
                "cannot open the simulated Sage company \(settings.databasePath): \(error). "
                    + "Check the folder exists, or delete the file to start a fresh company")
        }
    }

    /// Polls, imports and exports until the calling task is cancelled.
    public func run() async throws {
        var nextExport = ContinuousClock.now
        logger.info("sage-sim polling \(settings.ordersFolder.path)")
        while !Task.isCancelled {
            do {
                _ = try await runOnce()
                if let interval = settings.stockExportInterval, ContinuousClock.now >= nextExport {
                    _ = try await exportStock()
                    nextExport = ContinuousClock.now + interval
                }
            } catch is CancellationError {
                return
            } catch {
                // The real job logs and carries on with the next poll; so does the simulator.
                logger.error("sage-sim: \(error)")
            }
            do { try await Task.sleep(for: settings.pollInterval) } catch { return }
        }
    }

    /// Imports every order file waiting in the orders folder, oldest name first.
    public func runOnce() async throws -> SimulatorReport {
        var report = SimulatorReport()
        let names = try FileManager.default.contentsOfDirectory(atPath: settings.ordersFolder.path)
            .filter { !$0.hasPrefix(".") && $0.lowercased().hasSuffix(".xml") }.sorted()
        // Outcomes noted for files no longer waiting belong to files whose outputs were written and which were
        // archived (a crash between the two leaves them behind).
        try company.forgetResults(keeping: Set(names.map { Self.identity(settings.ordersFolder.appendingPathComponent($0)) }))
        for name in names {
            let file = settings.ordersFolder.appendingPathComponent(name)
            let (imported, failed) = try await importFile(file)
            report.files += 1
            report.imported += imported
            report.failed += failed
            // Archive only once the success and fail files are durable: a crash before this imports the file again,
            // which finds each order's noted outcome and writes the same files (or, with the
            // forgetImportsOnRestart fault, meets PreventDuplicates and writes "already imported" fail records).
            let archived = settings.archiveFolder.appendingPathComponent(name)
            try? FileManager.default.removeItem(at: archived)
            let identity = Self.identity(file)
            try FileManager.default.moveItem(at: file, to: archived)
            try company.forgetResults(of: identity)
        }
        return report
    }

    /// Imports one file; returns (imported, failed).
    func importFile(_ file: URL) async throws -> (Int, Int) {
        var records: [XMLNode] = []
        var customers: [XMLNode] = []
        do {
            try XMLRecordReader(url: file).forEachRecord(path: ["Company", "Customers", "Customer"]) {
                customers.append($0)
            }
            try XMLRecordReader(url: file).forEachRecord(path: ["Company", "SalesOrders", "SalesOrder"]) {
                records.append($0)
            }
        } catch {
            // Sage's job rejects a file it cannot read; ferry sees the fail file with the reason.
            logger.error("sage-sim: \(file.lastPathComponent) is not a readable sales order file: \(error)")
            records = []
            try await write(
                [failRecord(XMLNode(name: "SalesOrder"), "Validation", "File could not be read: \(error)")],
                into: settings.failedFolder, name: Self.outputName(file, "fail"))
            return (0, 1)
        }
        var successes: [XMLNode] = []
        var failures: [XMLNode] = []
        let base = file.lastPathComponent
        let identity = Self.identity(file)
        // Accounts first, as the schema orders them: the orders after them find their account by reference or
        // e-mail. Updating an account again on a restart changes nothing.
        for record in customers where !settings.faults.usernameInUse {
            let customer = SageCustomer(record: record)
            switch try company.importCustomer(customer, autoCreate: settings.autoCreateCustomers) {
            case .created(let account), .updated(let account):
                logger.info("sage-sim: \(base): account \(account) holds VAT number \(customer.vatNumber)")
            case .failed(let reason):
                logger.error("sage-sim: \(base): customer record \(customer.id ?? customer.vatNumber) not imported: \(reason)")
            }
        }
        for (index, record) in records.enumerated() {
            if settings.faults.usernameInUse {
                failures.append(
                    failRecord(record, "Sage 50", "Username is already in use. Log the other user out of Sage 50"))
                continue
            }
            if settings.faults.importDelay > .zero { try await Task.sleep(for: settings.faults.importDelay) }
            let order: SalesOrder
            do { order = try SalesOrder(record: record) } catch {
                failures.append(failRecord(record, "Validation", "\(error)"))
                continue
            }
            // Noted in the order's own transaction: what a killed pass imported comes out the same on restart.
            let place = SageCompany.RecordPlace(file: identity, record: index)
            let noted = settings.faults.forgetImportsOnRestart ? nil : try company.result(at: place)
            let result = try noted ?? company.importOrder(
                order, unknownStock: settings.unknownStockCode == .fail ? .fail : .useS1,
                autoCreateCustomers: settings.autoCreateCustomers, preventDuplicates: settings.preventDuplicates,
                place: place)
            switch result {
            case .imported(let number, let account, _):
                logger.debug("sage-sim: \(base): order \(order.id) imported as \(number) on account \(account)")
                successes.append(Self.withOrderNumber(record, number: number, account: account))
            case .failed(let name, let description):
                logger.info("sage-sim: \(base): order \(order.id) rejected: \(description)")
                failures.append(failRecord(record, name, description))
            }
        }
        if !successes.isEmpty {
            try await write(successes, into: settings.successFolder, name: Self.outputName(file, "success"))
        }
        if !failures.isEmpty {
            try await write(failures, into: settings.failedFolder, name: Self.outputName(file, "fail"))
        }
        logger.info("sage-sim: \(base): \(successes.count) imported, \(failures.count) failed")
        return (successes.count, failures.count)
    }

    /// Sets a product's quantity in stock (a goods-in for demos and tests).
    public func setStock(sku: String, quantity: Decimal) throws {
        try company.setStock(sku: sku, inStock: quantity)
    }

    // MARK: Files

    /// The file's name, inode, size and modification time: the outcomes noted for one file never apply to another
    /// delivered later under the same name (an order file replayed after a fix).
    static func identity(_ file: URL) -> String {
        var info = stat()
        guard stat(file.path, &info) == 0 else { return file.lastPathComponent }
        return "\(file.lastPathComponent)\t\(info.st_ino)\t\(info.st_size)\t\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
    }

    static func outputName(_ input: URL, _ kind: String) -> String {
        "\(input.deletingPathExtension().lastPathComponent)_\(kind).xml"
    }

    /// Writes `<Company><envelope>records</envelope></Company>` whole (or slowly, as a fault).
    private func write(_ records: [XMLNode], into folder: URL, name: String, envelope: String = "SalesOrders")
        async throws
    {
        try await publish(into: folder, name: name) { writer in
            try writer.startElement("Company")
            try writer.startElement(envelope)
            for record in records { try writer.write(record) }
            try writer.endElement()
            try writer.endElement()
        }
    }

    /// The input record with Zynk's `<Errors>` first.
    private func failRecord(_ record: XMLNode, _ name: String, _ description: String) -> XMLNode {
        let date = OrderMapper.sageDateText(Date(), timeZone: TimeZone(identifier: "Europe/London") ?? .gmt)
        let errors = Self.node(SalesOrder.errorsElement([ZynkError(name: name, description: description, date: date)]))
        var result = record
        result.children = [errors] + record.children.filter { $0.name != "Errors" }
        return result
    }

    /// The input record with Sage's order number (and account) filled in, in schema order.
    static func withOrderNumber(_ record: XMLNode, number: Int, account: String) -> XMLNode {
        var result = record
        var children = record.children.filter { $0.name != "SalesOrderNumber" }
        let after = children.lastIndex { ["Id", "CustomerId"].contains($0.name) }.map { $0 + 1 } ?? 0
        children.insert(XMLNode(name: "SalesOrderNumber", text: "\(number)"), at: after)
        if !children.contains(where: { $0.name == "AccountReference" }) {
            let index = children.firstIndex { $0.name == "SalesOrderDate" } ?? children.count
            children.insert(XMLNode(name: "AccountReference", text: account), at: index)
        }
        result.children = children
        return result
    }

    static func node(_ element: OutputElement) -> XMLNode {
        XMLNode(name: element.name, text: element.text ?? "", children: element.children.map(node))
    }
}
