import FerryPipeline
import FerryValues
import Foundation
import Testing

/// ``TaskInput/baseName`` cuts the common names on their bytes and leaves the rest to Foundation: both must give
/// what `NSString.deletingPathExtension` gives, since outputs are named after it.
@Suite struct TaskInputTests {
    @Test func baseNameIsFoundationsForGeneratedNames() {
        let pieces = ["a", "Z", "0", "9", ".", ".", "-", "_", " ", "é", "日", "~", "x", "m", "l", "\t", "📦"]
        var random = SplitMix64(seed: 18)
        for _ in 0..<50_000 {
            let name = (0..<Int.random(in: 1...12, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            let input = TaskInput(url: URL(filePath: "/tmp/\(name)"), name: name)
            #expect(input.baseName == (name as NSString).deletingPathExtension, "\(name.debugDescription)")
        }
    }

    @Test(arguments: [
        ("orders-17.xml", "orders-17"), ("a.b.xml", "a.b"), ("a b.XML", "a b"), ("é.xml", "é"), ("noextension", "noextension"),
        (".hidden.xml", (".hidden.xml" as NSString).deletingPathExtension), ("a..xml", ("a..xml" as NSString).deletingPathExtension),
        ("a.", ("a." as NSString).deletingPathExtension),
    ])
    func baseNameOfKnownNames(name: String, expected: String) {
        #expect(TaskInput(url: URL(filePath: "/tmp/x"), name: name).baseName == expected)
    }
}
