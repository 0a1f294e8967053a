import Foundation
import SageSide
import Testing

/// Text is written so that it survives Sage 50's code page (Windows-1252): transliterated where it can be, refused
/// or flagged (as configured) where it cannot, naming the field.
@Suite struct CodePageTests {
    @Test func latinLettersAreTransliteratedAndWindows1252KeptAsItIs() throws {
        var o = baseOrder()
        o.shippingAddress?.lastname = "Nguyễn"
        o.shippingAddress?.firstname = "Łukasz"
        o.shippingAddress?.city = "Zoë's Café, Dún Laoghaire"
        let settings = OrderMappingSettings()
        let outcome = PreValidator(settings: settings).validate(try OrderMapper(settings: settings).map(o))
        #expect(outcome.passed, "\(outcome.violations)")
        #expect(outcome.order.deliveryAddress?.surname == "Nguyên")
        #expect(outcome.order.deliveryAddress?.forename == "Lukasz")
        #expect(outcome.order.deliveryAddress?.town == "Zoë's Café, Dún Laoghaire")
    }

    @Test func whatCannotBeHeldIsRefusedOrFlaggedNamingTheField() throws {
        var o = baseOrder()
        o.shippingAddress?.lastname = "山田"
        let settings = OrderMappingSettings()
        let refused = PreValidator(settings: settings).validate(try OrderMapper(settings: settings).map(o))
        #expect(refused.violations.map(\.field) == ["SalesOrderDeliveryAddress/Surname"])
        #expect(refused.violations.first?.limit.contains("Windows-1252") == true)

        var replacing = OrderMappingSettings()
        replacing.unencodableText = "replace"
        let flagged = PreValidator(settings: replacing).validate(try OrderMapper(settings: replacing).map(o))
        #expect(flagged.passed)
        #expect(flagged.order.deliveryAddress?.surname == "??")
        #expect(flagged.order.notes3?.contains("Delivery/Surname") == true)
    }
}
