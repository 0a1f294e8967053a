@testable import FerryPipeline
import Foundation
import Testing

/// Unit checks for the fixes the corpus and fuzzing led to (each also covered end to end).
@Suite("Fixes found by the reliability work")
struct FixTests {
    /// A 255-byte delivered name leaves room for the temporary, the `.error.txt` and collision variants.
    @Test(arguments: [String(repeating: "n", count: 251) + ".xml", String(repeating: "é", count: 127) + "x", "short.xml"])
    func namesAreFittedUnder255Bytes(name: String) {
        for reserve in [0, 4, 14, 40] {
            let fitted = Durable.fitting(name, reserve: reserve)
            #expect(fitted.utf8.count + reserve <= 255)
            if name.utf8.count + reserve <= 255 { #expect(fitted == name) }
            if name.hasSuffix(".xml") { #expect(fitted.hasSuffix(".xml")) }
        }
        for variant in Durable.candidateNames(name).prefix(12) { #expect(variant.utf8.count <= 255) }
    }
}
