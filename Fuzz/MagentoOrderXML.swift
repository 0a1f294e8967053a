// libFuzzer target: the Magento order file reader (XMLRecordReader on ArrayOfOrderInfo/OrderInfo) and the
// SageSide order parsing of each record. Built by scripts/fuzz; never part of the package build.
import FerryXML
import Foundation
import SageSide

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMagentoOrderXML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzFile.withFile(data, size) { url in
        guard let reader = try? XMLRecordReader(url: url) else { return }
        try? reader.forEachRecord(path: ["ArrayOfOrderInfo", "OrderInfo"]) { record in
            _ = try? MagentoOrder(record: record)
        }
    }
    return 0
}
