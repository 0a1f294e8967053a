// libFuzzer target: the Zynk readers (sales orders, success/fail records, stock export products).
import FerryXML
import Foundation
import SageSide

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzZynkXML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzFile.withFile(data, size) { url in
        if let reader = try? XMLRecordReader(url: url) {
            try? reader.forEachRecord(path: ["Company", "SalesOrders", "SalesOrder"]) { record in
                _ = try? SalesOrder(record: record)
                _ = SalesOrder.errors(of: record)
            }
        }
        if let reader = try? XMLRecordReader(url: url) {
            try? reader.forEachRecord(path: ["Company", "Products", "Product"]) { record in
                _ = try? SageProduct(record: record)
            }
        }
    }
    return 0
}
