import Foundation
import GRDB
import SageSide

extension SageCompany {
    /// What a `Customer` record did to the company.
    enum CustomerResult: Sendable, Equatable {
        case created(account: String)
        case updated(account: String)
        case failed(String)
    }

    /// Creates or updates an account from a `Customer` record, as Zynk's customer import does: the account its
    /// `AccountReference` names, else the account with its e-mail in its currency, else a new one with a
    /// generated reference (AutoCreateCustomer). The name, e-mail and VAT number are stored; importing the same
    /// record again (a job restarted after a crash) changes nothing.
    func importCustomer(_ customer: SageCustomer, autoCreate: Bool, now: Date = Date()) throws -> CustomerResult {
        try queue.write { db -> CustomerResult in
            let currency = customer.currency ?? "GBP"
            let email = (customer.invoiceAddress?.email ?? customer.deliveryAddress?.email)?.lowercased()
            let vat = customer.vatNumber.isEmpty ? nil : customer.vatNumber
            var existing: String?
            if let ref = customer.accountReference {
                existing = try String.fetchOne(
                    db, sql: "SELECT account_ref FROM customers WHERE account_ref = ?", arguments: [ref])
                if existing == nil {
                    guard autoCreate else { return .failed("Account reference \(ref) does not exist") }
                    try insertCustomer(db, ref, name: customer.companyName ?? ref, email: email, currency: currency, now: now)
                    try setVatNumber(db, ref, vat)
                    return .created(account: ref)
                }
            } else if let email {
                existing = try String.fetchOne(
                    db, sql: "SELECT account_ref FROM customers WHERE email = ? AND currency = ?",
                    arguments: [email, currency])
            }
            if let existing {
                try db.execute(
                    sql: "UPDATE customers SET name = coalesce(?, name), email = coalesce(?, email) WHERE account_ref = ?",
                    arguments: [customer.companyName, email, existing])
                try setVatNumber(db, existing, vat)
                return .updated(account: existing)
            }
            guard autoCreate else { return .failed("No account for this customer and AutoCreateCustomer is off") }
            switch try freeReference(db, for: customer.invoiceAddress) {
            case .success(let ref):
                try insertCustomer(db, ref, name: customer.companyName ?? ref, email: email, currency: currency, now: now)
                try setVatNumber(db, ref, vat)
                return .created(account: ref)
            case .failure(let exhausted):
                return .failed("No free account reference left for \(exhausted.letters)")
            }
        }
    }

    /// The VAT number an account holds; nil when it holds none or does not exist.
    func vatNumber(ofAccount ref: String) throws -> String? {
        try queue.read { db in
            try String.fetchOne(db, sql: "SELECT vat_number FROM customers WHERE account_ref = ?", arguments: [ref])
        }
    }

    private func setVatNumber(_ db: Database, _ ref: String, _ vat: String?) throws {
        guard let vat else { return }
        try db.execute(sql: "UPDATE customers SET vat_number = ? WHERE account_ref = ?", arguments: [vat, ref])
    }
}
