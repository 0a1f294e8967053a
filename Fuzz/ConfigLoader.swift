// libFuzzer target: the config.json decoder and validator (ConfigLoader.load) with an empty task registry.
import FerryPipeline
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfigLoader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzFile.withFile(data, size, name: "config.json") { url in
        _ = try? ConfigLoader.load(file: url, registry: TaskRegistry([]), checkFolders: false)
    }
    return 0
}
