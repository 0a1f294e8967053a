// libFuzzer target: FerryValues' exact-number JSON decoder (JSONValue.parse), compiled from its source.
// Property: whatever parses must serialise to text that parses back to the same value.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMagentoJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    guard let value = try? JSONValue.parse(bytes) else { return 0 }
    let text = value.serialized
    guard let again = try? JSONValue.parse(text) else {
        fatalError("serialised JSON does not parse again: \(text.prefix(200))")
    }
    if again != value { fatalError("JSON round trip changed the value: \(text.prefix(200))") }
    return 0
}
