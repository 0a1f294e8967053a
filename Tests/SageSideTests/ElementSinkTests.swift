import FerryTestSupport
import FerryXML
import Foundation
@testable import SageSide
import Testing

/// The order file mapper streams orders through `WriterSink`; the file must be what writing the tree wrote.
@Suite("Streaming an order writes what writing its tree wrote")
struct ElementSinkTests {
    static let orders: [(SalesOrder, [ZynkError])] = {
        var full = try! OrderMapper(settings: OrderMappingSettings()).map(baseOrder(1)).salesOrder
        full.notes1 = "a <note> & \"quotes\""
        full.paymentAmount = d("12.50")
        full.items[0].unitDiscountAmount = d("0.0050")
        full.items[0].qtyAllocated = 0
        var empty = SalesOrder(id: "")
        empty.invoiceAddress = SalesOrderContact()  // a branch without children: <SalesOrderAddress></SalesOrderAddress>
        empty.carriage = SalesOrderItem(sku: "", qtyOrdered: 1, unitPrice: 0)
        let errors = [ZynkError(name: "Pre-validation", description: "x: 'y' breaks", date: "2024-01-01T00:00:00")]
        return [(full, []), (full, errors), (empty, []), (empty, errors), (SalesOrder(id: "7"), [])]
    }()

    @Test func sameBytes() async throws {
        try await withTemporaryDirectory { dir in
            let tree = dir.appendingPathComponent("tree.xml")
            let streamed = dir.appendingPathComponent("streamed.xml")
            let a = try XMLStreamWriter(url: tree)
            let b = try XMLStreamWriter(url: streamed)
            for writer in [a, b] {
                try writer.startElement("Company")
                try writer.startElement("SalesOrders")
            }
            var sink = WriterSink(b)
            for (order, errors) in Self.orders {
                try a.write(order.element(errors: errors))
                try order.emit(into: &sink, errors: errors)
            }
            for writer in [a, b] {
                try writer.endElement()
                try writer.endElement()
                try writer.finish()
            }
            let expected = try Data(contentsOf: tree)
            #expect(expected.count > 1000)
            #expect(try Data(contentsOf: streamed) == expected)
        }
    }
}
